"""Corrections on the record: presence entered afterwards from the signed paper sheet.

Once an event (or a session of a course) has started, an organizer may mark a
person present, or absent again, from the sheet people signed in the room. A
correction is a check-in or an undo like any other: it goes through the door's
one decision (`perform_check_in`, `perform_undo`) with `Presence.SHEET` and
`ScanMethod.SHEET`, so the door state says how the presence came on the record
and the Scan row keeps the reason. The audit entry ("corrected_from_sheet")
says who, when, in which direction and why, in the same transaction.

Refusals carry a code and the form field they belong to (`CorrectionError.field`).
"""

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import (
    AuditEntry,
    CourseSession,
    Event,
    Presence,
    Registration,
    ScanMethod,
    ScanResult,
    User,
    utcnow,
)
from events.services import DomainError, NotFound, audit
from events.services.checkin.decision import (
    Actor,
    CheckInError,
    CheckInRequest,
    Verdict,
    attendance_of,
    perform_check_in,
    perform_undo,
)
from events.services.locking import lock_registration
from events.services.organizations.scope import scope_of, visible_event
from events.unit_of_work import command

ACTION = "corrected_from_sheet"
REASON_MAX = 500


class CorrectionError(DomainError):
    """Codes: not_organizer, not_started, no_session, no_reason, reason_too_long,
    not_present. `field`: the form field the refusal is shown next to."""

    class Code(enum.StrEnum):
        NOT_ORGANIZER = "not_organizer"
        NOT_STARTED = "not_started"
        NO_SESSION = "no_session"
        NO_REASON = "no_reason"
        REASON_TOO_LONG = "reason_too_long"
        NOT_PRESENT = "not_present"

    FIELDS = {Code.NO_REASON: "reason", Code.REASON_TOO_LONG: "reason", Code.NO_SESSION: "session"}

    @property
    def field(self) -> str:
        return self.FIELDS.get(self.code, "present")


@dataclass(frozen=True)
class Correction:
    """One correction from the audit log, as the correction page lists it."""

    at: datetime
    actor: str
    present: bool
    reason: str
    session_id: int | None


def has_started(event: Event, session: CourseSession | None = None, now=None) -> bool:
    """Whether `event` (or `session` of a course) has started: only then is there a sheet."""
    return (session or event).starts_at <= (now or utcnow())


def corrections_open(event: Event, now=None) -> bool:
    """Whether anything of `event` has started, so that a sheet may be entered."""
    return any(has_started(event, session, now) for session in event.sessions or [None])


@command(keep_values=True)
def correct_presence(
    event_id: int,
    registration_id: int,
    user: User,
    present: bool,
    reason: str,
    session_id: int | None = None,
    nonce: str | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Mark a person present (or absent again) from the paper sheet, at `session_id`
    of a course. Returns the decision's verdict, which may be a refusal the page
    must say (already present, no confirmed seat); a form sent twice (`nonce`)
    counts once.

    Raises CorrectionError (see its codes), NotFound for another event's person.
    """
    reason = (reason or "").strip()
    scope = scope_of(user) if user is not None else None
    if scope is None:
        raise CorrectionError("not_organizer", _l("Only an organizer may correct attendance."))
    event = visible_event(scope, event_id)
    registration = lock_registration(registration_id)
    if event is None or registration is None or registration.event_id != event_id:
        raise NotFound(_l("This person is not registered for this event."))
    session = _session(event, session_id)
    _check(event, session, reason, now)
    request = CheckInRequest(
        event,
        Actor(user_id=user.id),
        ScanMethod.SHEET,
        at=now,
        nonce=nonce or None,
        session=session,
        presence=Presence.SHEET,
        reason=reason,
    )
    before = _presence(registration, session)
    try:
        if present:
            verdict = perform_check_in(request, registration.id)
        else:
            verdict = perform_undo(request, registration.id)
    except CheckInError as error:
        if error.code != CheckInError.Code.NOT_CHECKED_IN:
            raise
        raise CorrectionError("not_present", _l("This person is not marked present.")) from error
    if not verdict.replayed and verdict.result in (ScanResult.CHECKED_IN, ScanResult.UNDONE):
        audit.record(
            ACTION,
            user,
            event_id,
            registration_id=registration.id,
            before={"present": before is not None, "how": before},
            after={
                "present": present,
                "how": Presence.SHEET.value if present else None,
                "reason": reason,
            }
            | ({"session": session.id} if session else {}),
        )
    return verdict


def _session(event: Event, session_id: int | None) -> CourseSession | None:
    """The session of a course corrected; None for a single event."""
    if not event.sessions:
        return None
    session = db.session.get(CourseSession, session_id) if session_id else None
    if session is None or session.event_id != event.id:
        raise CorrectionError("no_session", _l("Choose the session of the paper sheet."))
    return session


def _check(event: Event, session: CourseSession | None, reason: str, now) -> None:
    if not has_started(event, session, now):
        raise CorrectionError(
            "not_started",
            _l("It has not started yet: attendance can be corrected from the sheet afterwards."),
        )
    if not reason:
        raise CorrectionError("no_reason", _l("Write why the record is corrected."))
    if len(reason) > REASON_MAX:
        raise CorrectionError(
            "reason_too_long",
            _l("The reason may have at most %(max)d characters.", max=REASON_MAX),
        )


def _presence(registration: Registration, session: CourseSession | None) -> str | None:
    """How the person is on the record now (a Presence value), None when absent."""
    if session is None:
        if registration.checked_in_at is None:
            return None
        return (registration.checked_in_how or Presence.DOOR).value
    attendance = attendance_of(session.id, registration.id)
    return attendance.checked_in_how.value if attendance is not None else None


def corrections_of(registration_id: int) -> list[Correction]:
    """The corrections made from the sheet for one registration, newest first."""
    entries = db.session.scalars(
        sa.select(AuditEntry)
        .where(AuditEntry.registration_id == registration_id, AuditEntry.action == ACTION)
        .order_by(AuditEntry.id.desc())
    )
    return [
        Correction(
            at=entry.at,
            actor=entry.actor,
            present=bool((entry.after or {}).get("present")),
            reason=(entry.after or {}).get("reason", ""),
            session_id=(entry.after or {}).get("session"),
        )
        for entry in entries
    ]


@dataclass(frozen=True)
class Standing:
    """A person's presence on the record now: at the event, or at one session of a course."""

    session: CourseSession | None
    at: datetime | None  # None: absent
    by: str | None
    how: Presence | None


def presences_of(event: Event, registration: Registration) -> list[Standing]:
    """How the person is on the record: one line for a single event, one per session."""
    if not event.sessions:
        how = registration.checked_in_how or (Presence.DOOR if registration.checked_in_at else None)
        return [Standing(None, registration.checked_in_at, registration.checked_in_by, how)]
    standings = []
    for session in event.sessions:
        attendance = attendance_of(session.id, registration.id)
        if attendance is None:
            standings.append(Standing(session, None, None, None))
        else:
            standings.append(
                Standing(
                    session, attendance.checked_in_at, attendance.checked_in_by,
                    attendance.checked_in_how,
                )
            )  # fmt: skip
    return standings
