"""Which presences count for the record: the ones certificates rest on.

A presence counts when it was recorded inside its check-in window, entered from
the paper sheet, or overridden: made by a check-in whose Scan carries a reason
(`checkin.windows.presence_counts` is the rule). Every other presence stays on
the record (the attendance matrix and the registrations table show it), but earns
no certificate: a check-in made the day before a session is not attendance.
"""

from datetime import datetime

import sqlalchemy as sa

from events.extensions import db
from events.models import Event, Registration, Scan, ScanResult, SessionAttendance
from events.services.checkin.windows import presence_counts

Key = tuple[int, int | None, datetime]  # registration, session (None: the event), when


def overridden_presences(event_id: int) -> set[Key]:
    """Each check-in at `event_id` made with a recorded reason: the scan that wrote a
    presence has the presence's own time, so (registration, session, time) finds it."""
    rows = db.session.execute(
        sa.select(Scan.registration_id, Scan.session_id, Scan.at).where(
            Scan.event_id == event_id,
            Scan.result == ScanResult.CHECKED_IN,
            Scan.reason.is_not(None),
            Scan.registration_id.is_not(None),
        )
    )
    return {(registration_id, session_id, at) for registration_id, session_id, at in rows}


def counted_sessions(event: Event, registration_ids: list[int]) -> dict[int, set[int]]:
    """The sessions of course `event` at which each registration has a presence that
    counts, in two queries."""
    found: dict[int, set[int]] = {registration_id: set() for registration_id in registration_ids}
    sessions = {session.id: session for session in event.sessions}
    if not registration_ids or not sessions:
        return found
    overridden = overridden_presences(event.id)
    rows = db.session.execute(
        sa.select(
            SessionAttendance.registration_id,
            SessionAttendance.session_id,
            SessionAttendance.checked_in_at,
            SessionAttendance.checked_in_how,
        ).where(SessionAttendance.registration_id.in_(registration_ids))
    )
    for registration_id, session_id, at, how in rows:
        session = sessions.get(session_id)
        overrode = (registration_id, session_id, at) in overridden
        if session is not None and presence_counts(event, session, at, how, overrode):
            found[registration_id].add(session_id)
    return found


def counted_people(event: Event, people: list[Registration]) -> set[int]:
    """The registrations of single event `event` whose check-in counts."""
    checked_in = [person for person in people if person.checked_in_at is not None]
    if not checked_in:
        return set()
    overridden = overridden_presences(event.id)
    return {
        person.id
        for person in checked_in
        if presence_counts(
            event,
            None,
            person.checked_in_at,
            person.checked_in_how,
            (person.id, None, person.checked_in_at) in overridden,
        )
    }
