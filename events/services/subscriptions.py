"""Organizer messages a person no longer wants (the one-click unsubscribe, RFC 8058).

Stopping them touches one registration only, and never the messages about the
registration itself (confirmations, changes, cancellations, reminders).
"""

import sqlalchemy as sa

from events.extensions import db
from events.messages import unsubscribe
from events.models import Registration, utcnow
from events.unit_of_work import command


def find_by_ticket_token(token: str) -> Registration | None:
    """The registration whose ticket page this is; None for an unknown or odd token."""
    if not token or len(token) > 64 or "\x00" in token:
        return None
    return db.session.scalar(sa.select(Registration).where(Registration.ticket_token == token))


def registration_to_stop(token: str, signature: str) -> Registration | None:
    """The registration named by an unsubscribe link, if its signature is right."""
    registration = find_by_ticket_token(token)
    if registration is None or not unsubscribe.is_valid(token, signature or ""):
        return None
    return registration


@command
def stop_organizer_messages(registration_id: int) -> None:
    """No more organizer messages for this registration; doing it twice changes nothing."""
    registration = db.session.get(Registration, registration_id)
    if registration.organizer_messages_stopped_at is None:
        registration.organizer_messages_stopped_at = utcnow()
