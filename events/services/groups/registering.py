"""Registering a group, and what its coordinator does on the group's page afterwards
(see events.services.groups)."""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from events.extensions import db
from events.identifiers import new_manage_token, normalize_email
from events.messages.links import absolute_url
from events.messages.mail import queue_templated
from events.models import (
    ACTIVE_STATUSES,
    Event,
    GroupMode,
    Registration,
    RegistrationGroup,
    utcnow,
)
from events.services import NotFound, webhooks
from events.services.groups.checks import Coordinator, GroupError, Member, check_group
from events.services.lifecycle import Code, LifecycleError, free_seats, group_statuses
from events.services.lifecycle import seats_taken as taken_seats
from events.services.locking import lock_event
from events.services.questionnaires.at_registration import store_answers
from events.services.registration import (
    Attendee,
    cancel_registration,
    new_registration,
    queue_status_email,
)
from events.unit_of_work import command

GROUP_EMAIL = "group_registered"


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
        webhooks.registration_created(registration)
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
