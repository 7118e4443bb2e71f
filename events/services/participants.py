"""The registrations of an event as organizers see them: a filtered, sorted,
paginated table, the attendance sheet, and the actions they take on a person
(each one a command, audited in its own transaction)."""

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.datastructures import MultiDict

from events.extensions import db
from events.models import Event, OrganizationType, Registration, RegistrationStatus, User
from events.search import word_filters
from events.services import DomainError, NotFound, audit
from events.services.checkin.door import organizer_door_action
from events.services.lifecycle import ActorKind, allowed_actions
from events.services.organizations.scope import NETWORK, Scope, scope_of
from events.services.privacy import erase_person, erase_without_address
from events.services.questionnaires.at_registration import register_with_answers
from events.services.registration import (
    AUDITED,
    Attendee,
    approve_registration,
    cancel_registration,
    decline_registration,
    promote_registration,
    resend_status_email,
)
from events.unit_of_work import command

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

    class Code(enum.StrEnum):
        WRONG_STATUS = "wrong_status"


@dataclass
class TableQuery:
    search: str = ""
    status: RegistrationStatus | None = None
    county: str | None = None
    organization_type: OrganizationType | None = None
    sort: str = "registered"
    page: int = 1
    programme_id: int | None = None  # the downloads of the whole programme: one's events
    # The downloads of the whole programme: only the events of this part of the network.
    scope: Scope = NETWORK


@dataclass
class Row:
    registration: Registration
    actions: set  # what the organizer may do with this registration now (lifecycle.Action)

    @property
    def checked_in_at(self):
        return self.registration.checked_in_at


@dataclass
class Table:
    rows: list[Row]
    total: int
    page: int
    pages: int


def filtered(event_id: int | None, query: TableQuery):
    """The SELECT of registrations for a table or a download (one event, or all when None).

    Everything it reads is on the registration row, so its cost depends on this
    event's registrations only.
    """
    statement = sa.select(Registration)
    if event_id is not None:
        statement = statement.where(Registration.event_id == event_id)
    statement = statement.where(*word_filters(Registration.search_text, query.search))
    if query.status:
        statement = statement.where(Registration.status == query.status)
    if query.county:
        statement = statement.where(Registration.county == query.county)
    if query.organization_type:
        statement = statement.where(Registration.organization_type == query.organization_type)
    if query.programme_id:
        in_programme = sa.select(Event.id).where(Event.programme_id == query.programme_id)
        statement = statement.where(Registration.event_id.in_(in_programme))
    if not query.scope.network:
        statement = statement.where(Registration.event_id.in_(query.scope.event_ids()))
    return statement.order_by(*SORTS.get(query.sort, SORTS["registered"]))


def registration_table(event_id: int, query: TableQuery) -> Table:
    statement = filtered(event_id, query)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    page = min(max(query.page, 1), pages)
    page_rows = statement.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    found = db.session.scalars(page_rows.options(selectinload(Registration.group))).all()
    rows = [Row(r, allowed_actions(r, ActorKind.ORGANIZER)) for r in found]
    return Table(rows, total, page, pages)


def registration_of_event(event_id: int, registration_id: int) -> Registration:
    """Raises NotFound for another event's registration."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        raise NotFound(_l("No such registration for this event."))
    return registration


def approve(event_id: int, registration_id: int, user: User) -> None:
    approve_registration(registration_of_event(event_id, registration_id).id, by=user)


def decline(event_id: int, registration_id: int, user: User) -> None:
    decline_registration(registration_of_event(event_id, registration_id).id, by=user)


def cancel(event_id: int, registration_id: int, user: User) -> None:
    cancel_registration(registration_of_event(event_id, registration_id).id, by=user)


def promote(event_id: int, registration_id: int, user: User) -> None:
    promote_registration(registration_of_event(event_id, registration_id).id, by=user)


def resend(event_id: int, registration_id: int, user: User) -> None:
    resend_status_email(registration_of_event(event_id, registration_id).id, by=user)


def check_in(event_id: int, registration_id: int, user: User):
    """Returns the verdict: it may be a refusal, which the page must say."""
    return organizer_door_action(event_id, registration_id, user, undo=False)


def undo_check_in(event_id: int, registration_id: int, user: User):
    return organizer_door_action(event_id, registration_id, user, undo=True)


def erase(event_id: int, registration_id: int, user: User) -> None:
    registration = registration_of_event(event_id, registration_id)
    if registration.email is None:  # a walk-in who gave no address
        erase_without_address(registration.id, user)
    else:
        erase_person(registration.email, user, scope_of(user) or NETWORK)


@command
def add_by_hand(
    event_id: int,
    attendee: Attendee,
    user: User,
    notify: bool,
    version_id: int | None = None,
    answers_form=None,
) -> Registration:
    """A registration taken by phone: the same rules as online (seats, duplicates, the
    event's own questions), the registration, its answers and its audit entry in one
    transaction. The organizer may add people to an event by invitation: adding them
    is inviting them."""
    registration = register_with_answers(
        event_id, attendee, version_id, answers_form or MultiDict(), notify=notify, invited=True
    )
    audit.record(
        "added_by_organizer",
        user,
        event_id,
        registration_id=registration.id,
        after=audit.snapshot(registration, AUDITED),
    )
    return registration
