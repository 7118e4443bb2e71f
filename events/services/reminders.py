"""Reminders before an event (and before each later session of a course), sent by
`flask --app app send-reminders` from cron."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from events.extensions import db
from events.messages.mail import queue_registration_email
from events.models import (
    CourseSession,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
    utcnow,
)
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
    return len(registrations) + _remind_later_sessions(hours_before, now)


def _remind_later_sessions(hours_before: int, now: datetime) -> int:
    """A course's later sessions get their own reminder: a registration whose last
    reminder came before this session's reminder window is reminded again."""
    window = timedelta(hours=hours_before)
    sessions = db.session.scalars(
        sa.select(CourseSession)
        .join(Event, Event.id == CourseSession.event_id)
        .where(
            Event.status == EventStatus.PUBLISHED,
            CourseSession.starts_at > Event.starts_at,  # the first one is the event's own
            CourseSession.starts_at > now,
            CourseSession.starts_at <= now + window,
        )
        .order_by(CourseSession.starts_at)
    ).all()
    count = 0
    for session in sessions:
        registrations = db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == session.event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
                sa.or_(
                    Registration.reminder_sent_at.is_(None),
                    Registration.reminder_sent_at < session.starts_at - window,
                ),
            )
            .order_by(Registration.id)
            .with_for_update(skip_locked=True)
        ).all()
        for registration in registrations:
            registration.reminder_sent_at = now
            queue_registration_email(
                "reminder",
                registration,
                session_title=session.title,
                session_starts_at=session.starts_at,
                session_ends_at=session.ends_at,
            )
        count += len(registrations)
    return count
