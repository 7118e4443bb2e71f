"""Creating and changing events: the organizer's side of the programme.

Every function validates, locks the event where seats are at stake, writes
the audit log and commits. Changes of time or place and cancellations tell the
registrants (see `event_changes`); more seats go to the waiting list first.
"""

import enum
import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.messages.mail import queue_registration_email
from events.models import (
    Event,
    EventKind,
    EventStatus,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    User,
)
from events.services import DomainError, audit
from events.services.availability import confirmed_count
from events.services.event_changes import Schedule, apply_schedule
from events.services.registration import lock_event, promote_from_waitlist, waitlist_position

AUDITED = (
    "title", "slug", "kind", "description", "starts_at", "ends_at", "venue_name",
    "venue_address", "county", "online_url", "capacity", "registration_opens_at",
    "registration_closes_at", "mode", "waitlist_enabled", "status",
)  # fmt: skip


class EventAdminError(DomainError):
    """Codes: invalid, over_capacity (with `field_errors` and `extra`), cancelled."""

    def __init__(self, code, message, field_errors=None, extra=0):
        super().__init__(code, message)
        self.field_errors = field_errors or {}
        self.extra = extra


class Overflow(enum.StrEnum):
    """What happens to confirmed people beyond a lowered capacity."""

    WAITLIST = "waitlist"  # they go back to the head of the waiting list
    CANCEL = "cancel"  # their registrations are cancelled (they are told)


@dataclass
class EventData:
    title: str
    kind: EventKind
    description: str
    starts_at: datetime
    ends_at: datetime
    venue_name: str
    venue_address: str
    county: str
    online_url: str | None
    capacity: int | None
    registration_opens_at: datetime | None
    registration_closes_at: datetime | None
    mode: RegistrationMode
    waitlist_enabled: bool


def field_errors(data: EventData) -> dict[str, str]:
    """Rules between fields; each message belongs next to the field named."""
    errors = {}
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _l("The end must be after the start.")
    if data.registration_closes_at and data.registration_closes_at > data.starts_at:
        errors["registration_closes_at"] = _l("Registration must close before the event starts.")
    if data.registration_opens_at and data.registration_opens_at >= data.starts_at:
        errors["registration_opens_at"] = _l("Registration must open before the event starts.")
    if (
        data.registration_opens_at
        and data.registration_closes_at
        and data.registration_opens_at >= data.registration_closes_at
    ):
        errors["registration_closes_at"] = _l("Registration must close after it opens.")
    return errors


def slugify(title: str) -> str:
    """A readable address from a title: "Szkolenie – Piła" becomes "szkolenie-pila"."""
    text = title.lower().replace("ł", "l")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:80] or "wydarzenie"


def unique_slug(title: str, exclude_id: int | None = None) -> str:
    base = slugify(title)
    slug, number = base, 1
    while db.session.scalar(
        sa.select(Event.id).where(Event.slug == slug, Event.id != (exclude_id or 0))
    ):
        number += 1
        slug = f"{base}-{number}"
    return slug


def create_event(data: EventData, user: User) -> Event:
    """A new draft event. Raises EventAdminError "invalid"."""
    _check(data)
    event = Event(slug=unique_slug(data.title), status=EventStatus.DRAFT, **_values(data))
    db.session.add(event)
    db.session.flush()
    audit.record("event_created", user, event.id, after=audit.snapshot(event, AUDITED))
    db.session.commit()
    return event


def update_event(
    event_id: int,
    data: EventData,
    user: User,
    overflow: Overflow | None = None,
    note: str | None = None,
) -> Event:
    """Change an event. A new time or place notifies the registrants; more seats
    promote people from the waiting list; fewer seats than confirmed people needs
    `overflow` (else EventAdminError "over_capacity", carrying how many are extra)."""
    _check(data)
    try:
        event = lock_event(event_id)
        if event.status == EventStatus.CANCELLED:
            raise EventAdminError(
                "cancelled", _l("A cancelled event cannot be changed. Duplicate it instead.")
            )
        before = audit.snapshot(event, AUDITED)
        confirmed = confirmed_count(event.id)
        extra = 0 if data.capacity is None else confirmed - data.capacity
        if extra > 0 and overflow is None:
            raise EventAdminError(
                "over_capacity",
                _l(
                    "%(count)d confirmed people do not fit in the new capacity. "
                    "Choose what happens to them.",
                    count=extra,
                ),
                {"capacity": _l("More people are confirmed than this.")},
                extra,
            )
        schedule = Schedule(
            data.starts_at, data.ends_at, data.venue_name, data.venue_address, data.online_url
        )
        apply_schedule(event, schedule, note)  # a draft has nobody registered to tell
        for name, value in _values(data).items():
            setattr(event, name, value)
        if extra > 0:
            _remove_overflow(event, extra, overflow)
        promote_from_waitlist(event)
        audit.record(
            "event_updated", user, event.id, before=before, after=audit.snapshot(event, AUDITED)
        )
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return event


def _remove_overflow(event: Event, extra: int, overflow: Overflow) -> None:
    """The latest confirmed registrations leave their seats."""
    latest = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
        .order_by(Registration.id.desc())
        .limit(extra)
    ).all()
    for registration in latest:
        if overflow == Overflow.WAITLIST:
            registration.status = RegistrationStatus.WAITLISTED
            db.session.flush()
            queue_registration_email(
                "waitlisted", registration, position=waitlist_position(registration)
            )
        else:
            registration.status = RegistrationStatus.CANCELLED
            queue_registration_email("cancelled", registration)
    db.session.flush()


def publish_event(event_id: int, user: User) -> Event:
    event = lock_event(event_id)
    if event.status == EventStatus.DRAFT:
        event.status = EventStatus.PUBLISHED
        audit.record(
            "event_published",
            user,
            event.id,
            before={"status": "draft"},
            after={"status": "published"},
        )
    db.session.commit()
    return event


def duplicate_event(event_id: int, user: User) -> Event:
    """A draft copy (same details, no registrations), to adapt for the next date."""
    original = db.session.get(Event, event_id)
    values = {field.name: getattr(original, field.name) for field in fields(EventData)}
    values["title"] = f"{original.title} (kopia)"[:200]
    copy = Event(slug=unique_slug(values["title"]), status=EventStatus.DRAFT, **values)
    db.session.add(copy)
    db.session.flush()
    audit.record("event_duplicated", user, copy.id, before={"copy_of_event": original.id})
    db.session.commit()
    return copy


def _check(data: EventData) -> None:
    errors = field_errors(data)
    if errors:
        raise EventAdminError("invalid", _l("Please correct the marked fields."), errors)


def _values(data: EventData) -> dict:
    return {field.name: getattr(data, field.name) for field in fields(EventData)}
