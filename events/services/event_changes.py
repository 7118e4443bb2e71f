"""Changes an organizer makes to an event that its registrants must hear about.

The event form changes the time or place through `apply_schedule` (inside
`event_admin.update_event`); cancelling is a command of its own. Each change and its
emails are one transaction.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from events.extensions import db
from events.messages.mail import queue_registration_email
from events.models import (
    ACTIVE_STATUSES,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    User,
    WebhookKind,
)
from events.services import audit, webhooks
from events.services.locking import lock_event
from events.unit_of_work import command


@dataclass
class Schedule:
    """When and where an event happens: what its registrants' calendars hold."""

    starts_at: datetime
    ends_at: datetime
    venue_name: str
    venue_address: str
    online_url: str | None = None


def tell_registrants(event_id: int, kind: str, **context) -> int:
    """Queue the `kind` email to every active registrant; only confirmed people
    (who have the event in their calendar) get the calendar part."""
    registrations = db.session.scalars(
        sa.select(Registration)
        .where(Registration.event_id == event_id, Registration.status.in_(ACTIVE_STATUSES))
        .order_by(Registration.id)
    ).all()
    for registration in registrations:
        has_invite = registration.status == RegistrationStatus.CONFIRMED
        queue_registration_email(kind, registration, with_calendar=has_invite, **context)
    return len(registrations)


def forget_reminders(event_id: int) -> None:
    db.session.execute(
        sa.update(Registration)
        .where(Registration.event_id == event_id)
        .values(reminder_sent_at=None)
    )


def schedule_of(event: Event) -> Schedule:
    return Schedule(
        event.starts_at, event.ends_at, event.venue_name, event.venue_address, event.online_url
    )


def _place(schedule: Schedule) -> str:
    return ", ".join(part for part in (schedule.venue_name, schedule.venue_address) if part)


def what_changed(old: Schedule, new: Schedule) -> dict:
    """The schedule before a change and what differs (old → new in the email); plain
    values and times, so that the message's frozen facts can hold them."""
    return {
        "starts_at": old.starts_at,
        "ends_at": old.ends_at,
        "time_changed": (old.starts_at, old.ends_at) != (new.starts_at, new.ends_at),
        "place": _place(old),
        "place_changed": _place(old) != _place(new),
        "online_changed": (old.online_url or "") != (new.online_url or ""),
    }


def apply_schedule(event: Event, schedule: Schedule, note: str | None = None) -> int:
    """Set a new time or place on a locked event and queue the notices; the caller commits.

    Returns the number of messages queued (0 when nothing changed).
    """
    previous = schedule_of(event)
    if previous == schedule:
        return 0
    if event.starts_at != schedule.starts_at:
        forget_reminders(event.id)  # remind people again before the new date
    event.starts_at, event.ends_at = schedule.starts_at, schedule.ends_at
    event.venue_name, event.venue_address = schedule.venue_name, schedule.venue_address
    event.online_url = schedule.online_url
    event.sequence += 1
    return tell_registrants(
        event.id, "event_changed", note=note, previous=what_changed(previous, schedule)
    )


@command
def cancel_event(event_id: int, user: User | None = None) -> int:
    """Cancel the event; every active registrant is told, calendars get METHOD:CANCEL.

    Registrations keep their status (the record of who had signed up stays);
    the event's status is what closes them. Cancelling twice sends nothing.
    Returns the number of messages queued. Written to the audit log.
    """
    event = lock_event(event_id)
    if event.status == EventStatus.CANCELLED:
        return 0
    before = {"status": event.status.value}
    event.status = EventStatus.CANCELLED
    event.sequence += 1  # calendars and feeds see the change
    told = tell_registrants(event.id, "event_cancelled")
    audit.record(
        "event_cancelled",
        user,
        event.id,
        before=before,
        after={"status": "cancelled", "notified": told},
    )
    webhooks.event_changed(WebhookKind.EVENT_CANCELLED, event)
    return told
