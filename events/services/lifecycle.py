"""The lifecycle of a registration, in one place: its statuses, what may happen to
it, who may make it happen, when, and the seat arithmetic.

Read `TRANSITIONS` first: every action on an existing registration, the statuses
it starts from, the status it leads to, the email that tells the person, the
actors who may take it, and its time rule. `refusal()` applies the table to one
registration; `perform()` takes the action: it checks the table, writes the status
the table leads to and returns the `Email` the caller queues. Views and templates
ask `allowed_actions()` which buttons to show instead of deciding again.

Seats are counted here too: `seat_holders()` are the confirmed people;
`seats_taken()` adds the seats still kept for invited people, for whoever has no
invitation; `fill_free_seats()` gives the free ones to the waiting list.

The rules, in words:
- a registrant may cancel only until the event starts; an organizer may cancel
  later too (audited), but never a person who is checked in (undo that first);
- nobody is promoted from the waiting list once the event has started, or when
  it is cancelled, or without a free seat;
- a checked-in registration is never moved: not by a change of capacity, not by
  a cancellation;
- an event ends after it starts (`ends_after_start`, also a CHECK constraint).
"""

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import (
    ACTIVE_STATUSES,
    Event,
    EventStatus,
    Invitation,
    Registration,
    RegistrationStatus,
    WebhookKind,
    utcnow,
)
from events.search import polish_sort_key
from events.services import DomainError, webhooks

S = RegistrationStatus


class ActorKind(enum.StrEnum):
    REGISTRANT = "registrant"  # the person, through their private link
    ORGANIZER = "organizer"
    DOOR = "door"  # staff or a volunteer's check-in link at the door
    SYSTEM = "system"  # the application itself (promotion, retention)


class Action(enum.StrEnum):
    CANCEL = "cancel"
    APPROVE = "approve"
    DECLINE = "decline"
    PROMOTE = "promote"  # a waiting-list place gets a seat
    DEMOTE = "demote"  # a seat goes back to the waiting list (fewer seats)
    CHECK_IN = "checkin"
    UNDO_CHECK_IN = "undo"
    RESEND = "resend"
    ERASE = "erase"


class Code(enum.StrEnum):
    """Why something was refused; the message says it to a person."""

    NOT_PUBLISHED = "not_published"
    EVENT_CANCELLED = "cancelled"
    NOT_OPEN_YET = "not_open_yet"
    CLOSED = "closed"
    FULL = "full"
    DUPLICATE = "duplicate"
    CONSENT = "consent"
    NEEDS_CONSENT = "needs_consent"  # needs (maybe health data) without their own consent
    WRONG_STATUS = "wrong_status"
    NOT_YOURS = "not_allowed"
    EVENT_STARTED = "event_started"
    EVENT_ENDED = "event_ended"
    CHECKED_IN = "checked_in"
    NOT_CHECKED_IN = "not_checked_in"
    ANONYMIZED = "anonymized"
    INVALID_TIMES = "invalid_times"
    INVITATION_ONLY = "invitation_only"

    @property
    def message(self):
        return _MESSAGES[self]


_MESSAGES = {
    Code.NOT_PUBLISHED: _l("This event is not open for registration."),
    Code.EVENT_CANCELLED: _l("This event has been cancelled."),
    Code.NOT_OPEN_YET: _l("Registration has not opened yet."),
    Code.CLOSED: _l("Registration for this event is closed."),
    Code.FULL: _l("Sorry, there are no seats left for this event."),
    Code.DUPLICATE: _l("This email address is already registered for this event."),
    Code.CONSENT: _l("Consent to the processing of personal data is required."),
    Code.NEEDS_CONSENT: _l("To tell us about your needs, give the consent for this information."),
    Code.WRONG_STATUS: _l("This is not possible for a registration with this status."),
    Code.NOT_YOURS: _l("You may not do this."),
    Code.EVENT_STARTED: _l(
        "The event has already started: this can no longer be changed here. "
        "Please contact the organizer."
    ),
    Code.EVENT_ENDED: _l("The event is over."),
    Code.CHECKED_IN: _l("This person is checked in. Undo the check-in first."),
    Code.NOT_CHECKED_IN: _l("This person is not checked in."),
    Code.ANONYMIZED: _l("This person's data has already been erased."),
    Code.INVALID_TIMES: _l("The end must be after the start."),
    Code.INVITATION_ONLY: _l(
        "This event is by invitation only: register through the personal link in your invitation."
    ),
}


class LifecycleError(DomainError):
    """A refused action; `code` is a `Code`."""

    Code = Code

    def __init__(self, code: Code):
        super().__init__(code, code.message)


class Email(enum.StrEnum):
    """The email a transition sends (templates/email/<kind>)."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING = "pending"
    ACCEPTED = "accepted"
    PROMOTED = "promoted"
    DECLINED = "declined"
    CANCELLED = "cancelled"


STATUS_EMAILS = {
    RegistrationStatus.CONFIRMED: Email.CONFIRMED,
    RegistrationStatus.WAITLISTED: Email.WAITLISTED,
    RegistrationStatus.PENDING: Email.PENDING,
}
"""The email that tells a person where an active registration stands."""


class When(enum.Enum):
    ANY_TIME = "any time"
    BEFORE_START = "before the event starts"
    BEFORE_END = "before the event ends"


@dataclass(frozen=True)
class Transition:
    from_statuses: frozenset[RegistrationStatus]
    to_status: RegistrationStatus | None  # None: the status stays
    actors: dict[ActorKind, When]
    checked_in: bool | None = False  # the door state it needs; None: either
    open_event: bool = False  # refused for a cancelled event
    email: Email | None = None  # what tells the person (None: nothing)
    takes_seat: bool = False  # to_status holds a seat: only when one is free for the person
    when_full: RegistrationStatus | None = None  # where it leads without a free seat, given a
    # waiting list (None: refused FULL)
    tells_status: bool = False  # sends the email of the status it leaves in place


_ACTIVE = frozenset(ACTIVE_STATUSES)
_ALL = frozenset(RegistrationStatus)
ORG, YOU, DOOR, SYS = ActorKind.ORGANIZER, ActorKind.REGISTRANT, ActorKind.DOOR, ActorKind.SYSTEM

TRANSITIONS: dict[Action, Transition] = {
    Action.CANCEL: Transition(
        _ACTIVE, S.CANCELLED, {YOU: When.BEFORE_START, ORG: When.ANY_TIME}, email=Email.CANCELLED
    ),
    Action.APPROVE: Transition(
        frozenset({S.PENDING}), S.CONFIRMED, {ORG: When.BEFORE_START}, open_event=True,
        email=Email.ACCEPTED, takes_seat=True, when_full=S.WAITLISTED,
    ),
    Action.DECLINE: Transition(
        frozenset({S.PENDING}), S.DECLINED, {ORG: When.ANY_TIME}, email=Email.DECLINED
    ),
    Action.PROMOTE: Transition(
        frozenset({S.WAITLISTED}), S.CONFIRMED, {ORG: When.BEFORE_START, SYS: When.BEFORE_START},
        open_event=True, email=Email.PROMOTED, takes_seat=True,
    ),
    Action.DEMOTE: Transition(
        frozenset({S.CONFIRMED}), S.WAITLISTED, {ORG: When.ANY_TIME}, email=Email.WAITLISTED
    ),
    Action.CHECK_IN: Transition(
        frozenset({S.CONFIRMED}), None, {DOOR: When.ANY_TIME, ORG: When.ANY_TIME}
    ),
    Action.UNDO_CHECK_IN: Transition(
        _ALL, None, {DOOR: When.ANY_TIME, ORG: When.ANY_TIME}, checked_in=True
    ),
    Action.RESEND: Transition(
        _ACTIVE, None, {ORG: When.BEFORE_END}, checked_in=None, tells_status=True
    ),
    Action.ERASE: Transition(_ALL, None, {ORG: When.ANY_TIME, SYS: When.ANY_TIME}, checked_in=None),
}  # fmt: skip


def event_started(event: Event, now: datetime) -> bool:
    return now >= event.starts_at


def event_ended(event: Event, now: datetime) -> bool:
    return now >= event.ends_at


def ends_after_start(starts_at: datetime, ends_at: datetime) -> bool:
    """The one rule for an event's times (the database's CHECK says the same)."""
    return ends_at > starts_at


def _time_refusal(when: When, event: Event, now: datetime) -> Code | None:
    if when == When.BEFORE_START and event_started(event, now):
        return Code.EVENT_STARTED
    if when == When.BEFORE_END and event_ended(event, now):
        return Code.EVENT_ENDED
    return None


def refusal(
    registration: Registration,
    action: Action,
    actor: ActorKind,
    now: datetime | None = None,
    checked_in: bool | None = None,
) -> Code | None:
    """Why `actor` may not take `action` on `registration` now, or None when it may.

    Seats are not counted here: a promotion or approval also needs a free seat,
    which `perform` counts under the event's lock.
    `checked_in` gives the door state to judge by when it is not the registration's
    own: a person's attendance at one session of a course (for CHECK_IN and UNDO).
    """
    now = now or utcnow()
    rule = TRANSITIONS[action]
    event = registration.event
    if actor not in rule.actors:
        return Code.NOT_YOURS
    if registration.anonymized_at is not None:
        return Code.ANONYMIZED
    if registration.status not in rule.from_statuses:
        return Code.WRONG_STATUS
    if checked_in is None:
        checked_in = registration.checked_in_at is not None
    if rule.checked_in is True and not checked_in:
        return Code.NOT_CHECKED_IN
    if rule.checked_in is False and checked_in:
        return Code.CHECKED_IN
    if rule.open_event and event.status == EventStatus.CANCELLED:
        return Code.EVENT_CANCELLED
    return _time_refusal(rule.actors[actor], event, now)


def require(
    registration: Registration, action: Action, actor: ActorKind, now: datetime | None = None
) -> None:
    """Raise LifecycleError when the action is refused."""
    code = refusal(registration, action, actor, now)
    if code is not None:
        raise LifecycleError(code)


def allowed_actions(
    registration: Registration, actor: ActorKind, now: datetime | None = None
) -> set[Action]:
    """The actions `actor` may take on this registration now (seats aside)."""
    now = now or utcnow()
    return {action for action in Action if refusal(registration, action, actor, now) is None}


def perform(
    registration: Registration, action: Action, actor: ActorKind, now: datetime | None = None
) -> Email | None:
    """Take `action` on `registration` as `actor`: check the table, write the status it
    leads to and return the email the caller queues (None: no email).

    The status written is the table's `to_status`; for one that holds a seat, only when
    a seat is free for this person (`seat_free_for`), else its `when_full` if the event
    has a waiting list. The caller holds the event's lock when seats are at stake.
    Raises LifecycleError with the refusal's code, or FULL.
    """
    now = now or utcnow()
    require(registration, action, actor, now)
    rule = TRANSITIONS[action]
    if rule.to_status is None:
        return STATUS_EMAILS[registration.status] if rule.tells_status else None
    status = rule.to_status
    if rule.takes_seat and not seat_free_for(registration, now):
        if rule.when_full is None or not registration.event.waitlist_enabled:
            raise LifecycleError(Code.FULL)
        status = rule.when_full
    return _write(registration, action, status)


# What each transition tells the webhooks, when it leads to its own status.
WEBHOOKS = {
    Action.CANCEL: WebhookKind.REGISTRATION_CANCELLED,
    Action.APPROVE: WebhookKind.REGISTRATION_CONFIRMED,
    Action.DECLINE: WebhookKind.REGISTRATION_DECLINED,
    Action.PROMOTE: WebhookKind.REGISTRATION_PROMOTED,
}


def _write(registration: Registration, action: Action, status: RegistrationStatus) -> Email:
    """Every status a transition leads to is written here: with its webhook, in the
    transition's transaction (an approval without a free seat, which leads to the
    waiting list, and a demotion tell none)."""
    rule = TRANSITIONS[action]
    registration.status = status
    db.session.flush()  # a waiting-list position counts the new status
    if status == rule.to_status and action in WEBHOOKS:
        webhooks.registration_changed(WEBHOOKS[action], registration)
    return rule.email if status == rule.to_status else STATUS_EMAILS[status]


# Seats ----------------------------------------------------------------------------


def holds_seat(event_id: int):
    """The condition on a registration that holds a seat at an event: confirmed."""
    return sa.and_(
        Registration.event_id == event_id, Registration.status == RegistrationStatus.CONFIRMED
    )


def seat_holders(event_id: int) -> sa.Select:
    """The people who hold a seat at an event."""
    return sa.select(Registration).where(holds_seat(event_id))


def seats_taken(
    event: Event, now: datetime, invited: bool = False, confirmed: int | None = None
) -> int:
    """The seats nobody else may take now: the seat holders and, for a person without
    an invitation (`invited` false), the seats still kept for invited people.
    `confirmed`: the seat holders' number, when the caller has counted them already."""
    if confirmed is None:
        confirmed = confirmed_count(event.id)
    return confirmed if invited else confirmed + held_for_invitees(event, now)


def seat_free_for(registration: Registration, now: datetime) -> bool:
    """Whether a seat is free for this person (a kept seat too, if they were invited)."""
    event = registration.event
    held = held_for_invitees(event, now)
    if held and _invited(registration.event_id, [registration.id]):
        held = 0
    return has_free_seat(event, confirmed_count(event.id) + held)


def fill_free_seats(event: Event, now: datetime) -> list[tuple[Registration, Email]]:
    """Give the free seats to the waiting list, first come first served; a seat kept
    for invited people goes only to a person with an invitation. Writes the statuses
    and returns each promoted registration with the email to queue.

    Nobody is promoted once the event has started, or for a cancelled or draft
    event. The caller holds the event's lock.
    """
    if event.status != EventStatus.PUBLISHED or event_started(event, now):
        return []
    free = free_seats(event, confirmed_count(event.id))  # None: no limit
    held = held_for_invitees(event, now)
    if free == 0:
        return []
    query = (
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.id)
    )
    if free is not None and not held:
        query = query.limit(free)
    waiting = list(db.session.scalars(query))
    invited = _invited(event.id, [r.id for r in waiting]) if held and free is not None else set()
    rule, promoted = TRANSITIONS[Action.PROMOTE], []
    for registration in waiting:
        if free is not None:
            if free == 0:
                break
            if registration.id in invited:
                held = max(held - 1, 0)
            elif free <= held:
                continue  # only kept seats are left, and this person has no invitation
            free -= 1
        require(registration, Action.PROMOTE, ActorKind.SYSTEM, now)
        promoted.append((registration, _write(registration, Action.PROMOTE, rule.to_status)))
    return promoted


def _invited(event_id: int, registration_ids: list[int]) -> set[int]:
    """Those of these registrations made through an invitation."""
    if not registration_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Invitation.registration_id).where(
                Invitation.event_id == event_id,
                Invitation.registration_id.in_(registration_ids),
            )
        )
    )


def confirmed_count(event_id: int) -> int:
    """How many people hold a seat."""
    return db.session.scalar(sa.select(sa.func.count()).where(holds_seat(event_id)))


def confirmed_people(event_id: int) -> list[Registration]:
    """The confirmed people of an event (attendance sheets), by last name in Polish
    alphabetical order."""
    people = db.session.scalars(seat_holders(event_id)).all()
    return sorted(
        people, key=lambda r: (polish_sort_key(r.last_name), polish_sort_key(r.first_name))
    )


def free_seats(event: Event, confirmed: int) -> int | None:
    """Seats still free; None when the event has no limit. The one place for this sum."""
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed, 0)


def has_free_seat(event: Event, confirmed: int) -> bool:
    free = free_seats(event, confirmed)
    return free is None or free > 0


def held_for_invitees(event: Event, now: datetime) -> int:
    """Seats still kept for invited people: the event's `invitee_seats` less the
    invited people who hold a seat, until `invitee_seats_until`; then none. Whoever
    registers without an invitation counts them as taken."""
    if not event.invitee_seats or not event.invitee_seats_until:
        return 0
    if now >= event.invitee_seats_until:
        return 0
    taken = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Invitation)
        .join(Registration, Registration.id == Invitation.registration_id)
        .where(Invitation.event_id == event.id, holds_seat(event.id))
    )
    return max(event.invitee_seats - taken, 0)


def seats_short(capacity: int | None, confirmed: int) -> int:
    """How many confirmed people a capacity leaves without a seat (0 if all fit)."""
    return 0 if capacity is None else max(confirmed - capacity, 0)


def status_counts(event_ids: list[int]) -> dict[int, dict[RegistrationStatus, int]]:
    """Registrations per event and status, in one query."""
    counts: dict[int, dict[RegistrationStatus, int]] = {event_id: {} for event_id in event_ids}
    if not event_ids:
        return counts
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.status, sa.func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, count in rows:
        counts[event_id][status] = count
    return counts


# Registering: what a visitor can do with an event right now ------------------------


class RegistrationState(enum.StrEnum):
    DRAFT = "draft"
    CANCELLED = "cancelled"
    NOT_OPEN_YET = "not_open_yet"
    OPEN = "open"
    WAITLIST = "waitlist"  # full, but the waiting list takes people
    FULL = "full"  # full, no waiting list
    CLOSED = "closed"


REFUSED_STATES = {
    RegistrationState.DRAFT: Code.NOT_PUBLISHED,
    RegistrationState.CANCELLED: Code.EVENT_CANCELLED,
    RegistrationState.NOT_OPEN_YET: Code.NOT_OPEN_YET,
    RegistrationState.CLOSED: Code.CLOSED,
    RegistrationState.FULL: Code.FULL,
}


def registration_closes_at(event: Event) -> datetime:
    """Registration closes at its set time, and at the latest when the event starts."""
    closes = event.registration_closes_at
    return min(closes, event.starts_at) if closes else event.starts_at


def registration_state(event: Event, confirmed: int, now: datetime) -> RegistrationState:
    if event.status == EventStatus.DRAFT:
        return RegistrationState.DRAFT
    if event.status == EventStatus.CANCELLED:
        return RegistrationState.CANCELLED
    if event.registration_opens_at and now < event.registration_opens_at:
        return RegistrationState.NOT_OPEN_YET
    if now >= registration_closes_at(event):
        return RegistrationState.CLOSED
    if not has_free_seat(event, confirmed):
        return RegistrationState.WAITLIST if event.waitlist_enabled else RegistrationState.FULL
    return RegistrationState.OPEN


def initial_status(event, state: RegistrationState) -> RegistrationStatus:
    """The status a new registration starts in (the state is one that accepts people)."""
    if event.mode == "approval":
        return RegistrationStatus.PENDING
    if state == RegistrationState.WAITLIST:
        return RegistrationStatus.WAITLISTED
    return RegistrationStatus.CONFIRMED


def group_statuses(
    event: Event, size: int, together: bool, now: datetime
) -> list[RegistrationStatus] | None:
    """The statuses of a group of `size` new registrations, in the order of the form;
    None when the group cannot be placed (not every member has a seat and the event
    has no waiting list). The caller holds the event's lock.

    An approval event: every member awaits approval, as one registration would.
    `together`: all confirmed if all fit, else all on the waiting list (never split);
    otherwise as many as fit are confirmed and the rest wait, in form order.
    Raises LifecycleError when the event takes nobody now (draft, cancelled, not
    open yet, closed); a full event without a waiting list gives None.
    """
    taken = seats_taken(event, now)
    state = registration_state(event, taken, now)
    if state in REFUSED_STATES and state != RegistrationState.FULL:
        raise LifecycleError(REFUSED_STATES[state])
    if event.mode == "approval" and state != RegistrationState.FULL:
        return [RegistrationStatus.PENDING] * size
    free = free_seats(event, taken)
    fits = size if free is None else min(free, size)
    if together and fits < size:
        fits = 0
    if fits < size and not event.waitlist_enabled:
        return None
    waiting = RegistrationStatus.WAITLISTED
    return [RegistrationStatus.CONFIRMED] * fits + [waiting] * (size - fits)
