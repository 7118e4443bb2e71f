"""The mail outbox: messages are rows first, deliveries second.

`queue_email` adds a row in the caller's transaction, so a message exists if
and only if the change that caused it was committed. `deliver_pending` sends
what is waiting: through SMTP when MAIL_SERVER is set, otherwise as .eml files
in instance/mail/ for a newcomer to open. On PostgreSQL the rows are claimed
with FOR UPDATE SKIP LOCKED, so several senders never take the same message.
"""

import logging
import smtplib
from pathlib import Path

import sqlalchemy as sa
from flask import after_this_request, current_app, has_request_context
from flask_mail import Message

from events.extensions import db, mail
from events.models import OutboxMessage, OutboxStatus, utcnow

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def queue_email(kind: str, recipient: str, subject: str, text: str, html: str) -> OutboxMessage:
    """Add a message to the outbox; it is sent after the caller commits."""
    message = OutboxMessage(
        kind=kind, recipient=recipient, subject=subject, body_text=text, body_html=html
    )
    db.session.add(message)
    if has_request_context():
        _deliver_after_response()
    return message


def _deliver_after_response() -> None:
    """Send the outbox once the response has gone out, so mail never slows a page."""
    app = current_app._get_current_object()

    @after_this_request
    def _schedule(response):
        def _deliver():
            with app.app_context():
                deliver_pending()

        response.call_on_close(_deliver)
        return response


def deliver_pending(limit: int = 50) -> int:
    """Send up to `limit` pending messages; returns how many were sent."""
    sent = 0
    while sent < limit:
        message = db.session.scalar(
            sa.select(OutboxMessage)
            .where(
                OutboxMessage.status == OutboxStatus.PENDING,
                OutboxMessage.attempts < MAX_ATTEMPTS,
            )
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if message is None:
            db.session.commit()
            break
        _deliver_one(message)
        db.session.commit()
        sent += message.status == OutboxStatus.SENT
    return sent


def _deliver_one(message: OutboxMessage) -> None:
    message.attempts += 1
    try:
        _send(message)
    except smtplib.SMTPRecipientsRefused as error:
        message.status = OutboxStatus.FAILED
        message.last_error = f"recipient refused: {error.recipients}"
    except (smtplib.SMTPException, OSError) as error:
        message.last_error = f"{type(error).__name__}: {error}"
        if message.attempts >= MAX_ATTEMPTS:
            message.status = OutboxStatus.FAILED
        log.warning("Mail %s to %s not sent yet: %s", message.id, message.recipient, error)
    else:
        message.status = OutboxStatus.SENT
        message.sent_at = utcnow()
        message.last_error = None


def _send(message: OutboxMessage) -> None:
    mime = Message(
        subject=message.subject,
        recipients=[message.recipient],
        body=message.body_text,
        html=message.body_html,
    )
    if current_app.config.get("MAIL_SERVER"):
        mail.send(mime)
        return
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{message.id:06d}-{message.kind}.eml"
    path.write_bytes(mime.as_bytes())
    log.warning("No MAIL_SERVER set: mail to %s written to %s", message.recipient, path)
