"""Personal data (GDPR/RODO): erasing a person on request, and a retention run.

Questionnaires: erasing a person deletes their personal responses and links;
the retention run keeps the answers but drops their link to the person.
Anonymous responses never had one.

Anonymizing keeps what the reports count (status, county, organization type,
network membership, consents' existence, door records, an invitation's answer)
and drops who the person was: their details, the ticket code kept in their scan
records and whatever door staff typed that points at them at any event (a
mistyped code, their name in the code field), the invitations sent to them or
used by them, the attempt counters keyed by their address, their messages and
the copies in the local mail folder, the groups they coordinated (their name, address
and organization; the group's page stops working) and the coordinator's messages
about a group they were in. Their private links stop working. Both are
written to the audit log. What stays is named in the privacy notice: the opt-out
list, as keyed hashes only (see `InvitationOptOut`).
"""

from datetime import datetime

import sqlalchemy as sa

from events.extensions import db
from events.identifiers import (
    new_manage_token,
    new_ticket_code,
    normalize_code,
    normalize_email,
    one_edit_apart,
)
from events.messages.mail_files import erase_mail_files
from events.models import (
    AuditEntry,
    Certificate,
    Event,
    Invitation,
    OutboxMessage,
    QuestionnaireInvitation,
    QuestionnaireResponse,
    Registration,
    RegistrationGroup,
    Scan,
    ScanResult,
    ThrottleCounter,
    User,
    new_secret,
    utcnow,
)
from events.services import audit, webhooks
from events.services.groups import GROUP_EMAIL
from events.services.lifecycle import Action, ActorKind, perform, refusal
from events.services.organizations.scope import NETWORK, Scope
from events.services.registration import cancel_registration
from events.unit_of_work import command

ANONYMOUS = "—"
PERSONAL = {"first_name", "last_name", "email", "organization", "phone", "needs"}


def _anonymize(registration: Registration, now) -> None:
    registration.anonymized_at = now
    registration.first_name = ANONYMOUS
    registration.last_name = ANONYMOUS
    registration.email = f"anonymized-{registration.id}@invalid"
    registration.phone = None
    registration.organization = ANONYMOUS
    registration.needs = None
    registration.search_text = ""
    registration.manage_token = new_manage_token()
    registration.ticket_token = new_secret()
    registration.ticket_code = new_ticket_code()
    # Certificates stay (their number still answers "issued, valid or revoked"), nameless.
    db.session.execute(
        sa.update(Certificate)
        .where(Certificate.registration_id == registration.id)
        .values(holder_name="")
    )


def _traces(registration: Registration) -> list[str]:
    """What door staff may have typed into the code field to find this person, as the
    scan records keep it (normalized like a ticket code): names and the address's
    first part, 3 characters or more."""
    address = (registration.email or "").split("@")[0]
    words = [registration.first_name, registration.last_name, address]
    return [code for code in (normalize_code(word) for word in words) if len(code) >= 3]


def _scrub_scans(registrations: list[Registration]) -> None:
    """Empty the code of the people's scan records, and of the unknown codes scanned at
    any event that were their ticket mistyped or their name typed into the code field.
    Runs before the registrations lose their ticket codes and names."""
    if not registrations:
        return
    ids = [registration.id for registration in registrations]
    for chunk in _chunks(ids):
        db.session.execute(
            sa.update(Scan)
            .where(Scan.registration_id.in_(chunk), Scan.code != "")
            .values(code="")
            .execution_options(synchronize_session=False)
        )
    unknown = db.session.execute(
        sa.select(Scan.id, Scan.code).where(Scan.result == ScanResult.UNKNOWN, Scan.code != "")
    ).all()
    marks = [(registration.ticket_code, _traces(registration)) for registration in registrations]
    pointing = [
        scan_id
        for scan_id, code in unknown
        if any(
            ticket in code or one_edit_apart(code, ticket) or any(t in code for t in traces)
            for ticket, traces in marks
        )
    ]
    for chunk in _chunks(pointing):
        db.session.execute(
            sa.update(Scan)
            .where(Scan.id.in_(chunk))
            .values(code="")
            .execution_options(synchronize_session=False)
        )


def _chunks(values: list, size: int = 500):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _forget_invitations(which) -> None:
    """The invitations `which` selects keep their answer and county (the figures) and
    lose who they were for; their links stop working."""
    for invitation in db.session.scalars(sa.select(Invitation).where(which)):
        invitation.name = ANONYMOUS
        invitation.email = f"anonymized-{invitation.id}@invalid"
        invitation.organization = ""
        invitation.registration_id = None
        invitation.token = new_secret()


def _linked(registration_ids: list[int]):
    """Invitations used by any of these registrations."""
    chunks = [Invitation.registration_id.in_(chunk) for chunk in _chunks(registration_ids)]
    return sa.or_(sa.false(), *chunks)


def _forget_groups(which, now) -> None:
    """The groups `which` selects keep their members and lose their coordinator: name,
    address, organization; the group's page stops working."""
    for group in db.session.scalars(sa.select(RegistrationGroup).where(which)):
        group.coordinator_name = ANONYMOUS
        group.coordinator_email = None
        group.coordinator_organization = ANONYMOUS
        group.token = new_secret()
        group.anonymized_at = group.anonymized_at or now


def _forget_group_messages(registrations: list[Registration]) -> None:
    """The coordinator's messages about a group name its members: those of the groups of
    these people go (their own messages go by their registration)."""
    group_ids = {r.group_id for r in registrations if r.group_id is not None}
    if not group_ids:
        return
    coordinators = sa.select(RegistrationGroup.coordinator_email).where(
        RegistrationGroup.id.in_(group_ids)
    )
    db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.kind == GROUP_EMAIL,
            OutboxMessage.registration_id.is_(None),
            OutboxMessage.recipient.in_(coordinators),
        )
    )


def _forget_ended_groups(ended, cutoff, now) -> None:
    """Retention: the groups of ended events lose their coordinator, and the
    coordinators' group messages queued before the cutoff go."""
    coordinators = [
        address
        for address in db.session.scalars(
            sa.select(RegistrationGroup.coordinator_email).where(
                RegistrationGroup.event_id.in_(ended)
            )
        )
        if address
    ]
    _forget_groups(RegistrationGroup.event_id.in_(ended), now)
    if coordinators:
        db.session.execute(
            sa.delete(OutboxMessage).where(
                OutboxMessage.kind == GROUP_EMAIL,
                OutboxMessage.recipient.in_(coordinators),
                OutboxMessage.created_at < cutoff,
            )
        )


def _forget_counters(address: str) -> None:
    """Attempt counters keyed by the address go with it, whatever they count: keys are
    "<kind>:<address>" or "<kind>:<address>|<client>" (see ThrottleCounter), so a new
    kind of counter is forgotten too without being listed here."""
    key = ThrottleCounter.key
    db.session.execute(
        sa.delete(ThrottleCounter).where(
            sa.or_(
                key.endswith(f":{address}", autoescape=True),
                key.contains(f":{address}|", autoescape=True),
            )
        )
    )


def _scrub_audit(registration_ids: list[int]) -> None:
    """The audit log keeps what happened, not who it happened to."""
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.registration_id.in_(registration_ids))
    ).all()
    for entry in entries:
        for side in ("before", "after"):
            values = getattr(entry, side)
            if values:
                setattr(
                    entry, side, {k: ANONYMOUS if k in PERSONAL else v for k, v in values.items()}
                )


def _forget_answers(registration_ids: list[int], delete: bool) -> None:
    """Personal links go; personal responses are deleted (erasure on request) or lose
    their link to the person (retention: the answers still count in the results)."""
    if not registration_ids:
        return
    db.session.execute(
        sa.delete(QuestionnaireInvitation).where(
            QuestionnaireInvitation.registration_id.in_(registration_ids)
        )
    )
    linked = QuestionnaireResponse.registration_id.in_(registration_ids)
    if delete:
        db.session.execute(sa.delete(QuestionnaireResponse).where(linked))
    else:
        db.session.execute(
            sa.update(QuestionnaireResponse)
            .where(linked)
            .values(registration_id=None)
            .execution_options(synchronize_session=False)
        )


def registrations_of_person(email: str, scope: Scope = NETWORK) -> list[Registration]:
    """Every registration of this address at the events of `scope` (a coordinator's:
    the whole network), newest event first: what erasing the person would touch (shown
    on the confirmation page; a partner's organizer never learns of the others)."""
    address = normalize_email(email)
    return list(
        db.session.scalars(
            sa.select(Registration)
            .join(Event, Event.id == Registration.event_id)
            .where(
                Registration.email == address,
                Registration.anonymized_at.is_(None),
                scope.events(),
            )
            .order_by(Event.starts_at.desc())
        )
    )


@command
def erase_person(email: str, user: User | None, scope: Scope = NETWORK) -> int:
    """Anonymize every registration of this address, everywhere, and drop their
    messages, in one transaction. A place at an event that has not started is
    cancelled first (the seat goes to the waiting list): an anonymous ticket could
    not be used anyway. Returns how many registrations were anonymized.

    A partner's organizer (a `scope` not of the network) erases the person at the
    events of that scope only: their registrations, the invitations and groups of
    those events; what other organizations hold is theirs to erase, and a request
    to be forgotten by the whole network goes to a coordinator."""
    address = normalize_email(email)
    registrations = registrations_of_person(address, scope)
    if scope.network:
        return _erase(registrations, address, user)
    erased = _erase(registrations, None, user)
    in_scope = Invitation.event_id.in_(scope.event_ids())
    _forget_invitations(sa.and_(Invitation.email == address, in_scope))
    coordinated = RegistrationGroup.event_id.in_(scope.event_ids())
    _forget_groups(sa.and_(RegistrationGroup.coordinator_email == address, coordinated), utcnow())
    return erased


@command
def erase_without_address(registration_id: int, user: User | None) -> int:
    """Erase a person who gave no address (a walk-in): their one registration is all
    that is theirs. Returns 1, or 0 when it was erased already."""
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.anonymized_at is not None or registration.email:
        return 0
    return _erase([registration], None, user)


def _erase(registrations: list[Registration], address: str | None, user: User | None) -> int:
    now = utcnow()
    actor = ActorKind.ORGANIZER if user is not None else ActorKind.SYSTEM
    for registration in registrations:
        upcoming = registration.event.starts_at > now
        if upcoming and refusal(registration, Action.CANCEL, ActorKind.ORGANIZER, now) is None:
            cancel_registration(registration.id, by=user, now=now)
    ids = [registration.id for registration in registrations]
    _scrub_scans(registrations)
    for registration in registrations:
        perform(registration, Action.ERASE, actor, now)
        _anonymize(registration, now)
        audit.record("person_erased", user, registration.event_id, registration_id=registration.id)
    _scrub_audit(ids)
    webhooks.forget_people(ids)
    _forget_answers(ids, delete=True)
    _forget_group_messages(registrations)
    if address is not None:
        _forget_groups(RegistrationGroup.coordinator_email == address, now)
    if address is None:
        _forget_invitations(_linked(ids))
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.registration_id.in_(ids)))
        return len(registrations)
    _forget_invitations(sa.or_(Invitation.email == address, _linked(ids)))
    _forget_counters(address)
    db.session.execute(
        sa.delete(OutboxMessage).where(
            sa.or_(OutboxMessage.recipient == address, OutboxMessage.registration_id.in_(ids))
        )
    )
    erase_mail_files({address})
    return len(registrations)


@command
def forget_needs(now: datetime | None = None) -> int:
    """Delete what people wrote about their needs (it may concern health, GDPR art. 9)
    once their event has ended; the consent's time and version stay as the record.
    Returns how many registrations lost their needs."""
    ended = sa.select(Event.id).where(Event.ends_at < (now or utcnow()))
    result = db.session.execute(
        sa.update(Registration)
        .where(Registration.event_id.in_(ended), Registration.needs.is_not(None))
        .values(needs=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


@command
def anonymize_before(cutoff: datetime, user: User | None = None) -> int:
    """Anonymize the registrations of events that ended before `cutoff`."""
    registrations = db.session.scalars(
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(Event.ends_at < cutoff, Registration.anonymized_at.is_(None))
    ).all()
    emails = {registration.email for registration in registrations if registration.email}
    ids = [registration.id for registration in registrations]
    now = utcnow()
    _scrub_scans(registrations)
    for registration in registrations:
        perform(registration, Action.ERASE, ActorKind.SYSTEM, now)
        _anonymize(registration, now)
    _scrub_audit(ids)
    _forget_answers(ids, delete=False)
    ended = sa.select(Event.id).where(Event.ends_at < cutoff)
    _forget_invitations(sa.or_(Invitation.event_id.in_(ended), _linked(ids)))
    _forget_ended_groups(ended, cutoff, now)
    # Counters only matter within their window (minutes or hours): old ones go.
    db.session.execute(sa.delete(ThrottleCounter).where(ThrottleCounter.window_start < cutoff))
    if emails:
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient.in_(emails)))
        erase_mail_files(emails)
    audit.record(
        "retention_anonymized",
        user,
        after={"ended_before": cutoff.isoformat(), "registrations": len(registrations)},
    )
    return len(registrations)
