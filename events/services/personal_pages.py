"""A person's own pages as versions: what the cache of rendered pages is keyed by.

"My registration" (/r/<token>) and the ticket page (/t/<token>) are rendered once
per registration and language, and served again while nothing they show has
changed (events.views.page_cache). Whether it has changed is read on every
request, in one statement found by the page's secret: the registration's and the
event's `updated_at` and status, the course sessions (count, newest change) and,
for "my registration", the waiting-list position (it moves when someone ahead
leaves), the person's session check-ins, certificates (issued, revoked) and
answers, and the event's current questions. A new token after erasure finds
nothing, so an erased person's page is never served again.

The pages depend on the clock only through the event's own times (registration
opening and closing, start, end: "can cancel until the start", "answers can be
changed until registration closes"): `PageVersion.key(now)` counts the moments
that have passed, so a page is rendered again the moment one passes.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from events.extensions import db
from events.models import (
    Certificate,
    CourseSession,
    Event,
    QuestionnaireResponse,
    Registration,
    RegistrationStatus,
    SessionAttendance,
)
from events.services.questionnaires.at_registration import answers_query, questions_query

TOKEN_LENGTH = 64
MOMENTS = (
    Event.registration_opens_at,
    Event.registration_closes_at,
    Event.starts_at,
    Event.ends_at,
)


@dataclass(frozen=True)
class PageVersion:
    registration_id: int
    digest: str  # of everything the page shows
    moments: tuple[datetime | None, ...]  # when what it shows may change with the clock

    def key(self, now: datetime) -> tuple:
        passed = sum(1 for moment in self.moments if moment is not None and now >= moment)
        return (self.registration_id, self.digest, passed)


def _count_and_newest(column, newest, *where) -> list:
    return [
        sa.select(sa.func.count(column)).where(*where).scalar_subquery(),
        sa.select(sa.func.max(newest)).where(*where).scalar_subquery(),
    ]


def _shared() -> list:
    """What both pages show: the registration, the event and its sessions."""
    return [
        Registration.updated_at,
        Registration.status,
        Registration.anonymized_at,
        Event.updated_at,
        Event.status,
        *_count_and_newest(
            CourseSession.id, CourseSession.updated_at, CourseSession.event_id == Event.id
        ),
    ]


def _mine() -> list:
    """What only "my registration" shows."""
    waiting = Registration.status == RegistrationStatus.WAITLISTED
    ahead = aliased(Registration)
    position = (
        sa.select(sa.func.count(ahead.id))
        .where(
            ahead.event_id == Registration.event_id,
            ahead.status == RegistrationStatus.WAITLISTED,
            ahead.id <= Registration.id,
        )
        .scalar_subquery()
    )
    mine = SessionAttendance.registration_id == Registration.id
    certificates = Certificate.registration_id == Registration.id
    return [
        sa.case((waiting, position), else_=None),
        *_count_and_newest(SessionAttendance.id, SessionAttendance.id, mine),
        *_count_and_newest(Certificate.id, Certificate.id, certificates),
        sa.select(sa.func.count(Certificate.revoked_at)).where(certificates).scalar_subquery(),
        answers_query(Registration.id, QuestionnaireResponse.answers).scalar_subquery(),
        questions_query(Registration.event_id).scalar_subquery(),
    ]


def _statement(secret, columns: list) -> sa.Select:
    return (
        sa.select(Registration.id, *MOMENTS, *columns)
        .join(Event, Event.id == Registration.event_id)
        .where(secret == sa.bindparam("token"))
    )


# Built once: building them is most of their cost (the database answers from indexes).
MANAGE_VERSION = _statement(Registration.manage_token, _shared() + _mine())
TICKET_VERSION = _statement(Registration.ticket_token, _shared())


def _read(statement: sa.Select, values: dict) -> sa.Row | None:
    """One statement, without the ORM. On PostgreSQL outside a transaction: one statement
    reads one snapshot anyway, and a transaction of its own (BEGIN, ROLLBACK) cost more
    than the statement (about 1 ms of a cached page's 2). SQLite keeps the session's."""
    if db.engine.dialect.name != "postgresql":
        return db.session.connection().execute(statement, values).one_or_none()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        return connection.execute(statement, values).one_or_none()


def _version(statement: sa.Select, token: str) -> PageVersion | None:
    if not token or len(token) > TOKEN_LENGTH or "\x00" in token:
        return None
    row = _read(statement, {"token": token})
    if row is None:
        return None
    moments = row[1 : 1 + len(MOMENTS)]
    digest = hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:32]
    return PageVersion(row[0], digest, tuple(moments))


def manage_page_version(token: str) -> PageVersion | None:
    """The version of the "my registration" page behind `token`; None for no such page."""
    return _version(MANAGE_VERSION, token)


def ticket_page_version(token: str) -> PageVersion | None:
    """The version of the ticket page behind `token`; None for no such page."""
    return _version(TICKET_VERSION, token)
