"""The interface language: Polish first, English second, remembered in a cookie."""

from flask import has_request_context, request

LANGUAGES = ("pl", "en")
LANGUAGE_COOKIE = "lang"


def select_locale() -> str:
    """The visitor's chosen language (a cookie set by the switch), Polish by default.
    The JSON API, which other programs read, and the programme framed on partners'
    websites (/embed/, where our cookie is not sent) take `?lang=` or Accept-Language."""
    if not has_request_context():
        return "pl"
    if request.path.startswith(("/api/v1/", "/embed/")):
        asked = request.args.get("lang")
        if asked in LANGUAGES:
            return asked
        return request.accept_languages.best_match(LANGUAGES) or "pl"
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else "pl"
