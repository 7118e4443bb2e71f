"""Courses: an event of several sessions under one registration.

People apply, are accepted and take a seat once, for the whole course (the
event's capacity counts people); they are checked in per session
(`SessionAttendance`, written by `checkin`). The event's own `starts_at` and
`ends_at` span its sessions, so every rule that reads them (registration closes
at the start, reminders, retention) reads the course as a whole.

A change of a session's time or place tells every active registrant, and the
calendar entry of that session is updated in place (same UID, higher SEQUENCE).
A session where people were checked in is never deleted: its attendance is the
record the certificates and reports rest on.
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext

from events.extensions import db
from events.models import (
    CourseSession,
    Event,
    EventStatus,
    Presence,
    Registration,
    RegistrationStatus,
    Scan,
    SessionAttendance,
    User,
)
from events.services import DomainError, audit
from events.services.courses.presences import counted_sessions
from events.services.event_changes import forget_reminders, tell_registrants
from events.services.lifecycle import Code, confirmed_people, ends_after_start
from events.services.locking import lock_event
from events.unit_of_work import command


class CourseError(DomainError):
    """Codes: invalid_times, cancelled, not_found, has_attendance, last_session."""

    class Code(enum.StrEnum):
        CANCELLED = "cancelled"
        HAS_ATTENDANCE = "has_attendance"
        INVALID_TIMES = "invalid_times"
        LAST_SESSION = "last_session"
        NOT_FOUND = "not_found"


@dataclass
class SessionData:
    starts_at: datetime
    ends_at: datetime
    venue_name: str = ""
    venue_address: str = ""
    title: str = ""


_FIELDS = ("title", "starts_at", "ends_at", "venue_name", "venue_address")


def _check(event: Event, data: SessionData) -> None:
    if not ends_after_start(data.starts_at, data.ends_at):
        raise CourseError(Code.INVALID_TIMES, Code.INVALID_TIMES.message)
    if event.status == EventStatus.CANCELLED:
        raise CourseError(Code.EVENT_CANCELLED, Code.EVENT_CANCELLED.message)


def _span(event: Event) -> None:
    """The event's times cover its sessions (the first start, the last end)."""
    sessions = db.session.scalars(
        sa.select(CourseSession).where(CourseSession.event_id == event.id)
    ).all()
    if sessions:
        starts = min(session.starts_at for session in sessions)
        if starts != event.starts_at:
            forget_reminders(event.id)
        event.starts_at = starts
        event.ends_at = max(session.ends_at for session in sessions)


def _session_of(event_id: int, session_id: int) -> CourseSession:
    session = db.session.get(CourseSession, session_id)
    if session is None or session.event_id != event_id:
        raise CourseError("not_found", _l("This course has no such session."))
    return session


def _changed(event: Event, session: CourseSession, before: dict, note=None) -> int:
    """Tell the registrants of a course what changed in one session (an empty `before`:
    the session is new), with a calendar update for the confirmed ones."""
    event.sequence += 1  # the course's entries all carry the event's sequence too
    db.session.flush()
    db.session.expire(event, ["sessions"])
    previous = {
        "session_added": not before,
        "session_title": session.title,
        "starts_at": before.get("starts_at"),
        "ends_at": before.get("ends_at"),
        "time_changed": (before.get("starts_at"), before.get("ends_at"))
        != (session.starts_at, session.ends_at),
        "place": ", ".join(p for p in (before.get("venue_name"), before.get("venue_address")) if p),
        "place_changed": (before.get("venue_name"), before.get("venue_address"))
        != (session.venue_name, session.venue_address),
        "online_changed": False,
        "session": True,
        "new_starts_at": session.starts_at,
        "new_ends_at": session.ends_at,
        "new_place": ", ".join(p for p in (session.venue_name, session.venue_address) if p),
    }
    told = 0
    if event.status == EventStatus.PUBLISHED:
        told = tell_registrants(event.id, "event_changed", note=note, previous=previous)
    return told


@command
def add_session(event_id: int, data: SessionData, user: User | None) -> CourseSession:
    """Add a session; an event with sessions is a course. Raises CourseError."""
    event = lock_event(event_id)
    _check(event, data)
    session = CourseSession(event_id=event.id, **{name: getattr(data, name) for name in _FIELDS})
    db.session.add(session)
    db.session.flush()
    _span(event)
    _changed(event, session, {})
    audit.record("session_added", user, event.id, after=audit.snapshot(session, _FIELDS))
    return session


@command
def update_session(
    event_id: int, session_id: int, data: SessionData, user: User | None, note: str | None = None
) -> int:
    """Change a session's time or place; registrants are told and calendars update
    that session's entry in place. Returns the number of messages queued."""
    event = lock_event(event_id)
    _check(event, data)
    session = _session_of(event.id, session_id)
    before = audit.snapshot(session, _FIELDS)
    for name in _FIELDS:
        setattr(session, name, getattr(data, name))
    after = audit.snapshot(session, _FIELDS)
    if before == after:
        return 0
    moved = (before["starts_at"], before["ends_at"], before["venue_name"], before["venue_address"])
    now = audit.snapshot(session, ("starts_at", "ends_at", "venue_name", "venue_address"))
    told = 0
    if moved != tuple(now.values()):
        session.sequence += 1
        _span(event)
        raw = {
            "starts_at": _original(before["starts_at"]),
            "ends_at": _original(before["ends_at"]),
            "venue_name": before["venue_name"],
            "venue_address": before["venue_address"],
        }
        told = _changed(event, session, raw, note)
    audit.record("session_changed", user, event.id, before=before, after=after)
    return told


def _original(value: str) -> datetime:
    return datetime.fromisoformat(value)


def attendance_count(session_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(SessionAttendance.session_id == session_id)
    )


@command
def delete_session(event_id: int, session_id: int, user: User | None) -> None:
    """Delete a session nobody was checked in at; registrants are told, and the
    session's calendar entry is withdrawn (METHOD:CANCEL for its UID).

    Raises CourseError "has_attendance" when people were checked in there (their
    attendance is kept; move the session instead), "last_session" for the only
    session of a course with registrations.
    """
    event = lock_event(event_id)
    session = _session_of(event.id, session_id)
    attended = attendance_count(session.id)
    if attended:
        raise CourseError(
            "has_attendance",
            lazy_ngettext(
                "%(num)d person was checked in at this session, so it cannot be deleted: "
                "their attendance counts for certificates and reports. "
                "Change its date or place instead.",
                "%(num)d people were checked in at this session, so it cannot be deleted: "
                "their attendance counts for certificates and reports. "
                "Change its date or place instead.",
                attended,
            ),
        )
    before = audit.snapshot(session, _FIELDS)
    removed = {
        "id": session.id,
        "title": session.title,
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "venue_name": session.venue_name,
        "venue_address": session.venue_address,
        "sequence": session.sequence,
    }
    # Refused scans (unknown codes) made at the session stay, without their session.
    db.session.execute(sa.update(Scan).where(Scan.session_id == session.id).values(session_id=None))
    db.session.delete(session)
    db.session.flush()
    db.session.expire(event, ["sessions"])
    _span(event)
    event.sequence += 1
    if event.status == EventStatus.PUBLISHED:  # the session leaves people's calendars
        tell_registrants(event.id, "session_cancelled", removed=removed)
    audit.record("session_deleted", user, event.id, before=before)


# Reading: the matrix of people × sessions, today's session, figures ---------------


@dataclass
class MatrixRow:
    registration: Registration
    attended: set[int]  # session ids
    minutes: int
    how: dict[int, Presence] = field(default_factory=dict)  # per session attended
    counted: set[int] = field(default_factory=set)  # the presences that count (certificates)

    def hours(self) -> float:
        return round(self.minutes / 60, 2)


@dataclass
class Matrix:
    sessions: list[CourseSession]
    rows: list[MatrixRow]

    @property
    def total_minutes(self) -> int:
        return sum(session.minutes for session in self.sessions)

    def percent(self, row: MatrixRow) -> int:
        total = self.total_minutes
        return int(row.minutes * 100 // total) if total else 0

    def present(self, session: CourseSession) -> int:
        return sum(1 for row in self.rows if session.id in row.attended)

    def kinds(self, session: CourseSession) -> dict[Presence, int]:
        """The presences at `session` by how they came on the record (each kind listed)."""
        counts = dict.fromkeys(Presence, 0)
        for row in self.rows:
            if session.id in row.how:
                counts[row.how[session.id]] += 1
        return counts


def attended_sessions(registration_ids: list[int]) -> dict[int, set[int]]:
    """Session ids each registration was checked in at, in one query."""
    found: dict[int, set[int]] = {registration_id: set() for registration_id in registration_ids}
    if registration_ids:
        rows = db.session.execute(
            sa.select(SessionAttendance.registration_id, SessionAttendance.session_id).where(
                SessionAttendance.registration_id.in_(registration_ids)
            )
        )
        for registration_id, session_id in rows:
            found[registration_id].add(session_id)
    return found


def attendance_kinds(registration_ids: list[int]) -> dict[int, dict[int, Presence]]:
    """Per registration: the sessions attended and how each presence was recorded."""
    found: dict[int, dict[int, Presence]] = {
        registration_id: {} for registration_id in registration_ids
    }
    if registration_ids:
        rows = db.session.execute(
            sa.select(
                SessionAttendance.registration_id,
                SessionAttendance.session_id,
                SessionAttendance.checked_in_how,
            ).where(SessionAttendance.registration_id.in_(registration_ids))
        )
        for registration_id, session_id, how in rows:
            found[registration_id][session_id] = how or Presence.DOOR
    return found


def attendance_matrix(event: Event) -> Matrix:
    """Every confirmed person (and anyone checked in somewhere) × the sessions, with
    which of their presences count for certificates."""
    sessions = list(event.sessions)
    people = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            sa.or_(
                Registration.status == RegistrationStatus.CONFIRMED,
                Registration.checked_in_at.is_not(None),
            ),
        )
        .order_by(Registration.last_name, Registration.first_name, Registration.id)
    ).all()
    ids = [person.id for person in people]
    kinds = attendance_kinds(ids)
    counted = counted_sessions(event, ids)
    minutes = {session.id: session.minutes for session in sessions}
    rows = [
        MatrixRow(
            person,
            set(kinds[person.id]),
            sum(minutes.get(session_id, 0) for session_id in kinds[person.id]),
            kinds[person.id],
            counted[person.id],
        )
        for person in people
    ]
    return Matrix(sessions, rows)


def session_people_for_sheet(event: Event) -> list[Registration]:
    """The attendance sheet of one session lists the course's confirmed people."""
    return confirmed_people(event.id)


def course_figures(event_ids: list[int]) -> dict[int, dict]:
    """Per course: sessions, hours offered, attendances (also by how each was recorded:
    "by_how", a Presence each) and hours attended, in two queries."""
    figures: dict[int, dict] = {}
    if not event_ids:
        return figures
    sessions = db.session.scalars(
        sa.select(CourseSession).where(CourseSession.event_id.in_(event_ids))
    ).all()
    for session in sessions:
        entry = figures.setdefault(
            session.event_id,
            {
                "sessions": 0,
                "minutes": 0,
                "attendances": 0,
                "minutes_attended": 0,
                "by_how": dict.fromkeys(Presence, 0),
            },
        )
        entry["sessions"] += 1
        entry["minutes"] += session.minutes
    by_session = {session.id: session for session in sessions}
    rows = db.session.execute(
        sa.select(SessionAttendance.session_id, SessionAttendance.checked_in_how, sa.func.count())
        .where(SessionAttendance.session_id.in_(list(by_session)))
        .group_by(SessionAttendance.session_id, SessionAttendance.checked_in_how)
    )
    for session_id, how, count in rows:
        session = by_session[session_id]
        entry = figures[session.event_id]
        entry["attendances"] += count
        entry["by_how"][how or Presence.DOOR] += count
        entry["minutes_attended"] += count * session.minutes
    return figures
