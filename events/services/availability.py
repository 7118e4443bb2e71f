"""Seats and registration windows: what a visitor can do with an event right now."""

import enum
from datetime import datetime

import sqlalchemy as sa

from events.extensions import db
from events.models import Event, EventStatus, Registration, RegistrationStatus


class RegistrationState(enum.StrEnum):
    DRAFT = "draft"
    CANCELLED = "cancelled"
    NOT_OPEN_YET = "not_open_yet"
    OPEN = "open"
    WAITLIST = "waitlist"  # full, but the waiting list takes people
    FULL = "full"  # full, no waiting list
    CLOSED = "closed"


def confirmed_count(event_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )


def status_counts(event_ids: list[int]) -> dict[int, dict[RegistrationStatus, int]]:
    """Registrations per event and status, in one query."""
    counts: dict[int, dict[RegistrationStatus, int]] = {event_id: {} for event_id in event_ids}
    if not event_ids:
        return counts
    rows = db.session.execute(
        sa.select(Registration.event_id, Registration.status, sa.func.count())
        .where(Registration.event_id.in_(event_ids))
        .group_by(Registration.event_id, Registration.status)
    )
    for event_id, status, count in rows:
        counts[event_id][status] = count
    return counts


def registration_closes_at(event: Event) -> datetime:
    """Registration closes at its set time, and at the latest when the event starts."""
    closes = event.registration_closes_at
    return min(closes, event.starts_at) if closes else event.starts_at


def registration_state(event: Event, confirmed: int, now: datetime) -> RegistrationState:
    if event.status == EventStatus.DRAFT:
        return RegistrationState.DRAFT
    if event.status == EventStatus.CANCELLED:
        return RegistrationState.CANCELLED
    if event.registration_opens_at and now < event.registration_opens_at:
        return RegistrationState.NOT_OPEN_YET
    if now >= registration_closes_at(event):
        return RegistrationState.CLOSED
    if event.capacity is not None and confirmed >= event.capacity:
        return RegistrationState.WAITLIST if event.waitlist_enabled else RegistrationState.FULL
    return RegistrationState.OPEN


def seats_left(event: Event, confirmed: int) -> int | None:
    """Free seats, or None when the event has no limit."""
    if event.capacity is None:
        return None
    return max(event.capacity - confirmed, 0)
