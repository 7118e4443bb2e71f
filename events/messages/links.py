"""Absolute links for emails and calendar files, built without a request."""

from urllib.parse import quote_plus

from flask import current_app


def absolute_url(endpoint: str, **values) -> str:
    """A link for an email or a calendar: BASE_URL plus the route's path.

    Built without the request, so that commands run from cron and the outbox
    worker make the same links as the web pages.
    """
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)


def map_url(event) -> str | None:
    place = ", ".join(part for part in (event.venue_name, event.venue_address) if part)
    return f"https://www.openstreetmap.org/search?query={quote_plus(place)}" if place else None
