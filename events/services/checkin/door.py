"""The door's commands for callers that hold ids, the session a course's scanner
works at, and the organizers' table.

The decision itself (requests, verdicts, the rules) is events.services.checkin.decision;
its names are re-exported here, where the door's callers have always found them.
"""

from datetime import datetime

from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import CourseSession, Event, ScanMethod, User, utcnow
from events.services import NotFound, audit
from events.services.checkin.counts import checked_in_counts, door_counts
from events.services.checkin.decision import (
    MAX_REASON_LENGTH,
    Actor,
    CheckInError,
    CheckInRequest,
    Verdict,
    attendance_of,
    door_request,
    perform_check_in,
    perform_scan,
    perform_undo,
)
from events.services.checkin.windows import window_of
from events.timezone import WARSAW
from events.unit_of_work import command

__all__ = [
    "MAX_REASON_LENGTH",
    "Actor",
    "CheckInError",
    "CheckInRequest",
    "Verdict",
    "attendance_of",
    "check_in_registration",
    "checked_in_counts",
    "default_session",
    "door_counts",
    "door_request",
    "organizer_door_action",
    "perform_check_in",
    "perform_scan",
    "perform_undo",
    "resolve_session",
    "scan_code",
    "undo_check_in",
]


def default_session(event: Event, now: datetime) -> CourseSession | None:
    """The session a course's scanner opens: the one whose check-in window is open,
    else today's (Warsaw), else the next, else the last."""
    sessions = list(event.sessions)
    if not sessions:
        return None
    for session in sessions:
        if window_of(event, session).holds(now):
            return session
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


# For callers that hold ids (services, the demo, tests).


def scan_code(
    event_id: int,
    raw_code: str,
    method: ScanMethod,
    actor: Actor,
    nonce: str | None = None,
    now: datetime | None = None,
    session_id: int | None = None,
) -> Verdict:
    """`perform_scan` at `event_id` (at `session_id` of a course)."""
    return perform_scan(_request(event_id, actor, method, now, session_id, raw_code, nonce))


def check_in_registration(
    event_id: int,
    registration_id: int,
    actor: Actor,
    nonce: str | None = None,
    session_id: int | None = None,
) -> Verdict:
    """`perform_check_in` at `event_id` (at `session_id` of a course)."""
    request = _request(event_id, actor, ScanMethod.SEARCH, None, session_id, nonce=nonce)
    return perform_check_in(request, registration_id)


def undo_check_in(
    event_id: int,
    registration_id: int,
    actor: Actor,
    session_id: int | None = None,
    nonce: str | None = None,
) -> Verdict:
    """`perform_undo` at `event_id` (at `session_id` of a course)."""
    request = _request(event_id, actor, ScanMethod.SEARCH, None, session_id, nonce=nonce)
    return perform_undo(request, registration_id)


def _request(event_id, actor, method, at, session_id, code="", nonce=None) -> CheckInRequest:
    event = db.session.get(Event, event_id)
    if event is None:
        raise NotFound(_l("This person is not registered for this event."))
    session = resolve_session(event, session_id, at)
    return door_request(event, actor, method, code=code, nonce=nonce, at=at, session=session)


@command
def organizer_door_action(
    event_id: int, registration_id: int, user: User, undo: bool, session_id: int | None = None
) -> Verdict:
    """A check-in (or its undo) from the organizers' table: the scan, the door state
    and the audit entry in one transaction. Returns the verdict, which may be a
    refusal ("already", "not confirmed"), so the page can say what happened."""
    request = _request(event_id, Actor(user_id=user.id), ScanMethod.SEARCH, None, session_id)
    if undo:
        verdict = perform_undo(request, registration_id)
    else:
        verdict = perform_check_in(request, registration_id)
    audit.record(
        "check_in_undone_by_organizer" if undo else "checked_in_by_organizer",
        user,
        event_id,
        registration_id=registration_id,
        after={"result": verdict.result.value}
        | ({"session": verdict.session_id} if verdict.session_id else {}),
    )
    return verdict
