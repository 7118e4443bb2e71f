"""`make faults`: the service when its parts fail, on servers this run starts and stops.

1. PostgreSQL restarted during a registration burst: no registration that was
   answered with a redirect (acknowledged) is lost, errors only while it is
   down, and the app recovers without being restarted.
2. A web worker killed (SIGKILL) during a burst: nothing acknowledged is lost.
3. The SMTP server stopped during outbox delivery, then started: every message
   arrives, none twice.
4. An SMTP server that accepts and never answers: the worker gives up after
   MAIL_TIMEOUT and the messages go out once a working server is configured;
   the web answers meanwhile (it never sends mail in production).

PostgreSQL here is a private cluster (initdb in a temporary folder, its own
port), so restarting it disturbs nobody. Run as root, it runs the cluster as
the `postgres` user. Prints one line per fault and exits non-zero on failure.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import suppress
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import dataset  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from harness import BENCH, Client, free_port, gunicorn  # noqa: E402
from run import app_env  # noqa: E402

PG_BIN = Path(
    subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
    or "/usr/lib/postgresql/15/bin"
)


class Cluster:
    """A throw-away PostgreSQL cluster on a port of its own."""

    def __init__(self):
        self.folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
        self.port = free_port()
        self.as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_postgres:
            shutil.chown(self.folder, "postgres")
        self._run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "postgres")

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run([*self.as_postgres, str(PG_BIN / tool), *args], check=True,
                       capture_output=True)  # fmt: skip

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-o", options, "-w",
                  "-l", str(self.folder / "log"), "start")  # fmt: skip

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        with suppress(subprocess.CalledProcessError):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


def burst(server, slug: str, people: int, clients: int, during=None) -> dict:
    """People register from `clients` sessions; returns acknowledged emails and failures."""
    acknowledged, failures, lock = [], [], threading.Lock()
    numbers = iter(range(people))

    def person_after_person():
        client = Client(server)
        token = client.csrf_token(f"/events/{slug}/register")
        session = dict(client.cookies)
        while True:
            with lock:
                number = next(numbers, None)
            if number is None:
                return
            email = f"fault-{number}@example.org"
            try:
                status, _headers, _body = client.post_form(
                    f"/events/{slug}/register",
                    {"csrf_token": token, "first_name": "Anna", "last_name": "Nowak",
                     "email": email, "organization": "Fundacja", "organization_type": "ngo",
                     "county": "m-konin", "dr_member": "yes", "language": "pl",
                     "data_consent": "y"},
                )  # fmt: skip
            except OSError as error:
                status = type(error).__name__
            client.cookies = dict(session)
            with lock:
                (acknowledged if status == 302 else failures).append((time.monotonic(), status))
                if status == 302:
                    acknowledged[-1] = email
            time.sleep(0.02)

    threads = [threading.Thread(target=person_after_person) for _ in range(clients)]
    for thread in threads:
        thread.start()
    if during:
        during()
    for thread in threads:
        thread.join()
    return {"acknowledged": acknowledged, "failures": failures}


def stored_emails(url: str) -> set[str]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        emails = set(connection.execute(sa.text("SELECT email FROM registration")).scalars())
    engine.dispose()
    return emails


def fault_database_restart(cluster: Cluster) -> tuple[str, bool]:
    url = dataset.new_database_on(cluster.url)
    data = dataset.load_programme(url, events=5)
    with gunicorn("app:create_app()", app_env(url)) as server:
        outage = {}

        def restart():
            time.sleep(1.5)
            outage["from"] = time.monotonic()
            cluster.stop()
            time.sleep(2)
            cluster.start()
            outage["to"] = time.monotonic()

        result = burst(server, data.burst_slug, 400, 8, during=restart)
        after = Client(server).get("/")[0]
        lost = set(result["acknowledged"]) - stored_emails(url)
        outside = [
            f for f in result["failures"] if not outage["from"] - 1 <= f[0] <= outage["to"] + 5
        ]
    ok = not lost and after == 200 and not outside
    return (
        f"PostgreSQL restarted mid-burst: {len(result['acknowledged'])} acknowledged, "
        f"{len(lost)} lost; {len(result['failures'])} refused, {len(outside)} of them outside "
        f"the outage; a page after it: HTTP {after} -> {'ok' if ok else 'FAILED'}"
    ), ok


def fault_worker_killed(cluster: Cluster) -> tuple[str, bool]:
    url = dataset.new_database_on(cluster.url)
    data = dataset.load_programme(url, events=5)
    with gunicorn("app:create_app()", app_env(url)) as server:

        def kill_one():
            time.sleep(1.5)
            os.kill(server.worker_pids()[0], signal.SIGKILL)

        result = burst(server, data.burst_slug, 400, 8, during=kill_one)
        lost = set(result["acknowledged"]) - stored_emails(url)
    ok = not lost
    return (
        f"a web worker killed mid-burst: {len(result['acknowledged'])} acknowledged, "
        f"{len(lost)} lost, {len(result['failures'])} refused -> {'ok' if ok else 'FAILED'}"
    ), ok


def fault_smtp(cluster: Cluster) -> tuple[str, bool]:
    from aiosmtpd.controller import Controller

    from events.extensions import db
    from events.messages.mail import queue_registration_email
    from events.models import OutboxMessage, Registration

    url = dataset.new_database_on(cluster.url)
    data = dataset.load_programme(url, events=5)
    app = dataset.loading_app(url)
    with app.app_context():
        db.session.execute(sa.delete(OutboxMessage))
        people = db.session.scalars(
            sa.select(Registration).where(Registration.event_id == data.door_event_id).limit(300)
        ).all()
        for registration in people:
            queue_registration_email("confirmed", registration)
        expected = {registration.email for registration in people}
        db.session.commit()
        db.engine.dispose()
    received: list[str] = []

    class Sink:
        async def handle_DATA(self, _server, _session, envelope):  # noqa: N802
            received.extend(envelope.rcpt_tos)
            return "250 OK"

    port = free_port()
    env = {**os.environ, **app_env(url, port), "MAIL_TIMEOUT": "2"}
    worker_command = [sys.executable, "-m", "flask", "--app", "app", "outbox-worker",
                      "--interval", "0.5"]  # fmt: skip

    # The silent server first: it accepts connections and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", port))
    silent.listen(64)
    worker = subprocess.Popen(worker_command, cwd=BENCH.parent, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    with gunicorn("app:create_app()", app_env(url, port)) as server:
        started = time.monotonic()
        page = Client(server).get("/")[0]
        web_seconds = time.monotonic() - started
    time.sleep(3)
    silent.close()
    # Then a working server, stopped in the middle of the run and started again.
    sink = Controller(Sink(), hostname="127.0.0.1", port=port)
    sink.start()
    time.sleep(2)
    sink.stop()
    time.sleep(2)
    sink = Controller(Sink(), hostname="127.0.0.1", port=port)
    sink.start()
    engine = sa.create_engine(url)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            pending = connection.execute(
                sa.text("SELECT count(*) FROM outbox_message WHERE status = 'pending' "
                        "AND next_attempt_at <= CURRENT_TIMESTAMP + interval '1 hour'")
            ).scalar_one()  # fmt: skip
            connection.execute(  # skip the backoff: the point is what arrives, not when
                sa.text("UPDATE outbox_message SET next_attempt_at = CURRENT_TIMESTAMP "
                        "WHERE status = 'pending'")
            )  # fmt: skip
            connection.commit()
        if pending == 0:
            break
        time.sleep(1)
    engine.dispose()
    worker.send_signal(signal.SIGTERM)
    worker.wait(30)
    sink.stop()
    twice = len(received) - len(set(received))
    ok = set(received) == expected and twice == 0 and page == 200 and web_seconds < 2
    return (
        f"SMTP silent, then stopped and started during delivery: {len(set(received))} of "
        f"{len(expected)} arrived, {twice} twice; the web answered in {web_seconds:.2f} s "
        f"meanwhile -> {'ok' if ok else 'FAILED'}"
    ), ok


def main() -> None:
    cluster = Cluster()
    cluster.start()
    results = []
    try:
        for fault in (fault_database_restart, fault_worker_killed, fault_smtp):
            line, ok = fault(cluster)
            print(line, flush=True)
            results.append(ok)
    finally:
        cluster.remove()
    print(json.dumps({"faults": len(results), "passed": sum(results)}))
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
