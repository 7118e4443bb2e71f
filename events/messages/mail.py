"""Composing emails from the template pairs in templates/email/ into the outbox.

Every message is rendered in the recipient's language, from `email/<kind>.txt`
and `email/<kind>.html`, and stored whole (bodies, invite, QR code) in the
caller's transaction; `services/outbox.py` delivers it after the commit.
"""

from urllib.parse import quote_plus

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from events.messages import ics
from events.messages.mime import QR_CONTENT_ID, one_line
from events.messages.qr import ticket_png
from events.models import OutboxMessage, Registration
from events.services.outbox import enqueue

# kind: (subject, attach the ticket, calendar METHOD)
REGISTRATION_EMAILS = {
    "confirmed": (_l("Registration confirmed: %(title)s"), True, ics.REQUEST),
    "waitlisted": (_l("Waiting list: %(title)s"), False, None),
    "pending": (_l("Application received: %(title)s"), False, None),
    "promoted": (_l("A seat is yours: %(title)s"), True, ics.REQUEST),
    "accepted": (_l("Application accepted: %(title)s"), True, ics.REQUEST),
    "declined": (_l("Application not accepted: %(title)s"), False, None),
    "cancelled": (_l("Registration cancelled: %(title)s"), False, ics.CANCEL),
    "event_changed": (_l("Change of time or place: %(title)s"), False, ics.REQUEST),
    "event_cancelled": (_l("Event cancelled: %(title)s"), False, ics.CANCEL),
    "reminder": (_l("Reminder: %(title)s"), True, None),
    "organizer_message": (_l("Message about %(title)s"), False, None),
}


def absolute_url(endpoint: str, **values) -> str:
    """A link for an email or a calendar: BASE_URL plus the route's path.

    Built without the request, so that commands run from cron make the same
    links as the web pages.
    """
    adapter = current_app.url_map.bind("localhost", script_name="/")
    return current_app.config["BASE_URL"] + adapter.build(endpoint, values)


def map_url(event) -> str | None:
    place = ", ".join(part for part in (event.venue_name, event.venue_address) if part)
    return f"https://www.openstreetmap.org/search?query={quote_plus(place)}" if place else None


def queue_registration_email(
    kind: str,
    registration: Registration,
    with_calendar: bool = True,
    subject_text: str | None = None,
    **context,
) -> OutboxMessage:
    """Compose the `kind` message for a registration and add it to the outbox.

    `with_calendar=False` leaves out the invite, for people who never got one
    (a waiting list place learning that the event changed); `subject_text`
    replaces the usual subject (an organizer's own message).
    """
    subject, with_ticket, method = REGISTRATION_EMAILS[kind]
    if not with_calendar:
        method = None
    manage_url = absolute_url("registration.manage", token=registration.manage_token)
    event = registration.event
    with force_locale(registration.language):
        message = _render(
            kind,
            registration.email,
            subject_text or _subject(subject, event.title),
            registration=registration,
            event=event,
            manage_url=manage_url,
            map_url=map_url(event),
            with_ticket=with_ticket,
            qr_cid=QR_CONTENT_ID,
            **context,
        )
    message.registration_id = registration.id
    if with_ticket:
        message.qr_png = ticket_png(registration.ticket_code, box_size=8)
    if method:
        message.calendar = ics.invite(registration, manage_url, method).decode()
        message.calendar_method = method
    return enqueue(message)


def queue_templated(kind: str, recipient: str, language: str, subject, **context):
    """Render templates/email/<kind>.txt and .html in `language` and queue the message."""
    with force_locale(language):
        return enqueue(_render(kind, recipient, str(subject), **context))


def _subject(subject, title: str) -> str:
    return str(subject) % {"title": one_line(title, 150)}


def _render(kind: str, recipient: str, subject_text: str, **context) -> OutboxMessage:
    return OutboxMessage(
        kind=kind,
        recipient=recipient,
        subject=one_line(subject_text, 300),
        body_text=render_template(f"email/{kind}.txt", **context),
        body_html=render_template(f"email/{kind}.html", **context),
    )
