"""Rendering an outbox row into the email a person receives.

A row holds the message's kind, recipient, language and its frozen facts (see
`facts`). The subject, the text and HTML bodies (templates/email/<kind>.txt and
.html), the ticket's QR code and the calendar invite are made here, when the
row is delivered: after the transaction that queued it has committed, so that
no seat lock is held while templates, images and calendars are built. The facts
are those of the moment of the change, so what is sent is what was true then,
whatever happened to the registration since.
"""

import base64
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.messages import ics, unsubscribe
from events.messages.certificate import certificate_pdf
from events.messages.facts import thaw
from events.messages.links import absolute_url, map_url
from events.messages.mime import QR_CONTENT_ID, build_mime, one_line
from events.messages.qr import ticket_png
from events.models import Certificate, OutboxMessage

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
    "certificate": (_l("Certificate of completion: %(title)s"), False, None),
    "session_cancelled": (_l("A session is cancelled: %(title)s"), False, ics.CANCEL),
}


@dataclass
class Rendered:
    """Everything `mime.build_mime` needs."""

    id: int
    recipient: str
    subject: str
    body_text: str
    body_html: str
    calendar: str | None = None
    calendar_method: str | None = None
    qr_png: bytes | None = None
    headers: dict = field(default_factory=dict)  # Reply-To, List-Unsubscribe...
    attachments: list = field(default_factory=list)  # (filename, maintype, subtype, bytes)
    recipient_name: str | None = None  # on To, beside the address
    language: str | None = None  # Content-Language
    created_at: datetime | None = None  # when it was queued: part of its Message-ID


def reply_address(event=None) -> str | None:
    """Where replies go: the event's contact, else ORGANIZER_CONTACT; None: nobody reads them."""
    return (event and event.contact_email) or current_app.config.get("ORGANIZER_CONTACT") or None


def unsubscribe_url(registration) -> str:
    """The one-click link (RFC 8058) that stops organizer messages for this registration."""
    return absolute_url(
        "ticket.stop_messages",
        token=registration.ticket_token,
        signature=unsubscribe.signature(registration.ticket_token),
    )


def render(row: OutboxMessage) -> Rendered:
    """The message of an outbox row, in the recipient's language."""
    rendered = _render(row)
    rendered.language, rendered.created_at = row.language, row.created_at
    return rendered


def _render(row: OutboxMessage) -> Rendered:
    facts = row.facts
    if "rendered" in facts:  # queued before facts existed: sent as it was rendered then
        return _already_rendered(row, facts["rendered"])
    context = thaw(facts.get("context", {}))
    with force_locale(row.language):
        if row.kind in REGISTRATION_EMAILS:
            return _registration_email(row, facts, context)
        subject = one_line(facts["subject"], 300)  # also the HTML's title: filters compare
        reply_to = reply_address()
        context.update(subject=subject, reply_to=reply_to)
        return Rendered(
            row.id,
            row.recipient,
            subject,
            render_template(f"email/{row.kind}.txt", **context),
            render_template(f"email/{row.kind}.html", **context),
            headers={"Reply-To": reply_to} if reply_to else {},
        )


def _registration_email(row: OutboxMessage, facts: dict, context: dict) -> Rendered:
    subject, with_ticket, method = REGISTRATION_EMAILS[row.kind]
    if not facts.get("with_calendar", True):
        method = None
    registration = context["registration"]
    event = registration.event
    manage_url = absolute_url("registration.manage", token=registration.manage_token)
    # Calendars are shared: their entries link to the ticket page, never to manage_url.
    ticket_url = absolute_url("ticket.show", token=registration.ticket_token)
    subject_text = facts.get("subject") or str(subject) % {"title": one_line(event.title, 150)}
    headers = {}
    reply_to = reply_address(event)
    if reply_to:
        headers["Reply-To"] = reply_to
    if row.kind == "organizer_message":
        context["unsubscribe_url"] = unsubscribe_url(registration)
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    if row.kind == "certificate":
        context["verify_url"] = absolute_url(
            "certificates.verify", number=context["certificate_number"]
        )
    context.update(
        event=event,
        manage_url=manage_url,
        ticket_url=ticket_url,
        reply_to=reply_to,
        subject=one_line(subject_text, 300),
        map_url=map_url(event),
        with_ticket=with_ticket,
        qr_cid=QR_CONTENT_ID,
    )
    rendered = Rendered(
        row.id,
        row.recipient,
        one_line(subject_text, 300),
        render_template(f"email/{row.kind}.txt", **context),
        render_template(f"email/{row.kind}.html", **context),
        headers=headers,
    )
    rendered.recipient_name = registration.full_name
    if with_ticket:
        rendered.qr_png = ticket_png(registration.ticket_code, box_size=8)
    if row.kind == "certificate":
        rendered.attachments.append(_certificate_attachment(context["certificate_number"]))
    if method and row.kind == "session_cancelled":
        removed = ics.removed_session(context["removed"])
        rendered.calendar = ics.cancel_session(
            registration, removed, ticket_url, row.created_at
        ).decode()
        rendered.calendar_method = method
    elif method:
        rendered.calendar = ics.invite(registration, ticket_url, method, row.created_at).decode()
        rendered.calendar_method = method
    return rendered


def _certificate_attachment(number: str) -> tuple[str, str, str, bytes]:
    """The certificate's PDF, from what it froze when it was issued."""
    found = db.session.scalar(sa.select(Certificate).where(Certificate.number == number))
    url = absolute_url("certificates.verify", number=number)
    return (f"zaswiadczenie-{number}.pdf", "application", "pdf", certificate_pdf(found, url))


def _already_rendered(row: OutboxMessage, parts: dict) -> Rendered:
    qr_png = base64.b64decode(parts["qr_png"]) if parts.get("qr_png") else None
    return Rendered(
        row.id,
        row.recipient,
        parts["subject"],
        parts["body_text"],
        parts["body_html"],
        parts.get("calendar"),
        parts.get("calendar_method"),
        qr_png,
    )


def build_message(row: OutboxMessage, sender: str, domain: str) -> EmailMessage:
    return build_mime(render(row), sender, domain)
