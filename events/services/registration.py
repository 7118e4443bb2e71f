"""Registering for an event, the waiting list, approvals and cancellation.

Every function that changes seats first locks the event row (SELECT ... FOR
UPDATE on PostgreSQL; on SQLite every transaction already holds the write
lock, see `configure_sqlite`), so two people can never both take the last seat.
Each function commits its own transaction.
"""

import base64
import contextlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from events import consents
from events.extensions import db
from events.messages.mail import queue_registration_email
from events.models import (
    ACTIVE_STATUSES,
    Event,
    EventStatus,
    OrganizationType,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    utcnow,
)
from events.search import search_text
from events.services import DomainError, audit
from events.services.availability import (
    RegistrationState,
    confirmed_count,
    registration_state,
)


class RegistrationError(DomainError):
    """Codes: not_published, cancelled, not_open_yet, closed, duplicate, full, wrong_status."""


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
    language: str = "pl"


def normalize_email(raw: str) -> str:
    """The form in which addresses are stored and compared.

    No surrounding spaces, lower case, and an internationalized domain in its
    ASCII form (przykład.pl becomes xn--przykad-rjb.pl), which every mail
    server accepts.
    """
    local, at, domain = raw.strip().rpartition("@")
    with contextlib.suppress(UnicodeError):  # not a valid domain: the form says so
        domain = domain.encode("idna").decode("ascii")
    return f"{local}{at}{domain}".lower()


def new_manage_token() -> str:
    """The secret part of the "my registration" link: 256 random bits."""
    return secrets.token_urlsafe(32)


def new_ticket_code() -> str:
    """The code in the QR ticket: 128 random bits in upper-case base32 (26 characters).

    Upper case letters and digits keep the QR code small (alphanumeric mode)
    and avoid look-alike characters when a code has to be typed at the door.
    """
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")


def lock_event(event_id: int) -> Event:
    """Load the event and hold its row lock until the transaction ends."""
    return db.session.execute(
        sa.select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def find_active_registration(event_id: int, email: str) -> Registration | None:
    return db.session.scalar(
        sa.select(Registration).where(
            Registration.event_id == event_id,
            Registration.email == normalize_email(email),
            Registration.status.in_(ACTIVE_STATUSES),
        )
    )


_REFUSALS = {
    RegistrationState.DRAFT: ("not_published", _l("This event is not open for registration.")),
    RegistrationState.CANCELLED: ("cancelled", _l("This event has been cancelled.")),
    RegistrationState.NOT_OPEN_YET: ("not_open_yet", _l("Registration has not opened yet.")),
    RegistrationState.CLOSED: ("closed", _l("Registration for this event is closed.")),
    RegistrationState.FULL: ("full", _l("Sorry, there are no seats left for this event.")),
}


def register_attendee(
    event_id: int, attendee: Attendee, now: datetime | None = None, notify: bool = True
):
    """Register a person; returns the new Registration.

    The confirmation, waiting-list or application email is queued in the same
    transaction (unless `notify` is false, as for demo data).
    Raises RegistrationError when the event is not open for registration, when
    it is full without a waiting list, or when this email already holds an
    active registration for it (code "duplicate").
    """
    now = now or utcnow()
    try:
        event = lock_event(event_id)
        confirmed = confirmed_count(event.id)
        state = registration_state(event, confirmed, now)
        if state in _REFUSALS:
            raise RegistrationError(*_REFUSALS[state])
        if find_active_registration(event.id, attendee.email):
            raise RegistrationError(
                "duplicate", _l("This email address is already registered for this event.")
            )
        if not attendee.data_consent:
            raise RegistrationError(
                "consent", _l("Consent to the processing of personal data is required.")
            )
        registration = _new_registration(event, attendee, _initial_status(event, state), now)
        db.session.add(registration)
        db.session.flush()
        if notify:
            _notify_status(registration)
        db.session.commit()
    except IntegrityError as error:  # a concurrent duplicate slipped past the check
        db.session.rollback()
        raise RegistrationError(
            "duplicate", _l("This email address is already registered for this event.")
        ) from error
    except Exception:
        db.session.rollback()
        raise
    return registration


def _initial_status(event: Event, state: RegistrationState) -> RegistrationStatus:
    if event.mode == RegistrationMode.APPROVAL:
        return RegistrationStatus.PENDING
    if state == RegistrationState.WAITLIST:
        return RegistrationStatus.WAITLISTED
    return RegistrationStatus.CONFIRMED


def _new_registration(event, attendee: Attendee, status, now) -> Registration:
    email = normalize_email(attendee.email)
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
        language=attendee.language,
        manage_token=new_manage_token(),
        ticket_code=new_ticket_code(),
    )


def _notify_status(registration: Registration) -> None:
    """Queue the email that tells a person where their registration stands."""
    kind = {
        RegistrationStatus.CONFIRMED: "confirmed",
        RegistrationStatus.WAITLISTED: "waitlisted",
        RegistrationStatus.PENDING: "pending",
    }[registration.status]
    queue_registration_email(kind, registration, position=waitlist_position(registration))


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


def _audit(action: str, by, registration: Registration, before: dict) -> None:
    """Organizer actions go to the audit log in the same transaction."""
    if by is not None:
        after = audit.snapshot(registration, AUDITED)
        audit.record(
            action,
            by,
            registration.event_id,
            registration_id=registration.id,
            before=before,
            after=after,
        )


def cancel_registration(registration_id: int, by=None) -> list[Registration]:
    """Cancel a registration; a freed seat goes to the first on the waiting list.

    Returns the registrations promoted from the waiting list (maybe none).
    The person gets a cancellation email (withdrawing the calendar invite they
    had if their seat was confirmed); each promoted person gets their ticket.
    Cancelling an already cancelled registration changes nothing.
    """
    registration = db.session.get(Registration, registration_id)
    try:
        event = lock_event(registration.event_id)
        db.session.refresh(registration)
        promoted: list[Registration] = []
        if registration.is_active:
            before = audit.snapshot(registration, AUDITED)
            had_seat = registration.status == RegistrationStatus.CONFIRMED
            registration.status = RegistrationStatus.CANCELLED
            db.session.flush()
            queue_registration_email("cancelled", registration, with_calendar=had_seat)
            promoted = promote_from_waitlist(event)
            _audit("cancelled_by_organizer", by, registration, before)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return promoted


def promote_from_waitlist(event: Event) -> list[Registration]:
    """Fill free seats from the waiting list, first come first served.

    The caller holds the event lock and commits.
    """
    if event.status != EventStatus.PUBLISHED:
        return []
    free = None if event.capacity is None else event.capacity - confirmed_count(event.id)
    query = (
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.WAITLISTED,
        )
        .order_by(Registration.id)
    )
    if free is not None:
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(db.session.scalars(query))
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        queue_registration_email("promoted", registration)
    db.session.flush()
    return promoted


def approve_registration(registration_id: int, by=None) -> Registration:
    """Accept an application: a seat if one is free, else the waiting list.

    Raises RegistrationError "wrong_status" unless the application is pending,
    and "full" when no seat is free and the event has no waiting list.
    """
    registration = db.session.get(Registration, registration_id)
    try:
        event = lock_event(registration.event_id)
        db.session.refresh(registration)
        if registration.status != RegistrationStatus.PENDING:
            raise RegistrationError("wrong_status", _l("This application was already decided."))
        before = audit.snapshot(registration, AUDITED)
        free = event.capacity is None or confirmed_count(event.id) < event.capacity
        if free:
            registration.status = RegistrationStatus.CONFIRMED
        elif event.waitlist_enabled:
            registration.status = RegistrationStatus.WAITLISTED
        else:
            raise RegistrationError("full", _REFUSALS[RegistrationState.FULL][1])
        db.session.flush()
        if registration.status == RegistrationStatus.CONFIRMED:
            queue_registration_email("accepted", registration)
        else:
            queue_registration_email(
                "waitlisted", registration, position=waitlist_position(registration)
            )
        _audit("approved", by, registration, before)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return registration


def decline_registration(registration_id: int, by=None) -> Registration:
    """Decline a pending application. Raises RegistrationError "wrong_status" otherwise."""
    registration = db.session.get(Registration, registration_id)
    try:
        lock_event(registration.event_id)
        db.session.refresh(registration)
        if registration.status != RegistrationStatus.PENDING:
            raise RegistrationError("wrong_status", _l("This application was already decided."))
        before = audit.snapshot(registration, AUDITED)
        registration.status = RegistrationStatus.DECLINED
        queue_registration_email("declined", registration)
        _audit("declined", by, registration, before)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return registration
