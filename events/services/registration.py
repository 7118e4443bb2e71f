"""Registering for an event, the waiting list, approvals and cancellation.

Every command that changes seats first locks the event row (SELECT ... FOR
UPDATE on PostgreSQL; on SQLite every transaction already holds the write
lock, see `configure_sqlite`), so two people can never both take the last seat.
Under the lock only the seat arithmetic, the row changes and the outbox rows
(frozen facts, a few hundred bytes) are written; emails are rendered at
delivery. What may happen to a registration is decided, and its status
written, by `lifecycle`; this module queues the email each change returns.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from events import consents
from events.extensions import db
from events.identifiers import new_manage_token, new_ticket_code, normalize_email
from events.messages.mail import queue_registration_email
from events.models import (
    ACTIVE_STATUSES,
    Event,
    OrganizationType,
    Registration,
    RegistrationStatus,
    User,
    new_secret,
    utcnow,
)
from events.search import search_text
from events.services import audit, webhooks
from events.services.lifecycle import (
    REFUSED_STATES,
    STATUS_EMAILS,
    Action,
    ActorKind,
    Code,
    Email,
    LifecycleError,
    fill_free_seats,
    initial_status,
    perform,
    registration_state,
    seats_taken,
)
from events.services.locking import lock_event, lock_registration
from events.unit_of_work import command

RegistrationError = LifecycleError  # the name the views and tests know


@dataclass
class Attendee:
    """What a person tells us about themselves when registering."""

    first_name: str
    last_name: str
    email: str
    organization: str
    organization_type: OrganizationType
    county: str
    dr_member: bool
    data_consent: bool
    image_consent: bool = False
    phone: str | None = None
    needs: str | None = None
    needs_consent: bool = False  # explicit consent for "needs" (GDPR art. 9(2)(a))
    language: str = "pl"


def find_active_registration(event_id: int, email: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event_id,
            Registration.email == normalize_email(email),
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


@command
def register_attendee(
    event_id: int,
    attendee: Attendee,
    now: datetime | None = None,
    notify: bool = True,
    invited: bool = False,
) -> Registration:
    """Register a person; returns the new Registration.

    The confirmation, waiting-list or application email is queued in the same
    transaction (unless `notify` is false, as for demo data).
    Raises RegistrationError (a LifecycleError) with Code NOT_PUBLISHED,
    EVENT_CANCELLED, NOT_OPEN_YET, CLOSED, FULL (no waiting list), DUPLICATE
    (this email already holds an active registration), CONSENT, or INVITATION_ONLY
    (an event for invited people, without an invitation's link: `invited`).
    """
    now = now or utcnow()
    event = lock_event(event_id)
    state = registration_state(event, seats_taken(event, now, invited), now)
    if state in REFUSED_STATES:
        raise LifecycleError(REFUSED_STATES[state])
    if event.invitation_only and not invited:
        raise LifecycleError(Code.INVITATION_ONLY)
    if find_active_registration(event.id, attendee.email):
        raise LifecycleError(Code.DUPLICATE)
    if not attendee.data_consent:
        raise LifecycleError(Code.CONSENT)
    if attendee.needs and not attendee.needs_consent:
        raise LifecycleError(Code.NEEDS_CONSENT)
    registration = new_registration(event, attendee, initial_status(event, state), now)
    try:
        with db.session.begin_nested():  # a savepoint: a clash leaves the transaction usable
            db.session.add(registration)
    except IntegrityError as error:  # a concurrent duplicate slipped past the check
        raise LifecycleError(Code.DUPLICATE) from error
    webhooks.registration_created(registration)
    if notify:
        queue_status_email(registration)
    return registration


def new_registration(event, attendee: Attendee, status, now) -> Registration:
    """A registration row for `attendee` (not added to the session): what registering
    and the demo data write. An empty address is stored as none (the unique index
    counts only real addresses)."""
    email = normalize_email(attendee.email) or None
    return Registration(
        search_text=search_text(
            attendee.first_name, attendee.last_name, email, attendee.organization
        ),
        event_id=event.id,
        status=status,
        first_name=attendee.first_name,
        last_name=attendee.last_name,
        email=email,
        phone=attendee.phone or None,
        organization=attendee.organization,
        organization_type=attendee.organization_type,
        county=attendee.county,
        dr_member=attendee.dr_member,
        needs=attendee.needs or None,
        data_consent_at=now,
        data_consent_version=consents.DATA_PROCESSING_VERSION,
        image_consent_at=now if attendee.image_consent else None,
        image_consent_version=consents.IMAGE_USE_VERSION if attendee.image_consent else None,
        needs_consent_at=now if attendee.needs else None,
        needs_consent_version=consents.NEEDS_VERSION if attendee.needs else None,
        language=attendee.language,
        manage_token=new_manage_token(),
        ticket_token=new_secret(),
        ticket_code=new_ticket_code(),
    )


def queue_email(email: Email, registration: Registration, had_seat: bool = True) -> None:
    """Queue the email a change returned: a waiting-list email says the place in line;
    a cancellation withdraws the calendar invite of a person who had a seat."""
    if email == Email.WAITLISTED:
        context = {"position": waitlist_position(registration)}
    elif email == Email.CANCELLED:
        context = {"with_calendar": had_seat}
    else:
        context = {}
    queue_registration_email(
        email.value, registration, recipient=_coordinator_address(registration), **context
    )


def _coordinator_address(registration: Registration) -> str | None:
    """Where the messages of a group's member who gave no address go: their coordinator."""
    if registration.email or registration.group_id is None or registration.group is None:
        return None
    return registration.group.coordinator_email


def queue_status_email(registration: Registration) -> None:
    """Queue the email that tells a person where their registration stands."""
    queue_email(STATUS_EMAILS[registration.status], registration)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the first person in line; None when not on the waiting list."""
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == registration.event_id,
            Registration.status == RegistrationStatus.WAITLISTED,
            Registration.id <= registration.id,
        )
    )


def find_by_manage_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(Registration).where(Registration.manage_token == token))


AUDITED = ("status", "first_name", "last_name", "email", "organization")


def audit_change(action: str, by: User | None, registration: Registration, before: dict) -> None:
    """An organizer's change of a registration goes to the audit log, in the same transaction."""
    audit.record(
        action,
        by,
        registration.event_id,
        registration_id=registration.id,
        before=before,
        after=audit.snapshot(registration, AUDITED),
    )


def _locked(registration_id: int) -> tuple[Event, Registration]:
    """The event's lock first (seats may move), then the registration, both fresh."""
    registration = db.session.get(Registration, registration_id)
    if registration is None:
        raise LifecycleError(Code.WRONG_STATUS)
    event = lock_event(registration.event_id)
    return event, lock_registration(registration_id)


@command
def cancel_registration(
    registration_id: int, by: User | None = None, now: datetime | None = None
) -> list[Registration]:
    """Cancel a registration; a freed seat goes to the first on the waiting list.

    `by` is the organizer who cancels (audited); None means the registrant, through
    their link, who may do so only until the event starts. Returns the
    registrations promoted from the waiting list (maybe none). The person gets a
    cancellation email (withdrawing the calendar invite they had if their seat was
    confirmed); each promoted person gets their ticket. Raises LifecycleError
    (WRONG_STATUS when already cancelled, EVENT_STARTED, CHECKED_IN).
    """
    now = now or utcnow()
    event, registration = _locked(registration_id)
    actor = ActorKind.ORGANIZER if by is not None else ActorKind.REGISTRANT
    before = audit.snapshot(registration, AUDITED)
    had_seat = registration.status == RegistrationStatus.CONFIRMED
    queue_email(perform(registration, Action.CANCEL, actor, now), registration, had_seat)
    if by is not None:
        audit_change("cancelled_by_organizer", by, registration, before)
    return promote_from_waitlist(event, now) if had_seat else []


def promote_from_waitlist(event: Event, now: datetime | None = None) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served (see
    `lifecycle.fill_free_seats`); each promoted person gets their ticket. The caller
    holds the event lock."""
    promoted = fill_free_seats(event, now or utcnow())
    for registration, email in promoted:
        queue_email(email, registration)
    return [registration for registration, _email in promoted]


@command
def promote_registration(registration_id: int, by: User, now: datetime | None = None) -> None:
    """An organizer gives a free seat to this person, ahead of others on the waiting list.

    Raises LifecycleError WRONG_STATUS, EVENT_STARTED, EVENT_CANCELLED, or FULL
    (no seat is free for this person: seats kept for invited people count as taken
    unless the person was invited).
    """
    now = now or utcnow()
    _event, registration = _locked(registration_id)
    before = audit.snapshot(registration, AUDITED)
    queue_email(perform(registration, Action.PROMOTE, ActorKind.ORGANIZER, now), registration)
    audit_change("promoted", by, registration, before)


@command
def approve_registration(
    registration_id: int, by: User | None = None, now: datetime | None = None
) -> Registration:
    """Accept an application: a seat if one is free, else the waiting list.

    Raises LifecycleError WRONG_STATUS unless the application is pending,
    EVENT_STARTED, EVENT_CANCELLED, and FULL when no seat is free for this person
    (as for promotion) and the event has no waiting list.
    """
    now = now or utcnow()
    _event, registration = _locked(registration_id)
    before = audit.snapshot(registration, AUDITED)
    queue_email(perform(registration, Action.APPROVE, ActorKind.ORGANIZER, now), registration)
    audit_change("approved", by, registration, before)
    return registration


@command
def decline_registration(
    registration_id: int, by: User | None = None, now: datetime | None = None
) -> Registration:
    """Decline a pending application. Raises LifecycleError WRONG_STATUS otherwise."""
    _event, registration = _locked(registration_id)
    before = audit.snapshot(registration, AUDITED)
    queue_email(perform(registration, Action.DECLINE, ActorKind.ORGANIZER, now), registration)
    audit_change("declined", by, registration, before)
    return registration


@command
def resend_status_email(registration_id: int, by: User, now: datetime | None = None) -> Email:
    """Send the email matching the person's status again (with ticket and invite).

    Returns the kind of email sent. Raises LifecycleError WRONG_STATUS or EVENT_ENDED.
    """
    registration = db.session.get(Registration, registration_id)
    kind = perform(registration, Action.RESEND, ActorKind.ORGANIZER, now)
    queue_email(kind, registration)
    audit.record(
        "confirmation_resent", by, registration.event_id,
        registration_id=registration.id, after={"kind": kind.value},
    )  # fmt: skip
    return kind
