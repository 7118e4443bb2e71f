"""Public pages: the programme with its filters, an event's page, the privacy notice,
the language switch."""

from datetime import date, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _

from events import consents
from events.counties import BY_CODE, sorted_counties
from events.i18n import LANGUAGE_COOKIE, LANGUAGES
from events.messages.ics import calendar_file, feed_components
from events.messages.links import absolute_url
from events.models import EventKind, utcnow
from events.services.listings import (
    Filters,
    find_public_event,
    listing_for,
    public_events,
    upcoming_months,
)
from events.services.organizations.directory import list_organizations
from events.services.programmes import find_programme, list_programmes
from events.views import local_path, parse_enum
from events.views.access import Rule, access
from events.views.page_cache import cached_page

bp = Blueprint("public", __name__)

ONE_YEAR = 365 * 24 * 3600
FEED_PAST_DAYS = 30
# How long a calendar app may keep a calendar file before asking again (then with its
# ETag: 304 when unchanged). A few minutes: a cancelled event reaches calendars soon.
CALENDAR_MAX_AGE = 300
# Months the programme can be filtered by; others are ignored like any invalid filter.
FIRST_YEAR, LAST_YEAR = 2000, 2999


def _filters_from(args, programme=None) -> Filters:
    """Filters from the query string; values that are not valid are ignored
    (`programme`: the one its `programme` names, found by the caller)."""
    county = args.get("county", "")
    month = args.get("month", "")
    valid_month = (
        len(month) == 7
        and month[4] == "-"
        and month.replace("-", "").isdigit()
        and FIRST_YEAR <= int(month[:4]) <= LAST_YEAR
    )
    return Filters(
        kind=parse_enum(EventKind, args.get("kind")),
        county=county if county in BY_CODE else None,
        month=month if valid_month and 1 <= int(month[5:]) <= 12 else None,
        include_past=args.get("past") == "1",
        programme_id=programme.id if programme else None,
    )


@bp.get("/")
@access(Rule.PUBLIC)
@cached_page
def index():
    now = utcnow()
    programme = find_programme(request.args.get("programme"))  # unknown: ignored
    filters = _filters_from(request.args, programme)
    return render_template(
        "public/index.html",
        listings=public_events(filters, now),
        filters=filters,
        programme=programme,
        programmes=list_programmes(),
        kinds=list(EventKind),
        counties=sorted_counties(),
        months=upcoming_months(now),
    )


@bp.get("/events/<slug>")
@access(Rule.PUBLIC)
@cached_page
def event(slug: str):
    found = find_public_event(slug)
    if found is None:
        abort(404)
    return render_template("public/event.html", listing=listing_for(found, utcnow()))


@bp.get("/privacy")
@access(Rule.PUBLIC)
def privacy():
    """The privacy notice (GDPR art. 13); the controller comes from the configuration."""
    return render_template(
        "public/privacy.html", consents=consents, organizations=list_organizations()
    )


@bp.get("/events.ics")
@access(Rule.PUBLIC)
@cached_page
def feed():
    """A subscribable calendar of the programme (published and cancelled events); with
    `?programme=<slug>`, of one partnership programme's. An unknown slug (a programme
    deleted, a link mistyped) answers 404: a subscribed calendar says it cannot be read,
    rather than filling with the whole network's events."""
    since = utcnow() - timedelta(days=FEED_PAST_DAYS)
    programme = find_programme(request.args.get("programme"))
    if programme is None and request.args.get("programme"):
        abort(404)
    filters = Filters(programme_id=programme.id if programme else None)
    listings = public_events(filters, since)  # events that ended after `since`
    events = [listing.event for listing in listings]
    if programme is None:
        return _calendar_response(events, "dzialamy-razem.ics", _("Działamy Razem: events"))
    name = _("Działamy Razem: %(programme)s", programme=programme.name())
    return _calendar_response(events, f"dzialamy-razem-{programme.slug}.ics", name)


@bp.get("/events/<slug>.ics")
@access(Rule.PUBLIC)
@cached_page
def event_calendar(slug: str):
    found = find_public_event(slug)
    if found is None:
        abort(404)
    return _calendar_response([found], f"{found.slug}.ics", found.title)


def _calendar_response(events, filename: str, name: str) -> Response:
    """The calendar file, with Last-Modified; `cached_page` adds the ETag and answers
    304 when the client has it (calendar apps always ask that way).

    Each entry is stamped with its event's last change, so the same programme
    gives the same bytes, and the ETag (a hash of them) changes with any change.
    """
    components = [
        entry
        for event in events
        for entry in feed_components(event, absolute_url("public.event", slug=event.slug))
    ]
    body = calendar_file(components, name=name)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    changes = [event.updated_at or event.created_at for event in events]
    if changes:
        response.last_modified = max(changes)
    response.cache_control.public = True
    response.cache_control.max_age = CALENDAR_MAX_AGE
    return response


@bp.get("/language/<code>")
@access(Rule.PUBLIC)
def set_language(code: str):
    """Remember the chosen language in a cookie and go back to the page."""
    if code not in LANGUAGES:
        abort(404)
    target = local_path(request.args.get("next"), url_for("public.index"))
    response = make_response(redirect(target))
    response.set_cookie(
        LANGUAGE_COOKIE,
        code,
        max_age=ONE_YEAR,
        samesite="Lax",
        httponly=True,
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    return response


@bp.app_template_global()
def month_label(month: str) -> str:
    """ "2026-11" as "listopad 2026" or "November 2026"."""
    year, number = (int(part) for part in month.split("-"))
    return format_date(date(year, number, 1), "LLLL y")
