"""Checking people in at the door.

One command per action (`scan_code`, `check_in_registration`, `undo_check_in`)
locks the registration row, asks the lifecycle whether a check-in is allowed,
sets the door state on the registration (`checked_in_at`, `checked_in_by`) and
writes a Scan record — refusals included — in one transaction. Two phones
scanning one ticket at the same moment therefore get one "checked in" and one
"already". A nonce chosen by the device makes a retried request return its
first answer. Counters, tables, exports and reports read the registration's
door state; the scans are the history.

A course is checked in per session, with the same ticket: the door state of one
session is a SessionAttendance row (written with its scan), and the
registration's own `checked_in_at` says when the person first came to any
session. `resolve_session` picks the session (today's by default).
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from events.extensions import db
from events.identifiers import MAX_CODE_LENGTH, normalize_code
from events.models import (
    CheckInLink,
    CourseSession,
    Event,
    Registration,
    RegistrationStatus,
    Scan,
    ScanMethod,
    ScanResult,
    SessionAttendance,
    User,
    utcnow,
)
from events.read_cache import read_cache
from events.services import DomainError, audit
from events.services.lifecycle import Action, ActorKind, Code, refusal
from events.services.locking import lock_registration
from events.timezone import WARSAW
from events.unit_of_work import after_commit, command

FAILED_SCANS_PER_MINUTE = 30


class CheckInError(DomainError):
    """Codes: throttled, not_checked_in, not_found, nonce_used, no_session."""


@dataclass(frozen=True)
class Actor:
    """Who scans: a logged-in user, or a volunteer's check-in link."""

    user_id: int | None = None
    link_id: int | None = None


@dataclass
class Verdict:
    result: ScanResult
    scan: Scan
    registration: Registration | None = None
    other_event: Event | None = None
    replayed: bool = field(default=False)
    session_id: int | None = None  # the session of a course the scan was made at

    def _door_state(self):
        if self.registration is None:
            return None
        if self.session_id is None:
            return self.registration
        return attendance_of(self.session_id, self.registration.id)

    @property
    def checked_in_at(self) -> datetime | None:
        """For ALREADY: when the person was checked in (and `checked_in_by`: by whom)."""
        state = self._door_state()
        return state.checked_in_at if state else None

    @property
    def checked_in_by(self) -> str | None:
        state = self._door_state()
        return state.checked_in_by if state else None


def attendance_of(session_id: int, registration_id: int) -> SessionAttendance | None:
    return db.session.scalar(
        sa.select(SessionAttendance).where(
            SessionAttendance.session_id == session_id,
            SessionAttendance.registration_id == registration_id,
        )
    )


def default_session(event: Event, now: datetime) -> CourseSession | None:
    """The session a course's scanner opens: today's (Warsaw), else the next, else the last."""
    sessions = list(event.sessions)
    if not sessions:
        return None
    today = now.astimezone(WARSAW).date()
    for session in sessions:
        if session.starts_at.astimezone(WARSAW).date() == today:
            return session
    upcoming = [session for session in sessions if session.ends_at > now]
    return upcoming[0] if upcoming else sessions[-1]


def resolve_session(event: Event, session_id: int | None, now: datetime | None = None):
    """The session of a course that a check-in is for: the one asked for, else the
    default; None for a single event. Raises CheckInError "no_session" for a session
    of another event."""
    if session_id is None:
        return default_session(event, now or utcnow())
    session = db.session.get(CourseSession, session_id)
    if session is None or session.event_id != event.id:
        raise CheckInError("no_session", _l("This course has no such session."))
    return session


@command(keep_values=True)
def scan_code(
    event_id: int,
    raw_code: str,
    method: ScanMethod,
    actor: Actor,
    nonce: str | None = None,
    now: datetime | None = None,
    session_id: int | None = None,
) -> Verdict:
    """Check in the ticket `raw_code` at `event_id` (at `session_id` of a course);
    returns the verdict, recorded.

    Raises CheckInError "throttled" after too many unknown codes from this actor.
    """
    now = now or utcnow()
    replay = _replayed(nonce, event_id, actor)
    if replay:
        return replay
    if _recent_failures(actor, now) >= FAILED_SCANS_PER_MINUTE:
        raise CheckInError("throttled", _l("Too many unknown codes. Wait a minute and try again."))
    code = normalize_code(raw_code)
    registration = None
    if 0 < len(code) <= MAX_CODE_LENGTH:
        registration = db.session.scalar(  # found and locked in one query
            sa.select(Registration)
            .where(Registration.ticket_code == code)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    if registration is None:
        return _record(
            event_id, None, ScanResult.UNKNOWN, method, actor, nonce, now, code, session_id
        )
    return _decide(event_id, registration, method, actor, nonce, now, code, session_id)


@command(keep_values=True)
def check_in_registration(
    event_id: int,
    registration_id: int,
    actor: Actor,
    nonce: str | None = None,
    session_id: int | None = None,
) -> Verdict:
    """Check in a person found by name (no code at hand).

    Raises CheckInError "not_found" for a registration of another event."""
    replay = _replayed(nonce, event_id, actor)
    if replay:
        return replay
    registration = lock_registration(registration_id)
    if registration is None or registration.event_id != event_id:
        raise CheckInError("not_found", _l("This person is not registered for this event."))
    return _decide(
        event_id, registration, ScanMethod.SEARCH, actor, nonce, utcnow(), "", session_id
    )


@command(keep_values=True)
def undo_check_in(
    event_id: int, registration_id: int, actor: Actor, session_id: int | None = None
) -> Verdict:
    """Take back a check-in (at `session_id` of a course); recorded as an UNDONE scan,
    never deleted.

    Raises CheckInError "not_found" or "not_checked_in".
    """
    registration = lock_registration(registration_id)
    if registration is None or registration.event_id != event_id:
        raise CheckInError("not_found", _l("This person is not registered for this event."))
    session_id = _session_id(registration.event, session_id)
    attendance = attendance_of(session_id, registration.id) if session_id else None
    at_session = attendance is not None if session_id else None
    if refusal(registration, Action.UNDO_CHECK_IN, ActorKind.DOOR, checked_in=at_session):
        raise CheckInError("not_checked_in", _l("This person is not checked in."))
    if attendance is not None:
        db.session.delete(attendance)
        db.session.flush()
        _first_attendance(registration)
    else:
        registration.checked_in_at = registration.checked_in_by = None
    method = db.session.scalar(
        sa.select(Scan.method)
        .where(Scan.registration_id == registration.id, Scan.result == ScanResult.CHECKED_IN)
        .order_by(Scan.id.desc())
        .limit(1)
    )
    return _record(
        event_id, registration, ScanResult.UNDONE, method or ScanMethod.SEARCH, actor, None,
        utcnow(), "", session_id,
    )  # fmt: skip


def _session_id(event: Event, session_id: int | None) -> int | None:
    session = resolve_session(event, session_id)
    return session.id if session else None


def _first_attendance(registration: Registration) -> None:
    """A course's registration is "checked in" from its first session attended."""
    first = db.session.execute(
        sa.select(SessionAttendance.checked_in_at, SessionAttendance.checked_in_by)
        .where(SessionAttendance.registration_id == registration.id)
        .order_by(SessionAttendance.checked_in_at)
        .limit(1)
    ).first()
    registration.checked_in_at, registration.checked_in_by = first if first else (None, None)


# What a refusal of the lifecycle means at the door.
_DOOR_RESULTS = {Code.CHECKED_IN: ScanResult.ALREADY}


def _decide(event_id, registration, method, actor, nonce, now, code, session_id) -> Verdict:
    """The verdict for a registration whose row lock this transaction holds."""
    if registration.event_id != event_id:
        verdict = _record(
            event_id, registration, ScanResult.WRONG_EVENT, method, actor, nonce, now, code,
            session_id,
        )  # fmt: skip
        verdict.other_event = registration.event
        return verdict
    session_id = _session_id(registration.event, session_id)
    at_session = None
    if session_id is not None:
        at_session = attendance_of(session_id, registration.id) is not None
    refused = refusal(registration, Action.CHECK_IN, ActorKind.DOOR, now, checked_in=at_session)
    if refused is None:
        label = _actor_label(actor)
        if session_id is not None:
            db.session.add(
                SessionAttendance(
                    session_id=session_id,
                    registration_id=registration.id,
                    checked_in_at=now,
                    checked_in_by=label,
                )
            )
            if registration.checked_in_at is None or now < registration.checked_in_at:
                registration.checked_in_at, registration.checked_in_by = now, label
        else:
            registration.checked_in_at, registration.checked_in_by = now, label
        result = ScanResult.CHECKED_IN
    elif registration.status == RegistrationStatus.CANCELLED:
        result = ScanResult.CANCELLED
    else:
        result = _DOOR_RESULTS.get(refused, ScanResult.NOT_CONFIRMED)
    return _record(event_id, registration, result, method, actor, nonce, now, code, session_id)


def _actor_label(actor: Actor) -> str:
    """Who checked a person in, as the door and the table show it."""
    if actor.user_id:
        user = db.session.get(User, actor.user_id)
        return user.email if user else "?"
    link = db.session.get(CheckInLink, actor.link_id) if actor.link_id else None
    return link.label if link else "?"


def _record(event_id, registration, result, method, actor, nonce, now, code, session_id=None):
    scan = Scan(
        event_id=event_id,
        session_id=session_id,
        registration_id=registration.id if registration else None,
        result=result,
        method=method,
        code="".join(char for char in code if char.isprintable())[:MAX_CODE_LENGTH],
        user_id=actor.user_id,
        link_id=actor.link_id,
        nonce=nonce or None,
        at=now,
    )
    if not nonce:
        db.session.add(scan)  # nothing in it can clash with another scan
    else:
        try:
            with db.session.begin_nested():  # a savepoint: a nonce clash keeps the rest usable
                db.session.add(scan)
        except IntegrityError:  # the same nonce, sent twice at once: the first one answers
            if registration is not None:
                db.session.refresh(registration)
            replay = _replayed(nonce, event_id, actor)
            if replay is None:
                raise
            return replay
    change = {ScanResult.CHECKED_IN: 1, ScanResult.UNDONE: -1}.get(result, 0)
    if change:
        _count_in_door(event_id, session_id, change)
    if result == ScanResult.UNKNOWN:
        cache = read_cache()
        after_commit(lambda: cache.adjust(("unknown-scans", actor), lambda count: count + 1))
    return Verdict(result=result, scan=scan, registration=registration, session_id=session_id)


def _replayed(nonce: str | None, event_id: int, actor: Actor) -> Verdict | None:
    """The first verdict for this nonce. A nonce used by someone else, or at another
    event, is refused: it cannot be used to read another person's verdict."""
    if not nonce:
        return None
    scan = db.session.scalar(sa.select(Scan).where(Scan.nonce == nonce))
    if scan is None:
        return None
    if (scan.event_id, scan.user_id, scan.link_id) != (event_id, actor.user_id, actor.link_id):
        raise CheckInError("nonce_used", _l("This request was already used. Scan again."))
    verdict = Verdict(
        result=scan.result, scan=scan, registration=scan.registration, session_id=scan.session_id
    )
    verdict.replayed = True
    if scan.result == ScanResult.WRONG_EVENT and scan.registration:
        verdict.other_event = scan.registration.event
    return verdict


def _recent_failures(actor: Actor, now: datetime) -> int:
    """Unknown codes from this actor in the last minute; counted at most once every
    READ_CACHE_SECONDS per process, this process's own unknown scans added at once."""
    who = Scan.user_id == actor.user_id if actor.user_id else Scan.link_id == actor.link_id
    return read_cache().get(
        ("unknown-scans", actor),
        lambda: db.session.scalar(
            sa.select(sa.func.count()).where(
                who, Scan.result == ScanResult.UNKNOWN, Scan.at > now - timedelta(minutes=1)
            )
        ),
    )


def door_counts(event_id: int, session_id: int | None = None) -> dict[str, int]:
    """{"checked_in": people inside, "confirmed": confirmed registrations} (at a course:
    people at `session_id`).

    Counted over this event's rows only, at most once every READ_CACHE_SECONDS per
    process (events.read_cache): a scan does not count 10,000 rows. This process's
    own check-ins and undos are added once committed.
    """
    key = ("door", event_id, session_id)
    return dict(read_cache().get(key, lambda: _count_door(event_id, session_id)))


def _count_in_door(event_id: int, session_id: int | None, change: int) -> None:
    cache = read_cache()
    after_commit(
        lambda: cache.adjust(
            ("door", event_id, session_id),
            lambda counts: {**counts, "checked_in": counts["checked_in"] + change},
        )
    )


def _count_door(event_id: int, session_id: int | None) -> dict[str, int]:
    if session_id is not None:
        confirmed = db.session.scalar(
            sa.select(sa.func.count()).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        present = db.session.scalar(
            sa.select(sa.func.count()).where(SessionAttendance.session_id == session_id)
        )
        return {"checked_in": present, "confirmed": confirmed}
    checked_in, confirmed = db.session.execute(
        sa.select(
            sa.func.count(Registration.checked_in_at),
            sa.func.count().filter(Registration.status == RegistrationStatus.CONFIRMED),
        ).where(Registration.event_id == event_id)
    ).one()
    return {"checked_in": checked_in, "confirmed": confirmed}


def checked_in_counts(event_ids: list[int]) -> dict[int, int]:
    """People checked in per event, for many events in one query."""
    counts = dict.fromkeys(event_ids, 0)
    if event_ids:
        rows = db.session.execute(
            sa.select(Registration.event_id, sa.func.count())
            .where(Registration.event_id.in_(event_ids), Registration.checked_in_at.is_not(None))
            .group_by(Registration.event_id)
        )
        counts.update(dict(rows.all()))
    return counts


@command
def organizer_door_action(
    event_id: int, registration_id: int, user: User, undo: bool, session_id: int | None = None
) -> Verdict:
    """A check-in (or its undo) from the organizers' table: the scan, the door state
    and the audit entry in one transaction. Returns the verdict, which may be a
    refusal ("already", "not confirmed"), so the page can say what happened."""
    actor = Actor(user_id=user.id)
    if undo:
        verdict = undo_check_in(event_id, registration_id, actor, session_id)
    else:
        verdict = check_in_registration(event_id, registration_id, actor, session_id=session_id)
    audit.record(
        "check_in_undone_by_organizer" if undo else "checked_in_by_organizer",
        user,
        event_id,
        registration_id=registration_id,
        after={"result": verdict.result.value}
        | ({"session": verdict.session_id} if verdict.session_id else {}),
    )
    return verdict
