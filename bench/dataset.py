"""The data the benchmark serves, loaded straight into a fresh database.

A programme of 55 upcoming events, one of them with 500 registrations (the
event page), one with 10,000 confirmed people and one with 1,000 (the door and
the exports); smaller programmes of 10 and 100 events for the growth case;
two events at their door for the walk-in case (`load_doors`).
After loading, PostgreSQL is ANALYZEd, as autovacuum would do in production.
"""

import os
import uuid
from dataclasses import dataclass
from datetime import timedelta

import psycopg
import sqlalchemy as sa

from app import create_app
from events.counties import COUNTIES
from events.extensions import db
from events.models import (
    Event,
    EventKind,
    EventStatus,
    Organization,
    Registration,
    Role,
    User,
    utcnow,
)

PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
ORGANIZER = ("bench-organizer@example.org", "dluga-fraza-do-testow-wydajnosci")
DOOR_STAFF = ("bench-door@example.org", "inna-fraza-dla-obslugi-wejscia")


@dataclass
class Dataset:
    url: str
    event_slug: str = ""  # the event page: 500 registrations
    manage_token: str = ""  # one person's "my registration" page
    ticket_token: str = ""  # the same person's ticket page
    door_slug: str = ""  # 10,000 confirmed people
    door_small_slug: str = ""  # 1,000 confirmed people
    door_event_id: int = 0
    burst_slug: str = ""  # 500 seats, nobody registered yet
    burst_event_id: int = 0
    door_codes: list[str] | None = None
    door_small_codes: list[str] | None = None


def new_database(kind: str, directory: str) -> str:
    if kind == "sqlite":
        return f"sqlite:///{directory}/bench-{uuid.uuid4().hex[:8]}.db"
    name = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name


def new_database_on(admin_url: str) -> str:
    """A new database on another PostgreSQL server (SQLAlchemy URL of any of its databases)."""
    name = f"bench_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return admin_url.rsplit("/", 1)[0] + "/" + name


def drop_database(url: str) -> None:
    if url.startswith("postgresql"):
        with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
            name = url.rsplit("/", 1)[1]
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def loading_app(url: str):
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40})


def _event(number: int, **values) -> dict:
    start = (utcnow() + timedelta(days=3 + number % 90, hours=number % 7)).replace(microsecond=0)
    county = COUNTIES[number % len(COUNTIES)].code
    return {
        "slug": f"wydarzenie-{number}",
        "title": f"Spotkanie konsultacyjne programu partnerstwa nr {number}",
        "kind": list(EventKind)[number % len(EventKind)],
        "description": "Spotkanie organizacji pozarządowych i samorządu powiatu. " * 4,
        "starts_at": start,
        "ends_at": start + timedelta(hours=4),
        "venue_name": "Gminny Ośrodek Kultury",
        "venue_address": f"ul. Kościelna {number}, 62-800 Kalisz",
        "county": county,
        "capacity": 40,
        "waitlist_enabled": True,
        "status": EventStatus.PUBLISHED,
        "created_at": utcnow(),
        "updated_at": utcnow(),
        **values,
    }


def _people(event_id: int, count: int, status: str = "confirmed") -> list[dict]:
    now = utcnow()
    return [
        {
            "event_id": event_id, "status": status, "first_name": "Zofia",
            "last_name": f"Wiśniewska-{n}", "email": f"{status}{event_id}-{n}@example.org",
            "organization": f"Stowarzyszenie Wspólna Sprawa {n % 97}",
            "organization_type": "ngo", "county": COUNTIES[n % len(COUNTIES)].code,
            "dr_member": n % 2 == 0, "data_consent_at": now, "data_consent_version": "v1",
            "language": "pl" if n % 5 else "en",
            "manage_token": f"m{event_id}x{n}x{uuid.uuid4().hex}",
            "ticket_token": f"t{event_id}x{n}x{uuid.uuid4().hex}",
            "ticket_code": f"B{event_id}C{n:05d}{uuid.uuid4().hex[:6].upper()}",
            "phone": "+48 600 100 200", "created_at": now, "updated_at": now,
            "search_text": f"zofia wisniewska-{n} stowarzyszenie wspolna sprawa {n % 97}",
        }
        for n in range(count)
    ]  # fmt: skip


def _lead_id() -> int:
    """The lead organization (which the migrations make; `create_all` does not)."""
    found = db.session.scalar(sa.select(Organization.id).where(Organization.is_lead))
    if found is not None:
        return found
    lead = Organization(
        name="Działamy Razem", short_name="DR", kind="ngo", counties=[], is_lead=True
    )
    db.session.add(lead)
    db.session.flush()
    return lead.id


def _insert_events(rows: list[dict]) -> list[int]:
    lead = _lead_id()
    return [
        db.session.execute(
            sa.insert(Event).values(organization_id=lead, **row).returning(Event.id)
        ).scalar_one()
        for row in rows
    ]


def _insert_people(event_id: int, count: int, status: str = "confirmed") -> list[dict]:
    rows = _people(event_id, count, status)
    for start in range(0, len(rows), 2000):
        db.session.execute(sa.insert(Registration), rows[start : start + 2000])
    return rows


def load_programme(url: str, events: int = 55) -> Dataset:
    """The main data set; `events` counts every published event in the programme."""
    app = loading_app(url)
    data = Dataset(url=url)
    with app.app_context():
        db.create_all()
        user = User(
            email=ORGANIZER[0], role=Role.COORDINATOR, active=True, organization_id=_lead_id()
        )
        user.set_password(ORGANIZER[1])
        db.session.add(user)
        event_id, door_id, small_id, *others = _insert_events(
            [_event(number) for number in range(events)]
        )
        db.session.execute(
            sa.update(Event)
            .where(Event.id.in_([event_id, door_id, small_id]))
            .values(capacity=None)
        )
        # The check-in events are at their door (check-in is open: issue 20's windows).
        door_start = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
        db.session.execute(
            sa.update(Event)
            .where(Event.id.in_([door_id, small_id]))
            .values(starts_at=door_start, ends_at=door_start + timedelta(hours=3))
        )
        burst_id, *others = others
        db.session.execute(sa.update(Event).where(Event.id == burst_id).values(capacity=500))
        for other in others:
            _insert_people(other, 20)
        rows = _insert_people(event_id, 450)
        _insert_people(event_id, 50, status="waitlisted")
        door_rows = _insert_people(door_id, 10_000)
        small_rows = _insert_people(small_id, 1_000)
        db.session.commit()
        data.event_slug = db.session.get(Event, event_id).slug
        data.manage_token = rows[7]["manage_token"]
        data.ticket_token = rows[7]["ticket_token"]
        data.door_event_id = door_id
        data.door_slug = db.session.get(Event, door_id).slug
        data.door_small_slug = db.session.get(Event, small_id).slug
        data.burst_event_id = burst_id
        data.burst_slug = db.session.get(Event, burst_id).slug
        data.door_codes = [row["ticket_code"] for row in door_rows]
        data.door_small_codes = [row["ticket_code"] for row in small_rows]
        analyze()
        db.engine.dispose()
    return data


def load_small_programme(url: str, events: int) -> None:
    app = loading_app(url)
    with app.app_context():
        db.create_all()
        for event_id in _insert_events([_event(number) for number in range(events)]):
            _insert_people(event_id, 20)
        db.session.commit()
        analyze()
        db.engine.dispose()


def load_doors(url: str, sizes: tuple[int, ...]) -> dict[int, str]:
    """Events at their door (starting in 30 minutes: check-in is open), each full with
    `size` confirmed people for `size` seats, and a staff account assigned to them.
    Returns each size's event slug."""
    app = loading_app(url)
    slugs = {}
    with app.app_context():
        staff = User(email=DOOR_STAFF[0], role=Role.STAFF, active=True, organization_id=_lead_id())
        staff.set_password(DOOR_STAFF[1])
        db.session.add(staff)
        start = (utcnow() + timedelta(minutes=30)).replace(microsecond=0)
        for number, size in enumerate(sizes, start=900):
            [event_id] = _insert_events(
                [_event(number, capacity=size, starts_at=start, ends_at=start + timedelta(hours=3))]
            )
            _insert_people(event_id, size)
            event = db.session.get(Event, event_id)
            staff.events.append(event)
            slugs[size] = event.slug
        db.session.commit()
        analyze()
        db.engine.dispose()
    return slugs


def reset_walk_ins(url: str) -> None:
    """Nobody added at the door yet: each walk-in run starts at the same number of people."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for statement in (
            "DELETE FROM scan WHERE registration_id IN (SELECT id FROM registration WHERE walk_in)",
            "DELETE FROM audit_entry WHERE registration_id IN "
            "(SELECT id FROM registration WHERE walk_in)",
            "DELETE FROM registration WHERE walk_in",
        ):
            connection.exec_driver_sql(statement)
    engine.dispose()


def analyze() -> None:
    """Statistics for the planner, as autovacuum (or SQLite's optimizer) keeps them."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
    else:
        with db.engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")


def reset_door(url: str, event_ids: list[int] | None = None) -> None:
    """Nobody checked in, no scans: each check-in run scans fresh tickets."""
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM scan"))
        connection.execute(
            sa.text("UPDATE registration SET checked_in_at = NULL, checked_in_by = NULL")
        )
    engine.dispose()
