"""The JSON API (/api): the door's check-in API for the scanner page (door), the
public programme (programme), the organizer API of personal tokens (token_auth,
managed_events, managed_registrations, managed_door), and the OpenAPI document with
its documentation page (openapi).

`blueprint` holds the blueprint; each module adds the routes of one part.
"""

from events.views.api import (
    door,
    managed_door,
    managed_events,
    managed_registrations,
    openapi,
    programme,
)
from events.views.api.blueprint import bp

__all__ = [
    "bp",
    "door",
    "managed_door",
    "managed_events",
    "managed_registrations",
    "openapi",
    "programme",
]
