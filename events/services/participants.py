"""The registrations of an event as organizers see them: a filtered, sorted,
paginated table, and the actions they take on a person (each one audited)."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.messages.mail import queue_registration_email
from events.models import (
    OrganizationType,
    Registration,
    RegistrationStatus,
    Scan,
    ScanResult,
    User,
)
from events.search import word_filters
from events.services import DomainError, audit
from events.services.availability import confirmed_count
from events.services.registration import (
    AUDITED,
    Attendee,
    approve_registration,
    cancel_registration,
    decline_registration,
    lock_event,
    register_attendee,
    waitlist_position,
)

PAGE_SIZE = 50
SORTS = {
    "name": (Registration.last_name, Registration.first_name, Registration.id),
    "registered": (Registration.id,),
    "-registered": (Registration.id.desc(),),
    "organization": (Registration.organization, Registration.id),
    "status": (Registration.status, Registration.id),
}


class ParticipantError(DomainError):
    """Codes: wrong_status, not_found."""


@dataclass
class TableQuery:
    search: str = ""
    status: RegistrationStatus | None = None
    county: str | None = None
    organization_type: OrganizationType | None = None
    sort: str = "registered"
    page: int = 1


@dataclass
class Row:
    registration: Registration
    checked_in_at: object | None


@dataclass
class Table:
    rows: list[Row]
    total: int
    page: int
    pages: int


def checked_in_subquery():
    """Per registration, the time of its check-in if its latest door record is one."""
    latest = (
        sa.select(Scan.registration_id, sa.func.max(Scan.id).label("scan_id"))
        .where(Scan.result.in_([ScanResult.CHECKED_IN, ScanResult.UNDONE]))
        .group_by(Scan.registration_id)
        .subquery()
    )
    return (
        sa.select(Scan.registration_id, Scan.at.label("checked_in_at"))
        .join(latest, latest.c.scan_id == Scan.id)
        .where(Scan.result == ScanResult.CHECKED_IN)
        .subquery()
    )


def filtered(event_id: int | None, query: TableQuery):
    """The SELECT of (Registration, checked-in time) for a table or a download."""
    checked = checked_in_subquery()
    statement = sa.select(Registration, checked.c.checked_in_at).outerjoin(
        checked, checked.c.registration_id == Registration.id
    )
    if event_id is not None:
        statement = statement.where(Registration.event_id == event_id)
    statement = statement.where(*word_filters(Registration.search_text, query.search))
    if query.status:
        statement = statement.where(Registration.status == query.status)
    if query.county:
        statement = statement.where(Registration.county == query.county)
    if query.organization_type:
        statement = statement.where(Registration.organization_type == query.organization_type)
    return statement.order_by(*SORTS.get(query.sort, SORTS["registered"]))


def registration_table(event_id: int, query: TableQuery) -> Table:
    statement = filtered(event_id, query)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(query.page, 1), pages)
    rows = db.session.execute(statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return Table([Row(registration, at) for registration, at in rows], total, page, pages)


def registration_of_event(event_id: int, registration_id: int) -> Registration:
    """Raises ParticipantError "not_found" for another event's registration."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        raise ParticipantError("not_found", _l("No such registration for this event."))
    return registration


def approve(event_id: int, registration_id: int, user: User) -> None:
    approve_registration(registration_of_event(event_id, registration_id).id, by=user)


def decline(event_id: int, registration_id: int, user: User) -> None:
    decline_registration(registration_of_event(event_id, registration_id).id, by=user)


def cancel(event_id: int, registration_id: int, user: User) -> None:
    cancel_registration(registration_of_event(event_id, registration_id).id, by=user)


def promote(event_id: int, registration_id: int, user: User) -> None:
    """Give a free seat to this person, ahead of others on the waiting list.

    Raises ParticipantError "wrong_status" or "full" (no seat is free).
    """
    registration = registration_of_event(event_id, registration_id)
    event = lock_event(event_id)
    db.session.refresh(registration)
    if registration.status != RegistrationStatus.WAITLISTED:
        db.session.rollback()
        raise ParticipantError("wrong_status", _l("This person is not on the waiting list."))
    if event.capacity is not None and confirmed_count(event_id) >= event.capacity:
        db.session.rollback()
        raise ParticipantError(
            "full", _l("No seat is free. Raise the capacity or cancel a registration first.")
        )
    before = audit.snapshot(registration, AUDITED)
    registration.status = RegistrationStatus.CONFIRMED
    queue_registration_email("promoted", registration)
    audit.record(
        "promoted",
        user,
        event_id,
        registration_id=registration.id,
        before=before,
        after=audit.snapshot(registration, AUDITED),
    )
    db.session.commit()


def resend_confirmation(event_id: int, registration_id: int, user: User) -> None:
    """Send the email matching the person's status again (with ticket and invite)."""
    registration = registration_of_event(event_id, registration_id)
    kind = {
        RegistrationStatus.CONFIRMED: "confirmed",
        RegistrationStatus.WAITLISTED: "waitlisted",
        RegistrationStatus.PENDING: "pending",
    }.get(registration.status)
    if kind is None:
        raise ParticipantError("wrong_status", _l("There is nothing to resend for this status."))
    queue_registration_email(kind, registration, position=waitlist_position(registration))
    audit.record(
        "confirmation_resent", user, event_id, registration_id=registration.id, after={"kind": kind}
    )
    db.session.commit()


def add_by_hand(event_id: int, attendee: Attendee, user: User, notify: bool) -> Registration:
    """A registration taken by phone: the same rules as online (seats, duplicates)."""
    registration = register_attendee(event_id, attendee, notify=notify)
    audit.record(
        "added_by_organizer",
        user,
        event_id,
        registration_id=registration.id,
        after=audit.snapshot(registration, AUDITED),
    )
    db.session.commit()
    return registration
