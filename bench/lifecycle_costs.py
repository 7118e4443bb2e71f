"""Costs that must stay flat: one event's pages as other events pile up, and a
registration with its emails queued against one without.

Run: .venv/bin/python bench/lifecycle_costs.py [sqlite|postgresql|both]
(PostgreSQL: TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test;
throw-away databases are created and dropped.)

1. The organizers' table (page + count), the CSV export, the report and the door
   counters of one 100-person event, in a database with 20 other events and in one
   with 2,000 other events (200,000 registrations and 200,000 scans in all).
   Both databases are measured in the same run, interleaved; the figure is the
   ratio of medians (goal: under 1.5).
2. Registrations per second for one event with the confirmation email queued
   against without (`notify=False`), interleaved batches; the figure is the gap
   between the medians (goal: under 20%).

Absolute times mean little on shared machines; the ratios are what to compare.
"""

import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from app import create_app  # noqa: E402
from events.extensions import db  # noqa: E402
from events.models import Event, Registration, Scan, utcnow  # noqa: E402
from events.services.checkin.door import door_counts  # noqa: E402
from events.services.exports import csv_lines  # noqa: E402
from events.services.participants import TableQuery, registration_table  # noqa: E402
from events.services.registration import register_attendee  # noqa: E402
from events.services.reports import build_report  # noqa: E402
from tests.factories import attendee, make_event  # noqa: E402

PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PEOPLE = 100


def _rows(event_id: int, count: int, now) -> list[dict]:
    return [
        {
            "event_id": event_id, "status": "confirmed", "first_name": "Jan",
            "last_name": f"Kowalski{n}", "email": f"o{event_id}-{n}@example.org",
            "organization": "Fundacja Wsi", "organization_type": "ngo", "county": "pilski",
            "dr_member": True, "data_consent_at": now, "data_consent_version": "v1",
            "language": "pl", "manage_token": f"m{event_id}-{n}",
            "ticket_code": f"T{event_id}X{n}", "created_at": now, "updated_at": now,
            "search_text": f"jan kowalski{n}", "checked_in_at": now if n % 2 else None,
        }
        for n in range(count)
    ]  # fmt: skip


def fill(others: int) -> int:
    """The measured event and `others` events of 100 people with a scan each."""
    now = utcnow()
    measured = make_event(capacity=None).id
    db.session.execute(sa.insert(Registration), _rows(measured, PEOPLE, now))
    template = {c.key: getattr(make_event(capacity=None), c.key) for c in Event.__table__.c}
    template.pop("id")
    for start in range(0, others - 1, 200):
        batch = [
            {**template, "slug": f"inne-{number}"}
            for number in range(start, min(start + 200, others - 1))
        ]
        ids = db.session.scalars(sa.insert(Event).returning(Event.id), batch).all()
        for event_id in ids:
            db.session.execute(sa.insert(Registration), _rows(event_id, PEOPLE, now))
        db.session.commit()
    db.session.execute(
        sa.insert(Scan).from_select(
            ["event_id", "registration_id", "result", "method", "code", "at"],
            sa.select(
                Registration.event_id, Registration.id, sa.literal("checked_in"),
                sa.literal("camera"), sa.literal(""), sa.literal(now, type_=Scan.at.type),
            ),
        )
    )  # fmt: skip
    db.session.commit()
    return measured


OPERATIONS = {
    "table page + count": lambda e: registration_table(e, TableQuery()),
    "CSV export": lambda e: sum(1 for _ in csv_lines(e, TableQuery())),
    "report": lambda e: build_report(e),
    "door counters": lambda e: door_counts(e),
}


def median_ms(app, event_id, operation, rounds=7) -> float:
    samples = []
    with app.app_context():
        for _ in range(rounds):
            start = time.perf_counter()
            operation(event_id)
            samples.append(time.perf_counter() - start)
        db.session.remove()
    return statistics.median(samples) * 1000


def database_urls(kind: str) -> list[str]:
    if kind == "sqlite":
        folder = tempfile.mkdtemp()
        return [f"sqlite:///{folder}/small.db", f"sqlite:///{folder}/large.db"]
    urls = []
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        for size in ("small", "large"):
            name = f"bench_{size}_{uuid.uuid4().hex[:8]}"
            connection.execute(f'CREATE DATABASE "{name}"')
            urls.append(f"{base}/{name}")
    return urls


def drop(url: str) -> None:
    if url.startswith("postgresql"):
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


def app_for(url: str):
    app = create_app(
        # READ_CACHE_SECONDS=0: the door counters are counted each time, as measured here.
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "TESTING": True,
            "MAIL_SERVER": None,
            "READ_CACHE_SECONDS": 0,
        }
    )
    with app.app_context():
        db.create_all()
    return app


def flat_costs(kind: str) -> None:
    small_url, large_url = database_urls(kind)
    try:
        small, large = app_for(small_url), app_for(large_url)
        with small.app_context():
            small_event = fill(20)
        started = time.perf_counter()
        with large.app_context():
            large_event = fill(2_000)
            scans = db.session.scalar(sa.select(sa.func.count()).select_from(Scan))
        print(f"\n{kind}: 20 vs 2,000 other events ({scans:,} scans; filled in "
              f"{time.perf_counter() - started:.0f} s)")  # fmt: skip
        for name, operation in OPERATIONS.items():
            pairs = [
                (median_ms(small, small_event, operation), median_ms(large, large_event, operation))
                for _ in range(3)  # interleaved: small, large, small, large ...
            ]
            a = statistics.median(p[0] for p in pairs)
            b = statistics.median(p[1] for p in pairs)
            verdict = "ok" if b / a < 1.5 else "TOO SLOW"
            print(f"  {name:20s} {a:8.2f} ms  {b:8.2f} ms  ratio {b / a:5.2f}  {verdict}")
    finally:
        for app in (locals().get("small"), locals().get("large")):
            if app is not None:
                with app.app_context():
                    db.session.remove()
                    db.engine.dispose()
        drop(small_url)
        drop(large_url)


def registration_rates(kind: str) -> None:
    url = database_urls(kind)[0]
    try:
        app = app_for(url)

        def rate(notify: bool, event_id: int, count: int = 40) -> float:
            with app.app_context():
                start = time.perf_counter()
                for _ in range(count):
                    register_attendee(event_id, attendee(), notify=notify)
                elapsed = time.perf_counter() - start
                db.session.remove()
            return count / elapsed

        with app.app_context():
            event_id = make_event(capacity=None).id
        rate(True, event_id, 10)  # warm up templates and caches
        without, with_mail = [], []
        for round_number in range(8):  # interleaved, each first in turn
            for notify in (False, True) if round_number % 2 else (True, False):
                (with_mail if notify else without).append(rate(notify, event_id))
        without, with_mail = statistics.median(without), statistics.median(with_mail)
        gap = (without - with_mail) / without
        verdict = "ok" if gap < 0.20 else "TOO SLOW"
        print(f"\n{kind}: registrations per second, without mail {without:6.1f}, with mail "
              f"queued {with_mail:6.1f}: gap {gap:+.0%}  {verdict}")  # fmt: skip
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    finally:
        drop(url)


def main() -> None:
    choice = sys.argv[1] if len(sys.argv) > 1 else "both"
    kinds = ["sqlite", "postgresql"] if choice == "both" else [choice]
    for kind in kinds:
        registration_rates(kind)
        flat_costs(kind)


if __name__ == "__main__":
    main()
