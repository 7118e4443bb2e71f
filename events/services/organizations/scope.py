"""What an account may see and manage: one owner of the rule, asked by every view,
download, report, search and the door.

A coordinator sees the whole network. An organizer sees the events of their own
organization and those it co-organizes, and everything hanging from them (people,
questionnaires, invitations, certificates, links, the audit log). Anything outside
is answered as if it did not exist (the views turn `None` into a 404), so neither a
list, a download, an id in a URL nor an error message names another organization's
people.
"""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from events.extensions import db
from events.models import Event, Organization, Questionnaire, Role, Series, User, event_coorganizer


@dataclass(frozen=True)
class Scope:
    """The part of the network an account works in."""

    organization_id: int
    network: bool  # a coordinator: every organization

    def events(self) -> sa.ColumnElement[bool]:
        """A WHERE clause over `Event`: the events this scope manages."""
        if self.network:
            return sa.true()
        coorganized = sa.select(event_coorganizer.c.event_id).where(
            event_coorganizer.c.organization_id == self.organization_id
        )
        return sa.or_(Event.organization_id == self.organization_id, Event.id.in_(coorganized))

    def event_ids(self) -> sa.Select:
        """The ids of the events this scope manages, as a subquery for IN (...)."""
        return sa.select(Event.id).where(self.events())

    def questionnaires(self) -> sa.ColumnElement[bool]:
        """A WHERE clause over `Questionnaire`: its own organization's, or one of an
        event this scope manages."""
        if self.network:
            return sa.true()
        return sa.or_(
            Questionnaire.organization_id == self.organization_id,
            Questionnaire.event_id.in_(self.event_ids()),
        )

    def manages(self, event: Event) -> bool:
        if self.network or event.organization_id == self.organization_id:
            return True
        return any(partner.id == self.organization_id for partner in event.coorganizers)

    def owns(self, organization_id: int | None) -> bool:
        """Whether something kept by this organization (a series, an account) is in scope."""
        return self.network or organization_id == self.organization_id


NETWORK = Scope(organization_id=0, network=True)
"""The whole network: the command line's scope (and a coordinator's)."""


def scope_of(user: User) -> Scope | None:
    """The scope of an organizer or coordinator; None for staff (the door only)."""
    if user.role == Role.COORDINATOR:
        return Scope(user.organization_id, network=True)
    if user.role == Role.ORGANIZER:
        return Scope(user.organization_id, network=False)
    return None


def visible_event(scope: Scope, event_id: int | None) -> Event | None:
    """The event if this scope manages it; None when it does not exist or is not theirs."""
    event = db.session.get(Event, event_id) if event_id is not None else None
    return event if event is not None and scope.manages(event) else None


def visible_events(scope: Scope, *where) -> list[Event]:
    """The scope's events by start, each with its organization (the lists name it)."""
    query = (
        sa.select(Event)
        .where(scope.events(), *where)
        .options(joinedload(Event.organization))
        .order_by(Event.starts_at, Event.id)
    )
    return list(db.session.scalars(query))


def visible_questionnaire(scope: Scope, questionnaire_id: int | None) -> Questionnaire | None:
    if questionnaire_id is None:
        return None
    query = sa.select(Questionnaire).where(
        Questionnaire.id == questionnaire_id, scope.questionnaires()
    )
    return db.session.scalar(query)


def visible_series(scope: Scope, series_id: int | None) -> Series | None:
    series = db.session.get(Series, series_id) if series_id is not None else None
    return series if series is not None and scope.owns(series.organization_id) else None


def lead_organization() -> Organization | None:
    return db.session.scalar(sa.select(Organization).where(Organization.is_lead))
