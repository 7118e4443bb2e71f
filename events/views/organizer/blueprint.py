"""The organizer area's blueprint (/organizer): organizers only.

The check runs before each request, so a route added later cannot be left
unprotected.
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
    return db.get_or_404(Event, event_id)
