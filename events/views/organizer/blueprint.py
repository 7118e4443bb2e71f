"""The organizer area's blueprint (/organizer): organizers and coordinators only.

The check runs before each request, so a route added later cannot be left
unprotected. What each of them sees is cut by their organization
(events.services.organizations.scope): an event, questionnaire, series or account
outside it is answered with a 404, exactly as one that does not exist.
"""

from flask import Blueprint, abort, request
from flask_login import current_user

from events.extensions import login_manager
from events.models import Event, Organization, Questionnaire, Series, User
from events.services.organizations.directory import find_organization
from events.services.organizations.members import visible_account
from events.services.organizations.scope import (
    Scope,
    scope_of,
    visible_event,
    visible_questionnaire,
    visible_series,
)

bp = Blueprint("organizer", __name__, url_prefix="/organizer")


@bp.before_request
def organizers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_organizer:
        abort(403)
    return None


def current_scope() -> Scope:
    """The signed-in organizer's part of the network (the area admits no one else)."""
    return scope_of(current_user)


def cut_by_organization() -> tuple[Scope, Organization | None]:
    """The part of the network a page of the whole network shows: a coordinator's is
    the network, or one organization's (`?organization=<short name>`; an unknown one is
    ignored); an organizer's is always their organization's."""
    scope = current_scope()
    if not scope.network:
        return scope, current_user.organization
    organization = find_organization(request.args.get("organization"))
    if organization is None:
        return scope, None
    return Scope(organization.id, network=False), organization


def coordinators_only() -> None:
    """For the network's own pages (organizations, programmes): others get a 403."""
    if not current_user.is_coordinator:
        abort(403)


def event_or_404(event_id: int) -> Event:
    event = visible_event(current_scope(), event_id)
    if event is None:
        abort(404)
    return event


def questionnaire_or_404(questionnaire_id: int) -> Questionnaire:
    questionnaire = visible_questionnaire(current_scope(), questionnaire_id)
    if questionnaire is None:
        abort(404)
    return questionnaire


def series_or_404(series_id: int) -> Series:
    series = visible_series(current_scope(), series_id)
    if series is None:
        abort(404)
    return series


def account_or_404(user_id: int) -> User:
    account = visible_account(current_scope(), user_id)
    if account is None:
        abort(404)
    return account
