"""The public programme: published events, filtered, with their seats."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from events.extensions import db
from events.models import Event, EventKind, EventStatus, RegistrationStatus
from events.services.lifecycle import (
    RegistrationState,
    free_seats,
    registration_state,
    seats_taken,
    status_counts,
)
from events.services.organizations.scope import Scope
from events.timezone import from_local, to_local


@dataclass
class Listing:
    event: Event
    state: RegistrationState
    seats_left: int | None
    waitlisted: int


@dataclass
class Filters:
    kind: EventKind | None = None
    county: str | None = None
    month: str | None = None  # "YYYY-MM", in Warsaw time
    include_past: bool = False
    programme_id: int | None = None  # a partnership programme's events only
    organization_id: int | None = None  # events it runs or co-organizes


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The first instant of a "YYYY-MM" month in Warsaw and of the next one.

    Raises ValueError for anything that is not a month.
    """
    year, number = (int(part) for part in month.split("-"))
    start = from_local(datetime(year, number, 1))
    end = from_local(datetime(year + number // 12, number % 12 + 1, 1))
    return start, end


def public_events(filters: Filters, now: datetime, limit: int | None = None) -> list[Listing]:
    """Published and cancelled events, soonest first; past ones only on request;
    the first `limit` of them when it is given."""
    query = sa.select(Event).where(Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]))
    if not filters.include_past:
        query = query.where(Event.ends_at >= now)
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if filters.county:
        query = query.where(Event.county == filters.county)
    if filters.programme_id:
        query = query.where(Event.programme_id == filters.programme_id)
    if filters.organization_id:
        query = query.where(Scope(filters.organization_id, network=False).events())
    if filters.month:
        start, end = month_bounds(filters.month)
        query = query.where(Event.starts_at >= start, Event.starts_at < end)
    query = query.options(selectinload(Event.programme))  # one query for every card's name
    query = query.order_by(Event.starts_at, Event.id).limit(limit)
    events = list(db.session.scalars(query))
    counts = status_counts([event.id for event in events])
    return [_listing(event, counts[event.id], now) for event in events]


def listing_for(event: Event, now: datetime, invited: bool = False) -> Listing:
    """What a visitor can do with one event now (`invited`: with an invitation's link,
    for whom the seats kept for invited people are free)."""
    return _listing(event, status_counts([event.id])[event.id], now, invited)


def listings_for(events: list[Event], now: datetime, counts: dict | None = None) -> list[Listing]:
    """What a visitor can do with each of `events` now, their counts read in one query
    (or given: `status_counts` of these events, read by the caller)."""
    counts = counts if counts is not None else status_counts([event.id for event in events])
    return [_listing(event, counts[event.id], now) for event in events]


def _listing(event: Event, counts: dict, now: datetime, invited: bool = False) -> Listing:
    taken = seats_taken(event, now, invited, confirmed=counts.get(RegistrationStatus.CONFIRMED, 0))
    return Listing(
        event=event,
        state=registration_state(event, taken, now),
        seats_left=free_seats(event, taken),
        waitlisted=counts.get(RegistrationStatus.WAITLISTED, 0),
    )


def upcoming_months(now: datetime) -> list[str]:
    """The "YYYY-MM" months (Warsaw time) in which published events start from now on."""
    starts = db.session.scalars(
        sa.select(Event.starts_at).where(
            Event.status == EventStatus.PUBLISHED, Event.ends_at >= now
        )
    )
    return sorted({to_local(start).strftime("%Y-%m") for start in starts})


def find_public_event(slug: str) -> Event | None:
    """A published or cancelled event by slug; drafts stay hidden."""
    return db.session.scalar(
        sa.select(Event).where(
            Event.slug == slug,
            Event.status.in_([EventStatus.PUBLISHED, EventStatus.CANCELLED]),
        )
    )
