"""Queueing emails: a message is an outbox row with its frozen facts.

Every message is stored in the caller's transaction with what it is about (the
registration and event as they are now, and the message's own details), and is
rendered from those facts when it is delivered (`compose`), in the recipient's
language, from `templates/email/<kind>.txt` and `.html`.
"""

from flask_babel import force_locale

from events.messages.compose import REGISTRATION_EMAILS
from events.messages.facts import freeze
from events.messages.outbox import enqueue
from events.models import OutboxMessage, Registration


def queue_registration_email(
    kind: str,
    registration: Registration,
    with_calendar: bool = True,
    subject_text: str | None = None,
    recipient: str | None = None,
    **context,
) -> OutboxMessage:
    """Queue the `kind` message for a registration.

    `with_calendar=False` leaves out the invite, for people who never got one
    (a waiting list place learning that the event changed); `subject_text`
    replaces the usual subject (an organizer's own message). `context` holds
    the message's own details (a waiting-list position, a note); they must be
    plain values, times, registrations or events. `recipient`: another address than
    the person's (a group's coordinator, for a member who gave none).
    """
    if kind not in REGISTRATION_EMAILS:
        raise ValueError(f"unknown email kind {kind!r}")
    facts = {
        "context": freeze({"registration": registration, **context}),
        "with_calendar": with_calendar,
        "subject": subject_text,
    }
    return enqueue(
        OutboxMessage(
            kind=kind,
            recipient=recipient or registration.email,
            language=registration.language,
            facts=facts,
            registration_id=registration.id,
        )
    )


def queue_templated(
    kind: str, recipient: str, language: str, subject, subject_values=None, **context
):
    """Queue templates/email/<kind>.txt and .html for `recipient`, in `language`.

    `subject` is translated into `language` here: a lazy string (`_l`), with
    `subject_values` for its %(name)s places, if any. (A lazy string formatted
    with % by the caller is translated at once, in the caller's language.)
    """
    with force_locale(language):
        subject_text = str(subject)
        if subject_values:
            subject_text %= subject_values
    return enqueue(
        OutboxMessage(
            kind=kind,
            recipient=recipient,
            language=language,
            facts={"context": freeze(context), "subject": subject_text},
        )
    )
