"""The public programme as JSON: no login, readable from any website (CORS), cached by
its clients (`ETag`, 304), in Polish or English (`?lang=`, else `Accept-Language`)."""

from flask import current_app, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from spectree import Response

from events.counties import county_name
from events.extensions import limiter
from events.models import Event, utcnow
from events.services.lifecycle import RegistrationState, registration_closes_at
from events.services.listings import Filters, Listing, find_public_event, listing_for, public_events
from events.services.organizations.directory import find_organization
from events.services.programmes import find_programme
from events.views.access import Rule, access
from events.views.api.blueprint import bp
from events.views.api.openapi import spec
from events.views.api.schemas import (
    EventDetail,
    EventOut,
    EventPage,
    LanguageQuery,
    Named,
    Problem,
    ProgrammeQuery,
    Seats,
    SessionOut,
)
from events.views.problems import problem

PUBLIC_MAX_AGE = 60  # seconds a client or a proxy may keep an answer


def _state_label(listing: Listing) -> str:
    state = listing.state
    if state == RegistrationState.OPEN:
        if listing.seats_left is None:
            return _("Registration open")
        return ngettext("%(num)d seat left", "%(num)d seats left", listing.seats_left)
    return {
        RegistrationState.WAITLIST: _("Full – waiting list"),
        RegistrationState.FULL: _("No seats left"),
        RegistrationState.NOT_OPEN_YET: _("Registration not open yet"),
        RegistrationState.CANCELLED: _("Event cancelled"),
        RegistrationState.DRAFT: _("Draft"),
    }.get(state, _("Registration closed"))


def _named_organization(organization) -> Named:
    return Named(slug=organization.short_name, name=organization.name)


def event_fields(listing: Listing) -> dict:
    """What the programme says of an event, as the fields of EventOut."""
    event: Event = listing.event
    locale = str(get_locale() or "pl")
    programme = event.programme
    return {
        "id": event.id,
        "slug": event.slug,
        "title": event.title,
        "kind": event.kind,
        "kind_label": str(event.kind.label),
        "status": event.status.value,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "county": event.county,
        "county_name": county_name(event.county),
        "online": bool(event.online_url),
        "programme": Named(slug=programme.slug, name=programme.name(locale)) if programme else None,
        "organization": _named_organization(event.organization),
        "coorganizers": [_named_organization(partner) for partner in event.coorganizers],
        "registration": Seats(
            state=listing.state,
            state_label=_state_label(listing),
            capacity=event.capacity,
            seats_left=listing.seats_left,
            waitlist=event.waitlist_enabled,
            mode=event.mode,
            opens_at=event.registration_opens_at,
            closes_at=registration_closes_at(event),
        ),
        "url": url_for("public.event", slug=event.slug, _external=True),
    }


def event_detail_fields(listing: Listing) -> dict:
    event = listing.event
    sessions = [
        SessionOut(
            id=item.id,
            title=item.title,
            starts_at=item.starts_at,
            ends_at=item.ends_at,
            venue_name=item.venue_name or event.venue_name,
            venue_address=item.venue_address or event.venue_address,
        )
        for item in event.sessions
    ]
    return event_fields(listing) | {"description": event.description, "sessions": sessions}


def _public_limit() -> str:
    return current_app.config["RATELIMIT_API_PUBLIC"]


@bp.get("/v1/events")
@access(Rule.PUBLIC)
@limiter.limit(_public_limit)
@spec.validate(
    query=ProgrammeQuery,
    resp=Response(HTTP_200=EventPage),
    tags=["programme"],
)
def programme_events(query: ProgrammeQuery):
    """The programme: published (and called-off) events, soonest first.

    An unknown programme or organization gives an empty page, as the programme's
    own filters do."""
    filters = Filters(kind=query.kind, county=query.county, month=query.month)
    filters.include_past = query.include_past
    unknown = False
    if query.programme:
        programme = find_programme(query.programme)
        unknown |= programme is None
        filters.programme_id = programme.id if programme else None
    if query.organization:
        organization = find_organization(query.organization)
        unknown |= organization is None
        filters.organization_id = organization.id if organization else None
    listings = [] if unknown else public_events(filters, utcnow())
    start = (query.page - 1) * query.per_page
    pages = max((len(listings) + query.per_page - 1) // query.per_page, 1)
    return EventPage(
        items=[EventOut(**event_fields(item)) for item in listings[start : start + query.per_page]],
        page=query.page,
        per_page=query.per_page,
        total=len(listings),
        pages=pages,
    )


@bp.get("/v1/events/<slug>")
@access(Rule.PUBLIC)
@limiter.limit(_public_limit)
@spec.validate(
    query=LanguageQuery,
    resp=Response(HTTP_200=EventDetail, HTTP_404=Problem),
    tags=["programme"],
)
def programme_event(slug: str, query: LanguageQuery):
    """One published (or called-off) event, with its sessions."""
    event = find_public_event(slug[:120])
    if event is None:
        return problem(404, _("No such event in the programme."), code="not_found")
    return EventDetail(**event_detail_fields(listing_for(event, utcnow())))


@bp.after_request
def public_reading(response):
    """The programme may be read from any site; its answers carry an ETag."""
    if not request.path.startswith("/api/v1/events"):
        return response
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Access-Control-Expose-Headers"] = "ETag"
    if request.method == "OPTIONS":
        response.headers["Access-Control-Allow-Methods"] = "GET"
        response.headers["Access-Control-Allow-Headers"] = "Accept-Language, If-None-Match"
        response.headers["Access-Control-Max-Age"] = "86400"
    if request.method == "GET" and response.status_code == 200:
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        response.vary.add("Accept-Language")
        response.add_etag()
        response.make_conditional(request)
    return response
