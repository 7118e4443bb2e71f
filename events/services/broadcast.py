"""A message from the organizer to the registrants of an event (e.g. a room change)."""

import enum
import re

import sqlalchemy as sa

from events.extensions import db
from events.messages.mail import queue_registration_email
from events.models import ACTIVE_STATUSES, Registration, RegistrationStatus, User
from events.services import audit
from events.unit_of_work import command

# A first line such as "Dzień dobry," or "Dear all!": the email has its own greeting,
# in each registrant's language, so the organizer's is left out.
GREETING = re.compile(
    r"\A\s*(dzień dobry|dzien dobry|witam|witajcie|szanown\w*|cześć|czesc|drodzy|droga|drogi"
    r"|hello|hi|dear|good morning|good afternoon)\b[^\n]{0,60}?[,!.]?[ \t]*(\n|\Z)",
    re.IGNORECASE,
)


def without_greeting(body: str) -> str:
    """The message without a greeting line of its own (the template writes one)."""
    return GREETING.sub("", body, count=1).lstrip("\n") or body


class Audience(enum.StrEnum):
    CONFIRMED = "confirmed"
    ACTIVE = "active"  # confirmed, waiting and awaiting approval


def recipients(event_id: int, audience: Audience) -> list[Registration]:
    statuses = [RegistrationStatus.CONFIRMED] if audience == Audience.CONFIRMED else ACTIVE_STATUSES
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event_id,
                Registration.status.in_(statuses),
                Registration.anonymized_at.is_(None),
                Registration.organizer_messages_stopped_at.is_(None),  # unsubscribed
            )
            .order_by(Registration.id)
        )
    )


@command
def send_to_registrants(
    event_id: int, subject: str, body: str, audience: Audience, user: User
) -> int:
    """Queue the message for every recipient, in one transaction; returns how many."""
    people = recipients(event_id, audience)
    for registration in people:
        queue_registration_email(
            "organizer_message",
            registration,
            subject_text=subject,
            message_subject=subject,
            message_body=without_greeting(body),
        )
    audit.record(
        "message_sent",
        user,
        event_id,
        after={"subject": subject, "audience": audience.value, "recipients": len(people)},
    )
    return len(people)
