"""The accounts of the network's organizations, kept on the organizer area's pages
(the command line makes the first one).

A coordinator makes organizers and door staff in any organization, and coordinators
in the lead one; an organizer makes organizers and door staff of their own
organization. Changing an account (its role, whether it may log in, the events its
door staff work at) follows the same limits; coordinators' accounts are changed by
coordinators only, and nobody changes their own role or switches their own account
off. A new role or a switched-off account ends the person's sessions at once.

The creator types the first password (checked by events.services.passwords) and
passes it on; the audit entries hold no password.
"""

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from events.extensions import db
from events.identifiers import normalize_email
from events.models import Event, EventStatus, Organization, Role, User, utcnow
from events.services import DomainError, NotFound, audit
from events.services.accounts import AccountError, create_user, email_problem, end_sessions
from events.services.organizations.directory import list_organizations
from events.services.organizations.scope import Scope, scope_of
from events.services.passwords import password_problem
from events.unit_of_work import command

AUDITED = ("email", "role", "active", "organization_id")
# Which form field a refusal of events.services.accounts belongs to.
ACCOUNT_FIELDS = {"invalid_email": "email", "exists": "email", "weak_password": "password"}


class MemberError(DomainError):
    """Codes: invalid (with `field_errors`)."""

    class Code(enum.StrEnum):
        INVALID = "invalid"

    def __init__(self, field_errors: dict[str, object]):
        super().__init__("invalid", _l("Please correct the marked fields."))
        self.field_errors = field_errors


@dataclass
class NewAccount:
    email: str
    password: str
    role: Role
    organization_id: int | None


@dataclass
class AccountChange:
    role: Role
    active: bool
    # The door staff's events among `assignable_events`; None leaves them as they are.
    event_ids: list[int] | None = None


def _accounts(scope: Scope) -> sa.Select:
    query = sa.select(User).join(User.organization).options(joinedload(User.organization))
    if scope.network:
        return query
    return query.where(User.organization_id == scope.organization_id, User.role != Role.COORDINATOR)


def list_accounts(scope: Scope) -> list[User]:
    """The accounts this scope keeps: a coordinator's, all of them (the lead organization
    first, then by name); an organizer's, their organization's organizers and staff."""
    query = _accounts(scope).order_by(Organization.is_lead.desc(), Organization.name, User.email)
    return list(db.session.scalars(query))


def visible_account(scope: Scope, user_id: int | None) -> User | None:
    """The account if this scope keeps it; None when it does not exist or is not theirs."""
    if user_id is None:
        return None
    return db.session.scalar(_accounts(scope).where(User.id == user_id))


def account_organizations(scope: Scope) -> list[Organization]:
    """Where this scope makes accounts: a coordinator anywhere (the lead first), an
    organizer in their own organization."""
    if scope.network:
        return list_organizations()
    return [db.session.get(Organization, scope.organization_id)]


def roles_given_by(scope: Scope, organization: Organization | None = None) -> list[Role]:
    """The roles this scope gives (in `organization`): a coordinator's is given by
    coordinators only, and only in the lead organization."""
    coordinators = scope.network and (organization is None or organization.is_lead)
    return list(Role) if coordinators else [Role.ORGANIZER, Role.STAFF]


def assignable_events(account: User) -> list[Event]:
    """The events to come that the account's organization runs or co-runs, not called
    off: where its door staff may be sent."""
    own = Scope(account.organization_id, network=False)
    query = (
        sa.select(Event)
        .where(own.events(), Event.ends_at >= utcnow(), Event.status != EventStatus.CANCELLED)
        .order_by(Event.starts_at, Event.id)
    )
    return list(db.session.scalars(query))


def _role_problem(scope: Scope, role: Role, organization: Organization):
    if role not in roles_given_by(scope):
        return _l("Only coordinators give the coordinator role.")
    if role == Role.COORDINATOR and not organization.is_lead:
        return _l("Coordinators belong to the lead organization of the network.")
    return None


@command
def create_account(data: NewAccount, creator: User) -> User:
    """An active account; raises MemberError "invalid" with every problem found at once
    (an address already taken is found once the rest is right)."""
    scope = scope_of(creator)
    organization = db.session.get(Organization, data.organization_id or 0)
    errors: dict[str, object] = {}
    if organization is None or not scope.owns(organization.id):
        errors["organization_id"] = _l("Choose an organization.")
    elif problem := _role_problem(scope, data.role, organization):
        errors["role"] = problem
    email = normalize_email(data.email)
    if problem := email_problem(email):
        errors["email"] = problem
    if problem := password_problem(data.password, email):
        errors["password"] = problem
    if errors:
        raise MemberError(errors)
    try:
        account = create_user(email, data.password, data.role, organization)
    except AccountError as error:
        raise MemberError({ACCOUNT_FIELDS.get(error.code, "email"): error.message}) from error
    db.session.flush()
    audit.record(
        "account_created",
        creator,
        organization_id=organization.id,
        after=audit.snapshot(account, AUDITED),
    )
    return account


def _state(account: User) -> dict:
    return {
        **audit.snapshot(account, ("role", "active")),
        "events": sorted(event.id for event in account.events),
    }


def _chosen_events(account: User, event_ids: list[int]) -> list[Event]:
    """The account's events once `event_ids` are chosen among the assignable ones;
    its other events (past ones, those of other organizations) are kept."""
    offered = {event.id: event for event in assignable_events(account)}
    if set(event_ids) - set(offered):
        raise MemberError({"events": _l("Choose events from the list.")})
    kept = [event for event in account.events if event.id not in offered]
    return kept + [offered[event_id] for event_id in sorted(set(event_ids))]


@command
def change_account(user_id: int, change: AccountChange, actor: User) -> User:
    """Raises NotFound (not an account this actor keeps) or MemberError "invalid"."""
    scope = scope_of(actor)
    account = visible_account(scope, user_id)
    if account is None:
        raise NotFound(_l("There is no such account."))
    errors: dict[str, object] = {}
    if account.id == actor.id and change.role != account.role:
        errors["role"] = _l("Your own role is changed by another coordinator or organizer.")
    elif problem := _role_problem(scope, change.role, account.organization):
        errors["role"] = problem
    if account.id == actor.id and not change.active:
        errors["active"] = _l("You cannot switch off your own account.")
    if errors:
        raise MemberError(errors)
    before = _state(account)
    signed_out = change.role != account.role or change.active != account.active
    account.role, account.active = change.role, change.active
    if change.event_ids is not None:
        account.events = _chosen_events(account, change.event_ids)
    db.session.flush()
    if signed_out:
        end_sessions(account.id)
    after = _state(account)
    if after != before:
        audit.record(
            "account_changed",
            actor,
            organization_id=account.organization_id,
            before={"email": account.email, **before},
            after={"email": account.email, **after},
        )
    return account
