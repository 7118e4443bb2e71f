"""The interface language: Polish first, English second, remembered in a cookie."""

from flask import has_request_context, request

LANGUAGES = ("pl", "en")
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The visitor's chosen language (a cookie set by the switch), Polish by default."""
    if not has_request_context():
        return "pl"
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else "pl"
