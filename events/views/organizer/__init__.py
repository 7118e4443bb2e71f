"""The organizer area (/organizer): events, registrations, downloads, reports.

Every route of this blueprint is for organizers only: the check runs before
each request, so a route added later cannot be left unprotected.
"""

from flask import Blueprint, abort
from flask_login import current_user

from events.extensions import db, login_manager
from events.models import Event, Role

bp = Blueprint("organizer", __name__, url_prefix="/organizer")


@bp.before_request
def organizers_only():
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.role != Role.ORGANIZER:
        abort(403)
    return None


def event_or_404(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None:
        abort(404)
    return event


from events.views.organizer import downloads, events, registrations, reports  # noqa: E402, F401
