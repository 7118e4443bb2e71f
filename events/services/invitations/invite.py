"""Invitations: a personal link per invited person, their answers, one reminder.

`invite_people` saves the rows of a confirmed list (or of past participants) in one
transaction, with an email through the outbox for each; rows with a problem, people
already invited and addresses that asked for no more invitations are left out, so
a list is never half imported. The personal link opens a pre-filled registration
form (`register_invited`); a forwarded link works too (the details may be changed)
and the invitation is then marked as used. Declining and opting out are one click.
No tracking: the emails carry no pixel and the links say nothing about opening.
"""

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from events.documents import csv_text
from events.extensions import db
from events.identifiers import address_hash, normalize_email
from events.messages.mail import queue_templated
from events.models import (
    Event,
    EventStatus,
    Invitation,
    InvitationOptOut,
    InvitationStatus,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from events.services import DomainError, audit
from events.services.invitations.lists import ImportRow
from events.services.locking import lock_event
from events.services.organizations.scope import Scope
from events.services.questionnaires.at_registration import register_with_answers
from events.services.registration import Attendee, promote_from_waitlist
from events.unit_of_work import command


class InvitationError(DomainError):
    """Codes: not_found, used, answered, cancelled."""

    class Code(enum.StrEnum):
        ANSWERED = "answered"
        CANCELLED = "cancelled"
        NOT_FOUND = "not_found"
        USED = "used"


def _queue(invitation: Invitation, event: Event, reminder: bool = False) -> None:
    """The invitation email (or its one reminder), in the invitee's language."""
    if reminder:
        subject = _l("Reminder of the invitation: %(title)s", title=event.title)
    else:
        subject = _l("Invitation: %(title)s", title=event.title)
    queue_templated(
        "invitation",
        invitation.email,
        invitation.language,
        subject,  # translated when queued, in the invitee's language
        invitation_name=invitation.name,
        token=invitation.token,
        event=event,
        reminder=reminder,
    )


def opted_out(emails: list[str]) -> set[str]:
    """The addresses of `emails` that asked for no more invitations."""
    if not emails:
        return set()
    hashes = {address_hash(email, current_app.config["SECRET_KEY"]): email for email in emails}
    found = db.session.scalars(
        sa.select(InvitationOptOut.email_hash).where(InvitationOptOut.email_hash.in_(hashes))
    )
    return {hashes[value] for value in found}


def already_invited(event_id: int, emails: list[str]) -> set[str]:
    if not emails:
        return set()
    return set(
        db.session.scalars(
            sa.select(Invitation.email).where(
                Invitation.event_id == event_id, Invitation.email.in_(emails)
            )
        )
    )


def check_against_event(event_id: int, rows: list[ImportRow]) -> list[ImportRow]:
    """Add the problems only the database knows: invited already, no more invitations."""
    emails = [row.email for row in rows if row.email]
    invited, refused = already_invited(event_id, emails), opted_out(emails)
    for row in rows:
        if row.email in invited:
            row.problems.append(str(_l("Already invited to this event.")))
        if row.email in refused:
            row.problems.append(str(_l("This person asked not to be invited any more.")))
    return rows


@command
def invite_people(event_id: int, rows: list[ImportRow], user: User | None) -> list[Invitation]:
    """Invite the rows without problems (checked again now), in one transaction;
    returns the invitations made. Raises InvitationError "cancelled"."""
    event = lock_event(event_id)
    if event.status == EventStatus.CANCELLED:
        raise InvitationError("cancelled", _l("This event has been cancelled."))
    for row in rows:
        row.email = normalize_email(row.email)  # as lists are read; rows may come from elsewhere
        row.problems = [problem for problem in row.problems if problem]
    rows = check_against_event(event.id, rows)
    made = []
    for row in rows:
        if not row.ok:
            continue
        invitation = Invitation(
            event_id=event.id,
            name=row.name,
            email=row.email,
            organization=row.organization,
            county=row.county,
            language=row.language,
        )
        db.session.add(invitation)
        made.append(invitation)
    db.session.flush()
    for invitation in made:
        _queue(invitation, event)
    audit.record("invitations_sent", user, event.id, after={"invited": len(made)})
    return made


def past_participants(source_event_id: int, attended_only: bool) -> list[ImportRow]:
    """The people of an earlier event (confirmed, or those who came), as rows to invite."""
    statement = sa.select(Registration).where(
        Registration.event_id == source_event_id,
        Registration.anonymized_at.is_(None),
        Registration.status == RegistrationStatus.CONFIRMED,
    )
    if attended_only:
        statement = statement.where(Registration.checked_in_at.is_not(None))
    people = db.session.scalars(statement.order_by(Registration.last_name)).all()
    return [
        ImportRow(
            line=number,
            name=person.full_name,
            email=person.email,
            organization=person.organization,
            county=person.county,
            county_given=person.county,
            language=person.language,
        )
        for number, person in enumerate(people, start=1)
    ]


def other_events(event_id: int, scope: Scope, limit: int = 200) -> list[Event]:
    """Events of `scope` whose people may be invited to `event_id`: published or past,
    newest first."""
    return list(
        db.session.scalars(
            sa.select(Event)
            .where(Event.id != event_id, Event.status != EventStatus.DRAFT, scope.events())
            .order_by(Event.starts_at.desc())
            .limit(limit)
        )
    )


def find_invitation(token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(sa.select(Invitation).where(Invitation.token == token))


def prefill(invitation: Invitation) -> dict:
    """What the registration form starts with: the invitation's details."""
    first, _, last = invitation.name.partition(" ")
    return {
        "first_name": first,
        "last_name": last,
        "email": invitation.email,
        "organization": invitation.organization,
        "county": invitation.county,
    }


USED_MESSAGE = _l(
    "This invitation has already been used to register. If that was you, the link to "
    "your registration is in the confirmation email."
)


def is_used(invitation: Invitation) -> bool:
    """One invitation, one seat: used while the registration made with it stands (a
    cancelled one frees the invitation again)."""
    registration = invitation.registration
    return registration is not None and registration.is_active


@command
def register_invited(
    token: str, attendee: Attendee, version_id: int | None = None, answers_form=None
) -> Registration:
    """Register through an invitation's link, with the answers to the event's own
    questions; the invitation is marked as used, also when someone it was forwarded
    to registers with other details.
    Raises InvitationError "not_found" and the registration's own errors (and
    QuestionnaireError for the answers, as `register_with_answers`)."""
    invitation = find_invitation(token)
    if invitation is None:
        raise InvitationError("not_found", _l("This invitation link is not valid."))
    if is_used(invitation):
        raise InvitationError("used", USED_MESSAGE)
    registration = register_with_answers(
        invitation.event_id, attendee, version_id, answers_form or MultiDict(), invited=True
    )
    invitation.status = InvitationStatus.REGISTERED
    invitation.registration_id = registration.id
    invitation.answered_at = utcnow()
    return registration


@command
def decline_invitation(token: str) -> Invitation:
    """Say no to an invitation (one click). Raises InvitationError "not_found" or
    "answered" (already registered with it)."""
    invitation = find_invitation(token)
    if invitation is None:
        raise InvitationError("not_found", _l("This invitation link is not valid."))
    if invitation.status == InvitationStatus.REGISTERED:
        raise InvitationError(
            "answered",
            _l(
                "Someone has already registered with this invitation: cancel on the "
                "registration's page."
            ),
        )
    invitation.status = InvitationStatus.DECLINED
    invitation.answered_at = utcnow()
    return invitation


@command
def opt_out(token: str) -> Invitation:
    """No more invitations to this address, ever (it also declines this one if unanswered)."""
    invitation = find_invitation(token)
    if invitation is None:
        raise InvitationError("not_found", _l("This invitation link is not valid."))
    hashed = address_hash(invitation.email, current_app.config["SECRET_KEY"])
    if db.session.get(InvitationOptOut, hashed) is None:
        db.session.add(InvitationOptOut(email_hash=hashed))
    if invitation.status == InvitationStatus.INVITED:
        invitation.status = InvitationStatus.DECLINED
        invitation.answered_at = utcnow()
    return invitation


@command
def remind_unanswered(event_id: int, user: User | None) -> int:
    """One reminder to each person who has not answered and was never reminded (and
    has not opted out since). Returns how many were reminded."""
    event = lock_event(event_id)
    waiting = db.session.scalars(
        sa.select(Invitation).where(
            Invitation.event_id == event.id,
            Invitation.status == InvitationStatus.INVITED,
            Invitation.reminded_at.is_(None),
        )
    ).all()
    refused = opted_out([invitation.email for invitation in waiting])
    now, reminded = utcnow(), 0
    for invitation in waiting:
        if invitation.email in refused:
            continue
        invitation.reminded_at = now
        _queue(invitation, event, reminder=True)
        reminded += 1
    audit.record("invitations_reminded", user, event.id, after={"reminded": reminded})
    return reminded


@dataclass
class Answers:
    invited: int = 0
    registered: int = 0
    declined: int = 0
    no_answer: int = 0


def answers(event_id: int) -> Answers:
    counts = dict(
        db.session.execute(
            sa.select(Invitation.status, sa.func.count())
            .where(Invitation.event_id == event_id)
            .group_by(Invitation.status)
        ).all()
    )
    result = Answers(
        registered=counts.get(InvitationStatus.REGISTERED, 0),
        declined=counts.get(InvitationStatus.DECLINED, 0),
        no_answer=counts.get(InvitationStatus.INVITED, 0),
    )
    result.invited = result.registered + result.declined + result.no_answer
    return result


def invitations_of(event_id: int) -> list[Invitation]:
    return list(
        db.session.scalars(
            sa.select(Invitation).where(Invitation.event_id == event_id).order_by(Invitation.name)
        )
    )


def invitations_csv(event_id: int, headings: list[str]) -> str:
    """The invitation list with answers, for Polish Excel (see events.documents)."""
    rows = (
        [
            invitation.name,
            invitation.email,
            invitation.organization,
            invitation.county or "",
            str(invitation.status.label),
            invitation.reminded_at.isoformat() if invitation.reminded_at else "",
        ]
        for invitation in invitations_of(event_id)
    )
    return csv_text(headings, rows)


@command
def set_invitation_settings(
    event_id: int,
    invitation_only: bool,
    seats: int | None,
    until: datetime | None,
    user: User | None,
) -> None:
    """Who may register: invited people only, or everyone with `seats` kept for invited
    people until `until` (then released to anyone: `release_invitee_seats`); audited."""
    event = lock_event(event_id)
    fields = ("invitation_only", "invitee_seats", "invitee_seats_until")
    before = audit.snapshot(event, fields)
    event.invitation_only = invitation_only
    event.invitee_seats, event.invitee_seats_until = (
        (seats, until) if seats and until else (None, None)
    )
    after = audit.snapshot(event, fields)
    if before != after:
        audit.record("invitation_settings_changed", user, event.id, before=before, after=after)


@command
def release_invitee_seats(now: datetime | None = None) -> int:
    """Give the seats no longer kept for invited people to the waiting list, at every
    event whose date for them has passed (cron, hourly). Returns the people promoted."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(Event.id).where(
            Event.invitee_seats_until.is_not(None),
            Event.invitee_seats_until <= now,
            Event.starts_at > now,
            Event.status == EventStatus.PUBLISHED,
        )
    ).all()
    return sum(len(promote_from_waitlist(lock_event(event_id), now)) for event_id in due)
