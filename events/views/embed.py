"""The programme for partners' websites: a small page to show in an `iframe`.

`/embed/programme` lists the upcoming events of the programme, filtered as a partner
asks in its query string (a programme, a county, an organization, a kind of event),
in Polish or English (`?lang=`, else `Accept-Language`: our language cookie is not
sent to a frame on another site). Every link opens in the top window, on this site,
through the language switch: the reader stays in the frame's language.

Only this site and the origins of EMBED_ORIGINS may frame it (`frame-ancestors`,
set by the app's security headers); every other page refuses any frame.
"""

from flask import Blueprint, current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user

from events.counties import BY_CODE
from events.messages.links import absolute_url
from events.models import EventKind, utcnow
from events.services.listings import Filters, public_events
from events.services.organizations.directory import find_organization
from events.services.programmes import find_programme
from events.views import parse_enum
from events.views.access import Rule, access
from events.views.page_cache import cached_page

bp = Blueprint("embed", __name__)

DEFAULT_LIMIT = 10
MAX_LIMIT = 50
EMBED_MAX_AGE = 120  # seconds a browser or a proxy may keep the list


def site_link(endpoint: str, **values) -> str:
    """A link to a page of this site in the frame's language: through the language
    switch, so that a reader of the English frame lands on the English page (the
    site's own language cookie is not sent to a frame on another site)."""
    path = current_app.url_map.bind("localhost", script_name="/").build(endpoint, values)
    return absolute_url("public.set_language", code=str(get_locale() or "pl"), next=path)


def _limit(raw: str | None) -> int:
    """How many events to show: `?limit=` within 1..MAX_LIMIT, DEFAULT_LIMIT if not a number."""
    if not raw or len(raw) > 4 or not (raw.isascii() and raw.isdigit()):
        return DEFAULT_LIMIT
    return min(max(int(raw), 1), MAX_LIMIT)


def _filters(args) -> tuple[Filters, dict, bool]:
    """The filters of the query string, the ones the full programme page also takes
    (for its link), and whether any value names nothing we know (one with a control
    character is not looked up: no slug or short name has one)."""
    filters = Filters()
    shared = {}
    unknown = False
    if kind := args.get("kind"):
        filters.kind = parse_enum(EventKind, kind)
        unknown |= filters.kind is None
        shared["kind"] = kind
    if county := args.get("county"):
        filters.county = county if county in BY_CODE else None
        unknown |= filters.county is None
        shared["county"] = county
    if slug := args.get("programme"):
        programme = find_programme(slug) if slug.isprintable() else None
        unknown |= programme is None
        filters.programme_id = programme.id if programme else None
        shared["programme"] = slug
    if short_name := args.get("organization"):
        organization = find_organization(short_name) if short_name.isprintable() else None
        unknown |= organization is None
        filters.organization_id = organization.id if organization else None
    return filters, shared, unknown


@bp.get("/programme")
@access(Rule.PUBLIC)
@cached_page
def programme():
    """The list; an unknown filter value (a programme renamed, a typo) shows no events."""
    filters, shared, unknown = _filters(request.args)
    limit = _limit(request.args.get("limit"))
    listings = [] if unknown else public_events(filters, utcnow(), limit=limit)
    full_programme = site_link("public.index", **({} if unknown else shared))
    page = render_template(
        "embed/programme.html",
        listings=listings,
        full_programme=full_programme,
        site_link=site_link,
    )
    # The same list for everyone, kept by shared caches; but never an answer to someone
    # logged in, which may carry their session cookie.
    personal = current_user.is_authenticated
    control = "private, no-store" if personal else f"public, max-age={EMBED_MAX_AGE}"
    return page, {"Cache-Control": control}


@bp.after_request
def vary_by_language(response):
    """The language comes from the request's Accept-Language (unless `?lang=` says it)."""
    response.vary.add("Accept-Language")
    return response
