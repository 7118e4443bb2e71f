"""Checking people in at the door: one decision, whichever way a request comes.

Every door (a scan online, a queued scan, check-in by name or undo synced from
an offline device, the organizers' table) asks with a CheckInRequest: the
event, who acts, how, when, the device's nonce, the code as scanned and the
session of a course, resolved once. One command (`perform_scan`,
`perform_check_in`, `perform_undo`: they differ only in how the ticket is
found) locks the registration row and runs `_decide`, in one transaction:

1. a nonce seen before gets its first answer, under the lock (`_replayed`);
2. a scan by code counts against the guess limit (checkin.guesses);
3. the lifecycle says whether the check-in or undo is allowed, and the check-in
   window (checkin.windows) whether it can happen at `request.at`: outside it a
   check-in is refused (`outside_window`, no presence recorded) unless it
   carries a reason and the actor may override (an organizer; door staff and
   check-in links where the event allows it), which is audited; a presence
   entered from the paper sheet (checkin.corrections) is exempt;
4. the door state is written: on the registration (`checked_in_at`,
   `checked_in_by`), or for a course in a SessionAttendance row per session
   (the registration keeps the first session attended). The earliest check-in
   stands: a check-in made before the one standing (an offline device syncing
   late) takes its place, and the one it displaced becomes the duplicate
   (`already`); online, `at` is now, so a second scan is simply "already";
5. a Scan record is written, refusals included.

Two phones scanning one ticket at once therefore get one "checked in" and one
"already". Counters, tables, exports and reports read the registration's door
state; the scans are the history.
"""

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from events.extensions import db
from events.identifiers import MAX_CODE_LENGTH, normalize_code
from events.models import (
    CheckInLink,
    CourseSession,
    Event,
    Presence,
    Registration,
    RegistrationStatus,
    Scan,
    ScanMethod,
    ScanResult,
    SessionAttendance,
    User,
    utcnow,
)
from events.services import DomainError, NotFound, Throttled, audit, webhooks
from events.services.checkin.counts import count_in_door
from events.services.checkin.guesses import (
    GUESSES_PER_MINUTE,
    guess_key,
    guesses_made,
    take_guess,
)
from events.services.checkin.windows import Window, window_of
from events.services.lifecycle import Action, ActorKind, Code, refusal
from events.services.locking import lock_registration
from events.unit_of_work import command

MAX_REASON_LENGTH = 500


class CheckInError(DomainError):
    """Codes: throttled, not_checked_in, not_found, nonce_used, no_session, no_override."""

    class Code(enum.StrEnum):
        NO_OVERRIDE = "no_override"
        NO_SESSION = "no_session"
        NONCE_USED = "nonce_used"
        NOT_CHECKED_IN = "not_checked_in"


@dataclass(frozen=True)
class Actor:
    """Who scans: a logged-in user, or a volunteer's check-in link."""

    user_id: int | None = None
    link_id: int | None = None


@dataclass(frozen=True)
class CheckInRequest:
    """One check-in or undo asked for at the door, by any door."""

    event: Event
    actor: Actor
    method: ScanMethod
    # When it happened: the device's time for a synced item; None for "now", taken
    # under the row lock, so that two phones at once are judged in the lock's order.
    at: datetime | None = None
    nonce: str | None = None  # chosen by the device: the same request again is answered once
    code: str = ""  # the ticket code as scanned (normalized); empty when found by name
    session: CourseSession | None = None  # the session of a course; None for a single event
    presence: Presence = Presence.DOOR  # how the presence comes on the record
    reason: str | None = None  # why: an override of the check-in window, or a correction
    # Kept as numbers: what was loaded before the command may be expired in it.
    event_id: int = field(default=0, repr=False)
    session_id: int | None = field(default=None, repr=False)

    def __post_init__(self):
        if not self.event_id:
            object.__setattr__(self, "event_id", self.event.id)
        if self.session is not None and self.session_id is None:
            object.__setattr__(self, "session_id", self.session.id)


def door_request(
    event: Event,
    actor: Actor,
    method: ScanMethod,
    *,
    code: str = "",
    nonce: str | None = None,
    at: datetime | None = None,
    session: CourseSession | None = None,
    reason: str | None = None,
) -> CheckInRequest:
    """A request at `event` (at `session` of a course), made now unless `at` says when;
    `reason`: why it is made outside the check-in window (an override)."""
    return CheckInRequest(
        event,
        actor,
        method,
        at,
        nonce or None,
        normalize_code(code),
        session,
        reason=(reason or "").strip()[:MAX_REASON_LENGTH] or None,
    )


@dataclass
class Verdict:
    result: ScanResult
    scan: Scan
    registration: Registration | None = None
    other_event: Event | None = None
    replayed: bool = False
    session_id: int | None = None  # the session of a course the scan was made at
    # A check-in met another one: the one that stands (for `already`), or the later
    # one this check-in displaced (for `checked_in`).
    other_check_in_at: datetime | None = None
    # For `outside_window`: the window missed, and whether this actor may check the
    # person in with a reason.
    window: Window | None = None
    may_override: bool = False

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


# The three ways in: by code, by registration (found by name), and undo.


@command(keep_values=True)
def perform_scan(request: CheckInRequest) -> Verdict:
    """Check in the ticket `request.code`; returns the verdict, recorded.

    Raises Throttled after too many unknown codes from this actor,
    or "nonce_used" for a nonce of another scanner.
    """
    registration, guessed = None, 0
    if 0 < len(request.code) <= MAX_CODE_LENGTH:
        found = db.session.execute(  # found and locked in one query, the guesses beside it
            sa.select(Registration, guesses_made(_guess_key(request), utcnow()))
            .where(Registration.ticket_code == request.code)
            .with_for_update(of=Registration)
            .execution_options(populate_existing=True)
        ).first()
        if found is not None:
            registration, guessed = found[0], found[1] or 0
    return _decide(request, Action.CHECK_IN, registration, guessed)


@command(keep_values=True)
def perform_check_in(request: CheckInRequest, registration_id: int) -> Verdict:
    """Check in a person found by name (no code at hand).

    Raises NotFound for a registration of another event."""
    return _decide(request, Action.CHECK_IN, _locked(request, registration_id))


@command(keep_values=True)
def perform_undo(request: CheckInRequest, registration_id: int) -> Verdict:
    """Take back a check-in (at the request's session of a course); recorded as an
    UNDONE scan, never deleted. With a nonce, an undo sent again counts once.

    Raises NotFound, or CheckInError "not_checked_in".
    """
    return _decide(request, Action.UNDO_CHECK_IN, _locked(request, registration_id))


def _locked(request: CheckInRequest, registration_id: int) -> Registration:
    registration = lock_registration(registration_id)
    if registration is None or registration.event_id != request.event_id:
        raise NotFound(_l("This person is not registered for this event."))
    return registration


# The decision.


def _decide(request, action, registration, guessed: int | None = None) -> Verdict:
    """The verdict on `request`, under the row lock of `registration` (None: no
    ticket has the code). `guessed`: the actor's unknown codes this minute, for a
    scan by code (None otherwise: the guess limit does not apply)."""
    replay = _replayed(request)  # under the lock: the same request at once waits, then replays
    if replay is not None:
        return replay
    if request.at is None:
        request = replace(request, at=utcnow())
    if not request.nonce:
        return _judge(request, action, registration, guessed)
    try:
        with db.session.begin_nested():  # a nonce clash takes back this decision's writes
            return _judge(request, action, registration, guessed)
    except IntegrityError:  # the nonce, sent at once for another ticket: the first answers
        replay = _replayed(request)
        if replay is None:
            raise
        return replay


def _judge(request, action, registration, guessed) -> Verdict:
    if guessed is not None:
        if registration is None:
            allowed = take_guess(_guess_key(request), utcnow())
        else:
            allowed = guessed < GUESSES_PER_MINUTE
        if not allowed:
            raise Throttled(_l("Too many unknown codes. Wait a minute and try again."))
    if registration is None:
        return _record(request, None, ScanResult.UNKNOWN)
    if registration.event_id != request.event_id:
        verdict = _record(request, registration, ScanResult.WRONG_EVENT)
        verdict.other_event = registration.event
        return verdict
    if action == Action.UNDO_CHECK_IN:
        return _undo(request, registration)
    return _check_in(request, registration)


# What a refusal of the lifecycle means at the door.
_DOOR_RESULTS = {Code.CHECKED_IN: ScanResult.ALREADY}


def _check_in(request: CheckInRequest, registration: Registration) -> Verdict:
    attendance = None
    if request.session_id is not None:
        attendance = attendance_of(request.session_id, registration.id)
    standing = attendance if request.session_id is not None else registration
    standing_at = standing.checked_in_at if standing is not None else None
    refused = refusal(
        registration, Action.CHECK_IN, ActorKind.DOOR, request.at, standing_at is not None
    )
    earlier = refused == Code.CHECKED_IN and request.at < standing_at
    if refused is None or earlier:
        outside = _outside_window(request, registration)
        if outside is not None:
            return outside
    if refused is None:
        _stand(request, registration, attendance)
        verdict = _record(request, registration, ScanResult.CHECKED_IN, change=1)
        webhooks.checked_in(registration, verdict.scan)
        return verdict
    if earlier:
        # Made before the check-in that stands (synced late): the earliest stands.
        _displace(request, registration)
        _stand(request, registration, attendance)
        return _record(request, registration, ScanResult.CHECKED_IN, other_at=standing_at)
    if refused == Code.CHECKED_IN:
        return _record(request, registration, ScanResult.ALREADY, other_at=standing_at)
    if registration.status == RegistrationStatus.CANCELLED:
        return _record(request, registration, ScanResult.CANCELLED)
    return _record(request, registration, _DOOR_RESULTS.get(refused, ScanResult.NOT_CONFIRMED))


def _outside_window(request: CheckInRequest, registration: Registration) -> Verdict | None:
    """None when the check-in may happen at `request.at`: inside the window, entered
    from the paper sheet, or overridden with a reason (audited). Otherwise the
    recorded refusal; a reason from an actor who may not override raises
    CheckInError "no_override"."""
    if request.presence == Presence.SHEET:
        return None
    event = db.session.get(Event, request.event_id)
    session = db.session.get(CourseSession, request.session_id) if request.session_id else None
    window = window_of(event, session)
    if window.holds(request.at):
        return None
    may_override = _may_override(request, event)
    if request.reason is None:
        verdict = _record(request, registration, ScanResult.OUTSIDE_WINDOW)
        verdict.window, verdict.may_override = window, may_override
        return verdict
    if not may_override:
        raise CheckInError(
            "no_override", _l("Only an organizer may check people in outside the check-in time.")
        )
    audit.record(
        "check_in_window_overridden",
        db.session.get(User, request.actor.user_id) if request.actor.user_id else None,
        request.event_id,
        registration_id=registration.id,
        after={"reason": request.reason, "at": request.at.isoformat()}
        | ({"session": request.session_id} if request.session_id else {})
        | ({"link": request.actor.link_id} if request.actor.link_id else {}),
    )
    return None


def _may_override(request: CheckInRequest, event: Event) -> bool:
    """Organizers may check in outside the window with a reason; door staff and
    check-in links only where the organizer allowed it for the event."""
    if event.door_may_override:
        return True
    user = db.session.get(User, request.actor.user_id) if request.actor.user_id else None
    return user is not None and user.is_organizer


def _stand(request, registration: Registration, attendance: SessionAttendance | None) -> None:
    """This request's check-in is the one that stands (at its session, for a course)."""
    label = _actor_label(request.actor)
    if request.session_id is None:
        registration.checked_in_at, registration.checked_in_by = request.at, label
        registration.checked_in_how = request.presence
        return
    if attendance is None:
        db.session.add(
            SessionAttendance(
                session_id=request.session_id,
                registration_id=registration.id,
                checked_in_at=request.at,
                checked_in_by=label,
                checked_in_how=request.presence,
            )
        )
    else:
        attendance.checked_in_at, attendance.checked_in_by = request.at, label
        attendance.checked_in_how = request.presence
    if registration.checked_in_at is None or request.at < registration.checked_in_at:
        registration.checked_in_at, registration.checked_in_by = request.at, label
        registration.checked_in_how = request.presence


def _displace(request: CheckInRequest, registration: Registration) -> None:
    """The check-in that stood becomes the duplicate."""
    standing = _last_check_in(registration, request.session_id)
    if standing is not None:
        standing.result = ScanResult.ALREADY


def _last_check_in(registration: Registration, session_id: int | None) -> Scan | None:
    return db.session.scalar(
        sa.select(Scan)
        .where(
            Scan.registration_id == registration.id,
            Scan.session_id == session_id,
            Scan.result == ScanResult.CHECKED_IN,
        )
        .order_by(Scan.id.desc())
        .limit(1)
    )


def _undo(request: CheckInRequest, registration: Registration) -> Verdict:
    attendance = None
    if request.session_id is not None:
        attendance = attendance_of(request.session_id, registration.id)
        checked_in = attendance is not None
    else:
        checked_in = registration.checked_in_at is not None
    if refusal(
        registration, Action.UNDO_CHECK_IN, ActorKind.DOOR, request.at, checked_in=checked_in
    ):
        raise CheckInError("not_checked_in", _l("This person is not checked in."))
    undone = _last_check_in(registration, request.session_id)
    if attendance is not None:
        db.session.delete(attendance)
        db.session.flush()
        _first_attendance(registration)
    else:
        registration.checked_in_at = registration.checked_in_by = None
        registration.checked_in_how = None
    # The undo is recorded with the method of the check-in it takes back.
    method = undone.method if undone is not None else ScanMethod.SEARCH
    return _record(request, registration, ScanResult.UNDONE, change=-1, method=method)


def _first_attendance(registration: Registration) -> None:
    """A course's registration is "checked in" from its first session attended."""
    first = db.session.execute(
        sa.select(
            SessionAttendance.checked_in_at,
            SessionAttendance.checked_in_by,
            SessionAttendance.checked_in_how,
        )
        .where(SessionAttendance.registration_id == registration.id)
        .order_by(SessionAttendance.checked_in_at)
        .limit(1)
    ).first()
    (
        registration.checked_in_at,
        registration.checked_in_by,
        registration.checked_in_how,
    ) = first if first else (None, None, None)


def _actor_label(actor: Actor) -> str:
    """Who checked a person in, as the door and the table show it."""
    if actor.user_id:
        user = db.session.get(User, actor.user_id)
        return user.email if user else "?"
    link = db.session.get(CheckInLink, actor.link_id) if actor.link_id else None
    return link.label if link else "?"


def _guess_key(request: CheckInRequest) -> str:
    return guess_key(request.actor.user_id, request.actor.link_id)


def _record(request, registration, result, *, change=0, other_at=None, method=None) -> Verdict:
    """The Scan record of a verdict; `change`: people it brings in (1) or takes out (-1)."""
    scan = Scan(
        event_id=request.event_id,
        session_id=request.session_id,
        registration_id=registration.id if registration else None,
        result=result,
        method=method or request.method,
        code="".join(char for char in request.code if char.isprintable())[:MAX_CODE_LENGTH],
        user_id=request.actor.user_id,
        link_id=request.actor.link_id,
        nonce=request.nonce,
        at=request.at,
        reason=request.reason,
    )
    db.session.add(scan)
    if change:
        count_in_door(request.event_id, request.session_id, change)
    return Verdict(
        result=result,
        scan=scan,
        registration=registration,
        session_id=request.session_id,
        other_check_in_at=other_at,
    )


def _replayed(request: CheckInRequest) -> Verdict | None:
    """The first verdict for this request's nonce. A nonce used by someone else, or at
    another event, is refused: it cannot be used to read another person's verdict."""
    if not request.nonce:
        return None
    scan = db.session.scalar(sa.select(Scan).where(Scan.nonce == request.nonce))
    if scan is None:
        return None
    actor = request.actor
    if (scan.event_id, scan.user_id, scan.link_id) != (
        request.event_id,
        actor.user_id,
        actor.link_id,
    ):
        raise CheckInError("nonce_used", _l("This request was already used. Scan again."))
    verdict = Verdict(
        result=scan.result,
        scan=scan,
        registration=scan.registration,
        replayed=True,
        session_id=scan.session_id,
    )
    if scan.result == ScanResult.WRONG_EVENT and scan.registration:
        verdict.other_event = scan.registration.event
    return verdict
