"""The JSON API's blueprint (/api): the door's check-in API (door), the public
programme (programme), the organizer API of personal tokens (events, registrations,
reports, check-in), and the OpenAPI document with its documentation page (openapi).
"""

from flask import Blueprint, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.before_request
def limit_body_size():
    """JSON bodies of the API are small: a sync batch of 50 scans is a few kilobytes.
    A larger one is refused before it is read (MAX_CONTENT_LENGTH bounds a body
    sent without a length)."""
    if (request.content_length or 0) > current_app.config["API_MAX_CONTENT_LENGTH"]:
        raise RequestEntityTooLarge()
