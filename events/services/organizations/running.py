"""Who runs an event: its organization and the co-organizing ones.

A coordinator gives an event to any organization; an organizer makes events for
their own. The co-organizers are chosen by a coordinator or by an organizer of
the event's own organization (a co-organizer does not choose the others).
"""

import enum
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import Event, Organization
from events.services import DomainError
from events.services.organizations.scope import Scope


class OrganizersError(DomainError):
    """Codes: not_yours (another organization's event, for an organizer), unknown."""

    class Code(enum.StrEnum):
        NOT_YOURS = "not_yours"
        UNKNOWN = "unknown"

    def __init__(self, code, message, field: str):
        super().__init__(code, message)
        self.field = field


@dataclass(frozen=True)
class Organizers:
    organization_id: int
    coorganizer_ids: tuple[int, ...] = ()


def may_choose_coorganizers(scope: Scope, event: Event | None) -> bool:
    """A coordinator, or an organizer of the event's own organization (of a new one: theirs)."""
    new = event is None or event.id is None
    return scope.network or new or event.organization_id == scope.organization_id


def apply_organizers(event: Event, organizers: Organizers, scope: Scope) -> None:
    """Set who runs `event` (flushed by the caller's command). Raises OrganizersError."""
    moved = event.id is not None and organizers.organization_id != event.organization_id
    mine = scope.network or organizers.organization_id == scope.organization_id
    if (moved or event.id is None) and not mine:
        raise OrganizersError(
            "not_yours",
            _l("Only a coordinator gives an event to another organization."),
            "organization_id",
        )
    if moved and event.series_id is not None:
        raise OrganizersError(
            "not_yours",
            _l("An event of a series stays with the organization of its series."),
            "organization_id",
        )
    wanted = set(organizers.coorganizer_ids) - {organizers.organization_id}
    found = _organizations({organizers.organization_id, *wanted})
    if organizers.organization_id not in found:
        raise OrganizersError("unknown", _l("Choose an organization."), "organization_id")
    if set(found) - {organizers.organization_id} != wanted:
        raise OrganizersError("unknown", _l("Choose organizations from the list."), "coorganizers")
    current = {partner.id for partner in event.coorganizers}
    if wanted != current and not may_choose_coorganizers(scope, event):
        raise OrganizersError(
            "not_yours",
            _l("The co-organizers are chosen by the event's own organization."),
            "coorganizers",
        )
    event.organization_id = organizers.organization_id
    event.organization = found[organizers.organization_id]
    event.coorganizers = sorted((found[i] for i in wanted), key=lambda o: o.name)


def _organizations(ids: set[int]) -> dict[int, Organization]:
    query = sa.select(Organization).where(Organization.id.in_(ids))
    return {organization.id: organization for organization in db.session.scalars(query)}


def organizer_names(event: Event) -> list[str]:
    """Who runs it, for people: its organization first, then the co-organizers."""
    return [event.organization.name, *(partner.name for partner in event.coorganizers)]
