"""Group registration: a coordinator registers several people in one form.

An event allows it when its organizer set `Event.group_max` (2 to 20). Each member
becomes an ordinary registration with their own ticket (`Registration.group_id`);
the consents are given by the coordinator on their behalf (`consent_by_coordinator`).
Nobody's needs are asked: they may concern health, and only the person may consent
to that (GDPR art. 9).

`register_group` checks everything first and refuses with every error at once, per
person (GroupError `invalid`). Then, in one transaction under the event's lock, the
lifecycle decides the seats of the whole group (`lifecycle.group_statuses`):

- "together" (GroupMode.TOGETHER): everyone is confirmed, or nobody is. When not all
  fit, the whole group goes to the waiting list (in form order, side by side), if the
  event has one; otherwise the group is refused (`no_room`, saying how many seats are
  left). A group is never split.
- "waitlist_rest": as many as fit are confirmed, in form order; the rest wait, in
  form order, with contiguous positions. Without a waiting list: refused `no_room`.
- An event with approval: every member awaits the organizer's decision.

Afterwards each member is a registration like any other: a seat freed later goes to
the first on the waiting list (`registration.promote_from_waitlist`), person by
person, so a group waiting "together" gets its seats one by one, in its order, as
they free up; the organizer approves or declines each application on its own.

Emails go through the outbox after the commit: each member with an address gets
their usual message (ticket and calendar invite when confirmed); the coordinator
gets one message with the link to the group's page (/g/<token>), everyone's status
and the tickets of the members without an address. Later messages about such a
member (a seat from the waiting list) go to the coordinator (`registration.queue_email`).
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import MultiDict

from events.counties import BY_CODE
from events.extensions import db
from events.identifiers import new_manage_token, normalize_email
from events.messages.links import absolute_url
from events.messages.mail import queue_templated
from events.models import (
    ACTIVE_STATUSES,
    Event,
    GroupMode,
    OrganizationType,
    Registration,
    RegistrationGroup,
    utcnow,
)
from events.services import DomainError, NotFound
from events.services.lifecycle import Code, LifecycleError, free_seats, group_statuses
from events.services.lifecycle import seats_taken as taken_seats
from events.services.locking import lock_event
from events.services.questionnaires.answering import QuestionnaireError
from events.services.questionnaires.at_registration import checked_answers, store_answers
from events.services.registration import (
    Attendee,
    cancel_registration,
    new_registration,
    queue_status_email,
)
from events.unit_of_work import command

MAX_NAME = 60
MAX_ORGANIZATION = 200
GROUP_EMAIL = "group_registered"


class GroupError(DomainError):
    """Codes: invalid (`coordinator_errors` by field, `member_errors` and `answer_errors`
    by member index, then by field or question key), not_allowed, too_many, no_room,
    not_member."""

    class Code(enum.StrEnum):
        INVALID = "invalid"
        NOT_ALLOWED = "not_allowed"
        NOT_MEMBER = "not_member"
        NO_ROOM = "no_room"
        TOO_MANY = "too_many"

    status = 422

    def __init__(self, code, message, coordinator=None, members=None, answers=None):
        super().__init__(code, message)
        self.coordinator_errors: dict[str, object] = coordinator or {}
        self.member_errors: dict[int, dict[str, object]] = members or {}
        self.answer_errors: dict[int, dict[str, object]] = answers or {}


@dataclass
class Coordinator:
    """Who registers the group: the group's page and messages go to them."""

    name: str
    email: str
    organization: str
    language: str = "pl"


@dataclass
class Member:
    """One person of the group; `email` may be empty. `answers`: the posted answers to
    the event's own questions, named as in a single registration form (q-<key>)."""

    first_name: str
    last_name: str
    organization: str
    county: str
    email: str = ""
    organization_type: OrganizationType = OrganizationType.NGO
    dr_member: bool = False
    answers: MultiDict = field(default_factory=MultiDict)


def _email_error(email: str):
    try:
        validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return _l("Enter an email address like name@example.pl, or leave it empty.")
    return None


def _member_errors(member: Member) -> dict[str, object]:
    errors = {}
    for name, value in (("first_name", member.first_name), ("last_name", member.last_name)):
        if not value.strip():
            errors[name] = (
                _l("Enter the first name.") if name == "first_name" else _l("Enter the last name.")
            )
        elif len(value) > MAX_NAME:
            errors[name] = _l("Please keep this under %(count)d characters.", count=MAX_NAME)
    if not member.organization.strip():
        errors["organization"] = _l("Enter the organization.")
    elif len(member.organization) > MAX_ORGANIZATION:
        errors["organization"] = _l(
            "Please keep this under %(count)d characters.", count=MAX_ORGANIZATION
        )
    if member.county not in BY_CODE:
        errors["county"] = _l("Choose the county.")
    if member.email and (error := _email_error(member.email)):
        errors["email"] = error
    return errors


def _coordinator_errors(coordinator: Coordinator, consent: bool) -> dict[str, object]:
    errors = {}
    if not coordinator.name.strip():
        errors["coordinator_name"] = _l("Enter your name.")
    if not coordinator.email.strip():
        errors["coordinator_email"] = _l("Enter your email address.")
    elif _email_error(coordinator.email):
        errors["coordinator_email"] = _l("Enter an email address like name@example.pl.")
    if not coordinator.organization.strip():
        errors["coordinator_organization"] = _l("Enter the name of your organization.")
    if not consent:
        errors["consent"] = _l(
            "Confirm that every person agreed, so that you give the consent on their behalf."
        )
    return errors


def check_group(
    event_id: int,
    coordinator: Coordinator,
    members: list[Member],
    version_id: int | None,
    consent: bool,
) -> list[tuple]:
    """Check the whole form, writing nothing; returns each member's checked answers.

    Raises GroupError `invalid` with every error at once: the coordinator's, and per
    person their details, an address given twice in the group or already registered
    for this event, and their answers. QuestionnaireError `changed` when the questions
    changed meanwhile."""
    coordinator_errors = _coordinator_errors(coordinator, consent)
    member_errors, answer_errors, answers, seen = {}, {}, [], {}
    registered = _registered(event_id, [m.email for m in members if m.email])
    if not members:
        coordinator_errors["members"] = _l("Enter at least one person.")
    for index, member in enumerate(members):
        errors = _member_errors(member)
        if member.email and "email" not in errors:
            address = normalize_email(member.email)
            if address in seen:
                errors["email"] = _l(
                    "This address is also given for person %(number)d: each person needs "
                    "their own address, or none.",
                    number=seen[address] + 1,
                )
            elif address in registered:
                errors["email"] = _l(
                    "%(email)s is already registered for this event: this person need not "
                    "be registered again.",
                    email=address,
                )
            seen.setdefault(address, index)
        try:
            answers.append(checked_answers(event_id, version_id, member.answers))
        except QuestionnaireError as error:
            if error.code != "invalid":
                raise
            answer_errors[index] = error.errors
        if errors:
            member_errors[index] = errors
    if coordinator_errors or member_errors or answer_errors:
        raise GroupError(
            "invalid",
            _l("Some details need correcting."),
            coordinator_errors,
            member_errors,
            answer_errors,
        )
    return answers


def _registered(event_id: int, emails: list[str]) -> set[str]:
    """Those of these addresses that hold an active registration at the event (one query)."""
    addresses = {normalize_email(email) for email in emails}
    if not addresses:
        return set()
    return set(
        db.session.scalars(
            sa.select(Registration.email).where(
                Registration.event_id == event_id,
                Registration.email.in_(addresses),
                Registration.status.in_(ACTIVE_STATUSES),
            )
        )
    )


def _allowed(event: Event, size: int) -> None:
    if event.group_max is None:
        raise GroupError("not_allowed", _l("This event does not take group registrations."))
    if event.invitation_only:
        raise LifecycleError(Code.INVITATION_ONLY)
    if size > event.group_max:
        raise GroupError(
            "too_many",
            _l("A group may have at most %(count)d people.", count=event.group_max),
        )


def _no_room(event: Event, now: datetime) -> GroupError:
    free = free_seats(event, taken_seats(event, now)) or 0
    return GroupError(
        "no_room",
        _l(
            "Only %(free)d seats are left and this event has no waiting list: the whole "
            "group cannot be registered. Register fewer people, or ask the organizer.",
            free=free,
        ),
    )


def _attendee(member: Member, language: str) -> Attendee:
    return Attendee(
        first_name=member.first_name.strip(),
        last_name=member.last_name.strip(),
        email=member.email,
        organization=member.organization.strip(),
        organization_type=member.organization_type,
        county=member.county,
        dr_member=member.dr_member,
        data_consent=True,
        language=language,
    )


def _add_members(event, group, members, statuses, answers, now) -> list[Registration]:
    """The members' registrations, inserted in form order (their ids, so their places on
    the waiting list, follow that order), with their answers."""
    registrations = []
    for member, status in zip(members, statuses, strict=True):
        registration = new_registration(event, _attendee(member, group.language), status, now)
        registration.email = normalize_email(member.email) if member.email else None
        registration.consent_by_coordinator = True
        registrations.append(registration)
    try:
        with db.session.begin_nested():  # a concurrent duplicate: refused, nothing half-made
            db.session.add_all(registrations)
            for registration in registrations:
                registration.group = group
    except IntegrityError as error:
        raise LifecycleError(Code.DUPLICATE) from error
    for registration, checked in zip(registrations, answers, strict=True):
        store_answers(registration, checked)
    return registrations


@command
def register_group(
    event_id: int,
    coordinator: Coordinator,
    members: list[Member],
    mode: GroupMode,
    version_id: int | None = None,
    consent: bool = True,
    now: datetime | None = None,
) -> RegistrationGroup:
    """Register the group (see the module's text); returns it (`group.members`: the
    registrations, in form order).

    Raises GroupError (invalid, not_allowed, too_many, no_room), LifecycleError as a
    single registration would be refused (not open yet, closed, cancelled, invitation
    only, a duplicate that raced past the check), QuestionnaireError `changed`.
    """
    now = now or utcnow()
    event = lock_event(event_id)
    _allowed(event, len(members))
    answers = check_group(event.id, coordinator, members, version_id, consent)
    statuses = group_statuses(event, len(members), mode == GroupMode.TOGETHER, now)
    if statuses is None:
        raise _no_room(event, now)
    group = RegistrationGroup(
        event_id=event.id,
        coordinator_name=coordinator.name.strip(),
        coordinator_email=normalize_email(coordinator.email),
        coordinator_organization=coordinator.organization.strip(),
        language=coordinator.language,
        token=new_manage_token(),
        mode=mode,
    )
    db.session.add(group)
    db.session.flush()
    registrations = _add_members(event, group, members, statuses, answers, now)
    for registration in registrations:
        if registration.email:
            queue_status_email(registration)
    queue_group_email(group, registrations)
    return group


def queue_group_email(group: RegistrationGroup, registrations: list[Registration]) -> None:
    """The coordinator's message: the group's page, everyone's status, and the tickets of
    the members without an address."""
    event = group.event
    queue_templated(
        GROUP_EMAIL,
        group.coordinator_email,
        group.language,
        _l("Group registration: %(title)s"),
        {"title": event.title[:150]},
        event=event,
        coordinator_name=group.coordinator_name,
        group_url=absolute_url("groups.page", token=group.token),
        members=registrations,
    )


def find_group(token: str) -> RegistrationGroup | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        sa.select(RegistrationGroup).where(
            RegistrationGroup.token == token, RegistrationGroup.anonymized_at.is_(None)
        )
    )


def active_count(group_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.group_id == group_id, Registration.status.in_(ACTIVE_STATUSES)
        )
    )


def _group_or_404(token: str) -> RegistrationGroup:
    group = find_group(token)
    if group is None:
        raise NotFound(_l("This group's page does not exist."))
    return group


@command
def cancel_member(token: str, registration_id: int, now: datetime | None = None) -> None:
    """The coordinator cancels one member: the seat goes to the waiting list as usual.
    Raises NotFound, GroupError `not_member`, LifecycleError as a registrant's own
    cancellation would be refused (after the start, already cancelled)."""
    group = _group_or_404(token)
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.group_id != group.id:
        raise GroupError("not_member", _l("This person is not in this group."))
    cancel_registration(registration.id, now=now)


def may_add(group: RegistrationGroup, now: datetime | None = None) -> bool:
    """Whether the coordinator may add a person now: below the event's largest group,
    and a seat is free (or an application can be sent)."""
    event = group.event
    if event.group_max is None or active_count(group.id) >= event.group_max:
        return False
    try:
        statuses = group_statuses(event, 1, True, now or utcnow())
    except LifecycleError:
        return False
    return statuses is not None and statuses[0] != "waitlisted"


@command
def add_member(
    token: str, member: Member, version_id: int | None = None, now: datetime | None = None
) -> Registration:
    """Add one person to the group while seats remain, by the same rules and checks as
    the group's form. Raises NotFound, GroupError (invalid, too_many, no_room),
    LifecycleError, QuestionnaireError `changed`."""
    now = now or utcnow()
    group = _group_or_404(token)
    event = lock_event(group.event_id)
    if event.group_max is not None and active_count(group.id) + 1 > event.group_max:
        raise GroupError(
            "too_many", _l("A group may have at most %(count)d people.", count=event.group_max)
        )
    _allowed(event, 1)
    coordinator = Coordinator(
        group.coordinator_name, group.coordinator_email, group.coordinator_organization
    )
    answers = check_group(event.id, coordinator, [member], version_id, True)
    statuses = group_statuses(event, 1, True, now)
    if statuses is None or statuses[0] == "waitlisted":
        raise GroupError(
            "no_room", _l("No seat is left: a person can be added while seats remain.")
        )
    [registration] = _add_members(event, group, [member], statuses, answers, now)
    queue_status_email(registration)  # the member, or the coordinator for one without address
    return registration
