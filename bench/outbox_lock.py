"""`python bench/outbox_lock.py`: does a registration wait while the outbox renders?

On SQLite one write lock covers the whole database. A batch of 50 confirmations
(ticket QR code, calendar file, two templates each) is queued, and the outbox
worker (`flask --app app outbox-worker --once --batch 50`, a process of its own,
sending to an SMTP sink on loopback) delivers it while this process registers
one person after another and times each registration's command (BEGIN
IMMEDIATE to COMMIT). Printed: the latencies with the worker idle, and while it
renders and sends.

`--worker-root DIR` runs the worker from another checkout (for example the
commit before the outbox change), to compare before and after on the same data.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from harness import BENCH, free_port  # noqa: E402

BATCH = 50


def summary(latencies: list[float]) -> str:
    if not latencies:
        return "no registration"
    ms = sorted(value * 1000 for value in latencies)
    return (
        f"{len(ms)} registrations, median {statistics.median(ms):.0f} ms, "
        f"p90 {ms[int(len(ms) * 0.9)]:.0f} ms, max {ms[-1]:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--worker-root", default=str(BENCH.parent))
    arguments = parser.parse_args()

    from aiosmtpd.controller import Controller

    from events.extensions import db
    from events.messages.mail import queue_registration_email
    from events.models import Event, OrganizationType, OutboxMessage, Registration
    from events.services.registration import Attendee, register_attendee

    workdir = tempfile.mkdtemp(prefix="bench-outbox-lock-")
    url = dataset.new_database("sqlite", workdir)
    dataset.load_small_programme(url, events=3)
    app = dataset.loading_app(url)
    with app.app_context():
        event_id = db.session.scalars(sa.select(Event.id).order_by(Event.id)).first()
        db.session.execute(sa.update(Event).values(capacity=None))
        db.session.execute(sa.delete(OutboxMessage))
        people = db.session.scalars(sa.select(Registration).limit(BATCH)).all()
        for registration in people:
            queue_registration_email("confirmed", registration)
        db.session.commit()

    received = []

    class Sink:
        async def handle_DATA(self, _server, _session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append(time.monotonic())
            return "250 OK"

    sink = Controller(Sink(), hostname="127.0.0.1", port=free_port())
    sink.start()
    numbers = iter(range(1_000_000))

    def register_once() -> float:
        number = next(numbers)
        person = Attendee(
            first_name="Anna", last_name="Nowak", email=f"lock-{number}@example.org",
            organization="Fundacja", organization_type=OrganizationType.NGO,
            county="gnieznienski", dr_member=True, data_consent=True,
        )  # fmt: skip
        started = time.perf_counter()
        register_attendee(event_id, person, notify=False)
        return time.perf_counter() - started

    with app.app_context():
        idle = [register_once() for _ in range(30)]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": str(sink.port),
            "APP_ENV": "development",
            "PYTHONPATH": arguments.worker_root,
        }
        command = [sys.executable, "-m", "flask", "--app", "app", "outbox-worker", "--once",
                   "--batch", str(BATCH)]  # fmt: skip
        worker = subprocess.Popen(command, cwd=arguments.worker_root, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        timeline = []
        while worker.poll() is None:
            took = register_once()
            timeline.append((time.monotonic(), took))
        worker.wait()
    sink.stop()
    busy = [took for _, took in timeline]
    # The batch is claimed, then rendered, then sent: the rendering ends when the first
    # message arrives; registrations that ended from then back to the claim overlap it.
    rendering = [took for at, took in timeline if received and at <= received[0]]
    print(f"worker from {arguments.worker_root}: {len(received)} of {BATCH} messages received")
    print(f"  registration commit latency, worker idle:        {summary(idle)}")
    print(f"  registration commit latency, worker running:     {summary(busy)}")
    print(f"  ... of which ended before the first message arrived: {summary(rendering)}")


if __name__ == "__main__":
    main()
