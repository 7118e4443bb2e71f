"""Reminders before an event, sent by `flask --app app send-reminders` from cron."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from events.extensions import db
from events.messages.mail import queue_registration_email
from events.models import Event, EventStatus, Registration, RegistrationStatus, utcnow
from events.unit_of_work import command

DEFAULT_HOURS_BEFORE = 24


@command
def send_reminders(hours_before: int = DEFAULT_HOURS_BEFORE, now: datetime | None = None) -> int:
    """Queue one reminder per confirmed registration of events starting within `hours_before`.

    A registration is marked in the same transaction as its reminder, so a
    second run (or two runs at once: the rows are locked) never sends it again.
    Returns the number of reminders queued.
    """
    now = now or utcnow()
    registrations = db.session.scalars(
        sa.select(Registration)
        .join(Event)
        .where(
            Event.status == EventStatus.PUBLISHED,
            Event.starts_at > now,
            Event.starts_at <= now + timedelta(hours=hours_before),
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.reminder_sent_at.is_(None),
        )
        .order_by(Registration.id)
        .with_for_update(of=Registration, skip_locked=True)
    ).all()
    for registration in registrations:
        registration.reminder_sent_at = now
        queue_registration_email("reminder", registration)
    return len(registrations)
