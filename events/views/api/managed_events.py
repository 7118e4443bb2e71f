"""The organizer API's events: list and read (scope `read`), create, change, publish and
cancel (scope `write`), each as the organizer area does it (events.services.event_admin,
event_changes), within the token owner's part of the network."""

from datetime import UTC, datetime

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from spectree import Response
from sqlalchemy.orm import joinedload, selectinload

from events.counties import BY_CODE
from events.extensions import db
from events.models import Event, EventStatus, Registration, TokenScope, utcnow
from events.services import DomainError
from events.services.event_admin import EventData, create_event, publish_event, update_event
from events.services.event_changes import cancel_event
from events.services.lifecycle import status_counts
from events.services.listings import listings_for
from events.services.programmes import find_programme
from events.timezone import from_local
from events.views.api.blueprint import bp
from events.views.api.openapi import spec
from events.views.api.programme import event_detail_fields
from events.views.api.schemas import (
    CancelIn,
    EventIn,
    EventListQuery,
    EventPatch,
    LanguageQuery,
    ManagedEvent,
    ManagedEventPage,
    Problem,
    TokenOut,
)
from events.views.api.token_auth import managed_event, not_found, refusal, token_route
from events.views.problems import field_problems, problem

TOKEN = [{"token": []}]
# What an event's answer names, loaded with the page's events (not one query each).
EVENT_PARTS = (
    joinedload(Event.organization),
    selectinload(Event.coorganizers),
    selectinload(Event.programme),
    selectinload(Event.sessions),
)
REFUSALS = {"HTTP_401": Problem, "HTTP_403": Problem, "HTTP_404": Problem, "HTTP_422": Problem}
# The fields an event cannot be without (a change may leave others empty: no seat limit…).
REQUIRED = ("title", "kind", "starts_at", "ends_at", "county", "mode", "waitlist_enabled")


@bp.get("/v1/organizer/token")
@token_route(TokenScope.READ)
@spec.validate(resp=Response(HTTP_200=TokenOut, **REFUSALS), tags=["organizer"], security=TOKEN)
def whoami():
    """The token itself: its name, scopes, expiry, and whose it is."""
    token = g.api_token
    return TokenOut(
        name=token.name,
        prefix=token.prefix,
        scopes=token.scopes,
        expires_at=token.expires_at,
        account=token.user.email,
        organization=token.user.organization.name,
        network=g.api_scope.network,
    )


def managed_page(events: list[Event], now: datetime) -> list[ManagedEvent]:
    """The events as the organizer API shows them: their counts in two queries, not
    two per event."""
    ids = [event.id for event in events]
    checked_in = dict(
        db.session.execute(
            sa.select(Registration.event_id, sa.func.count())
            .where(Registration.event_id.in_(ids), Registration.checked_in_at.is_not(None))
            .group_by(Registration.event_id)
        ).all()
    )
    counts = status_counts(ids)
    return [
        ManagedEvent(
            **event_detail_fields(listing),
            counts={status.value: number for status, number in counts[listing.event.id].items()},
            checked_in=checked_in.get(listing.event.id, 0),
        )
        for listing in listings_for(events, now, counts)
    ]


def managed_fields(event: Event, now: datetime) -> ManagedEvent:
    return managed_page([event], now)[0]


@bp.get("/v1/organizer/events")
@token_route(TokenScope.READ)
@spec.validate(
    query=EventListQuery,
    resp=Response(HTTP_200=ManagedEventPage, **REFUSALS),
    tags=["organizer"],
    security=TOKEN,
)
def managed_events(query: EventListQuery):
    """The events the token's owner manages (drafts included), soonest first; past
    ones only with `past=true`."""
    now = utcnow()
    where = [] if query.past else [Event.ends_at >= now]
    if query.status:
        where.append(Event.status == EventStatus(query.status))
    events = list(
        db.session.scalars(
            sa.select(Event)
            .where(g.api_scope.events(), *where)
            .options(*EVENT_PARTS)
            .order_by(Event.starts_at, Event.id)
        )
    )
    start = (query.page - 1) * query.per_page
    return ManagedEventPage(
        items=managed_page(events[start : start + query.per_page], now),
        page=query.page,
        per_page=query.per_page,
        total=len(events),
        pages=max((len(events) + query.per_page - 1) // query.per_page, 1),
    )


@bp.get("/v1/organizer/events/<int:event_id>")
@token_route(TokenScope.READ)
@spec.validate(
    query=LanguageQuery,
    resp=Response(HTTP_200=ManagedEvent, **REFUSALS),
    tags=["organizer"],
    security=TOKEN,
)
def managed_event_detail(event_id: int, query: LanguageQuery):
    event = managed_event(event_id)
    if event is None:
        return not_found()
    return managed_fields(event, utcnow())


def _moment(value: datetime | None) -> datetime | None:
    """A time sent with an offset, or without one: Polish time (as on the pages)."""
    if value is None:
        return None
    return value.astimezone(UTC) if value.tzinfo else from_local(value)


def _event_data(fields: dict) -> tuple[EventData | None, dict]:
    """EventData from the API's fields, or the errors of the fields named."""
    errors = {
        name: _l("This field cannot be empty.") for name in REQUIRED if fields.get(name) is None
    }
    county = fields.get("county")
    if county is not None and county not in BY_CODE:
        errors["county"] = _l("Choose a county from the list.")
    programme_id = None
    if fields.get("programme"):
        programme = find_programme(fields["programme"])
        if programme is None:
            errors["programme"] = _l("Choose a programme from the list.")
        programme_id = programme.id if programme else None
    url = fields.get("online_url")
    if url and not url.startswith(("https://", "http://")):
        errors["online_url"] = _l("Enter a full address, https://...")
    email = fields.get("contact_email")
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["contact_email"] = _l("Enter a valid email address.")
    if errors:
        return None, errors
    return EventData(
        title=fields["title"].strip(),
        kind=fields["kind"],
        description=fields.get("description") or "",
        starts_at=_moment(fields["starts_at"]),
        ends_at=_moment(fields["ends_at"]),
        venue_name=fields.get("venue_name") or "",
        venue_address=fields.get("venue_address") or "",
        county=county,
        online_url=url or None,
        capacity=fields.get("capacity"),
        registration_opens_at=_moment(fields.get("registration_opens_at")),
        registration_closes_at=_moment(fields.get("registration_closes_at")),
        mode=fields["mode"],
        waitlist_enabled=fields["waitlist_enabled"],
        contact_email=email or None,
        programme_id=programme_id,
        group_max=fields.get("group_max"),
    ), {}


def _invalid(errors: dict):
    renamed = {"programme_id": "programme"}
    errors = {renamed.get(name, name): message for name, message in errors.items()}
    return problem(
        422, _("Please correct the marked fields."), code="invalid", errors=field_problems(errors)
    )


def _current_fields(event: Event) -> dict:
    return {
        "title": event.title,
        "kind": event.kind,
        "description": event.description,
        "starts_at": event.starts_at,
        "ends_at": event.ends_at,
        "venue_name": event.venue_name,
        "venue_address": event.venue_address,
        "county": event.county,
        "online_url": event.online_url,
        "capacity": event.capacity,
        "registration_opens_at": event.registration_opens_at,
        "registration_closes_at": event.registration_closes_at,
        "mode": event.mode,
        "waitlist_enabled": event.waitlist_enabled,
        "contact_email": event.contact_email,
        "programme": event.programme.slug if event.programme else None,
        "group_max": event.group_max,
    }


def _changed(command, *args):
    """Run a command of event_admin; its refusal as a problem (field errors: 422)."""
    try:
        return command(*args), None
    except DomainError as error:
        if error.code == "invalid":
            return None, _invalid(error.field_errors)
        return None, refusal(error)


@bp.post("/v1/organizer/events")
@token_route(TokenScope.WRITE)
@spec.validate(
    json=EventIn,
    resp=Response(HTTP_201=ManagedEvent, HTTP_409=Problem, **REFUSALS),
    tags=["organizer"],
    security=TOKEN,
)
def create_managed_event(json: EventIn):
    """A new draft event of the owner's organization."""
    data, errors = _event_data(json.model_dump())
    if errors:
        return _invalid(errors)
    event, refused = _changed(create_event, data, g.api_user)
    if refused:
        return refused
    return managed_fields(event, utcnow()), 201


@bp.patch("/v1/organizer/events/<int:event_id>")
@token_route(TokenScope.WRITE)
@spec.validate(
    json=EventPatch,
    resp=Response(HTTP_200=ManagedEvent, HTTP_409=Problem, **REFUSALS),
    tags=["organizer"],
    security=TOKEN,
)
def change_managed_event(event_id: int, json: EventPatch):
    """Change the fields sent; the others keep their values. A new time or place tells
    the registered people, as on the page. Fewer seats than confirmed people is refused
    here (409 `over_capacity`): choose who leaves on the event's page."""
    event = managed_event(event_id)
    if event is None:
        return not_found()
    data, errors = _event_data(_current_fields(event) | json.model_dump(exclude_unset=True))
    if errors:
        return _invalid(errors)
    event, refused = _changed(update_event, event.id, data, g.api_user)
    if refused:
        return refused
    return managed_fields(event, utcnow())


@bp.post("/v1/organizer/events/<int:event_id>/publish")
@token_route(TokenScope.WRITE)
@spec.validate(
    resp=Response(HTTP_200=ManagedEvent, HTTP_409=Problem, **REFUSALS),
    tags=["organizer"],
    security=TOKEN,
)
def publish_managed_event(event_id: int):
    """Publish a draft (a published one stays as it is)."""
    event = managed_event(event_id)
    if event is None:
        return not_found()
    event, refused = _changed(publish_event, event.id, g.api_user)
    if refused:
        return refused
    return managed_fields(event, utcnow())


@bp.post("/v1/organizer/events/<int:event_id>/cancel")
@token_route(TokenScope.WRITE)
@spec.validate(
    json=CancelIn,
    resp=Response(HTTP_200=ManagedEvent, **REFUSALS),
    tags=["organizer"],
    security=TOKEN,
)
def cancel_managed_event(event_id: int, json: CancelIn):
    """Cancel the event: every registered person is told. Needs `{"confirm": true}`;
    cancelling twice tells nobody again."""
    event = managed_event(event_id)
    if event is None:
        return not_found()
    cancel_event(event.id, g.api_user)
    return managed_fields(db.session.get(Event, event_id), utcnow())
