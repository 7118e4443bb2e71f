"""The network's organizations as coordinators keep them: added, changed, listed.

An organization is never deleted while anything belongs to it (events, accounts,
series, questionnaires): the foreign keys refuse it, and a funder's report keeps
its figures. There is exactly one lead organization.
"""

import enum
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from events.counties import BY_CODE
from events.extensions import db
from events.models import Event, Organization, OrganizationKind, User
from events.models.organizations import NAME_LENGTH, SHORT_NAME_LENGTH
from events.services import DomainError, NotFound, audit
from events.unit_of_work import command


class OrganizationError(DomainError):
    """Codes: invalid (with `field_errors`)."""

    class Code(enum.StrEnum):
        INVALID = "invalid"

    def __init__(self, code, message, field_errors=None):
        super().__init__(code, message)
        self.field_errors = field_errors or {}


@dataclass
class OrganizationData:
    name: str
    short_name: str
    kind: OrganizationKind
    counties: list[str] = field(default_factory=list)
    contact_email: str = ""
    contact_phone: str = ""


@dataclass
class OrganizationUse:
    events: int = 0
    accounts: int = 0


AUDITED = ("name", "short_name", "kind", "counties", "contact_email", "contact_phone")


def list_organizations() -> list[Organization]:
    """The lead organization first, then the partners by name."""
    query = sa.select(Organization).order_by(Organization.is_lead.desc(), Organization.name)
    return list(db.session.scalars(query))


def organization_choices() -> list[tuple[int, str]]:
    """(id, name) for a select: the lead organization first, then the partners."""
    return [(organization.id, organization.name) for organization in list_organizations()]


def organization_uses() -> dict[int, OrganizationUse]:
    """How many events and accounts belong to each organization (two grouped counts)."""
    uses: dict[int, OrganizationUse] = {}
    for column, name in ((Event.organization_id, "events"), (User.organization_id, "accounts")):
        query = sa.select(column, sa.func.count()).group_by(column)
        for organization_id, count in db.session.execute(query):
            setattr(uses.setdefault(organization_id, OrganizationUse()), name, count)
    return uses


def find_organization(short_name: str | None) -> Organization | None:
    """The organization of a `?organization=` value; None for anything unknown."""
    if not short_name or len(short_name) > SHORT_NAME_LENGTH:
        return None
    query = sa.select(Organization).where(Organization.short_name == short_name)
    return db.session.scalar(query)


def organization_or_404(organization_id: int) -> Organization:
    """Raises NotFound."""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound(_l("There is no such organization."))
    return organization


def _errors(data: OrganizationData, exclude_id: int | None) -> dict[str, object]:
    errors: dict[str, object] = {}
    data.name, data.short_name = data.name.strip(), data.short_name.strip()
    if not data.name or len(data.name) > NAME_LENGTH:
        errors["name"] = _l("Enter the organization's name (at most 200 characters).")
    if not data.short_name or len(data.short_name) > SHORT_NAME_LENGTH:
        errors["short_name"] = _l("Enter a short name (at most 40 characters).")
    elif db.session.scalar(
        sa.select(Organization.id).where(
            sa.func.lower(Organization.short_name) == data.short_name.lower(),
            Organization.id != (exclude_id or 0),
        )
    ):
        errors["short_name"] = _l("Another organization has this short name.")
    unknown = [code for code in data.counties if code not in BY_CODE]
    if unknown:
        errors["counties"] = _l("Choose counties from the list.")
    if data.contact_email:
        try:
            validate_email(data.contact_email, check_deliverability=False)
        except EmailNotValidError:
            errors["contact_email"] = _l("This is not a valid email address.")
    if len(data.contact_phone) > 40:
        errors["contact_phone"] = _l("At most 40 characters.")
    return errors


def _check(data: OrganizationData, exclude_id: int | None = None) -> None:
    errors = _errors(data, exclude_id)
    if errors:
        raise OrganizationError("invalid", _l("Please correct the marked fields."), errors)


@command
def create_organization(data: OrganizationData, user: User) -> Organization:
    """A partner organization. Raises OrganizationError "invalid"."""
    _check(data)
    organization = Organization(**vars(data), is_lead=False)
    db.session.add(organization)
    db.session.flush()
    audit.record(
        "organization_created",
        user,
        organization_id=organization.id,
        after=audit.snapshot(organization, AUDITED),
    )
    return organization


@command
def update_organization(organization_id: int, data: OrganizationData, user: User) -> Organization:
    """Raises NotFound or OrganizationError "invalid"."""
    organization = organization_or_404(organization_id)
    _check(data, organization.id)
    before = audit.snapshot(organization, AUDITED)
    for name, value in vars(data).items():
        setattr(organization, name, value)
    audit.record(
        "organization_changed",
        user,
        organization_id=organization.id,
        before=before,
        after=audit.snapshot(organization, AUDITED),
    )
    return organization
