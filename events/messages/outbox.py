"""The mail outbox: messages are rows first, deliveries second.

`enqueue` adds a row in the caller's transaction, so a message exists if and
only if the change that caused it was committed. `deliver_pending` sends what
is due in three steps, so that no database transaction stays open while an
SMTP server is being talked to:

1. claim a batch: due rows get a lease (`locked_until`) and one more attempt,
   and are rendered from their frozen facts (`compose`); on PostgreSQL the rows
   are read with FOR UPDATE SKIP LOCKED, so several workers never claim the
   same row;
2. send them (SMTP when MAIL_SERVER is set, else .eml files in instance/mail/);
3. record each outcome: sent; failed for good (a 5xx answer, a bad address);
   or retried later with exponential backoff (4xx answers, a server that is down).

A message whose send succeeded is never sent again. If a process dies between
the SMTP server's "250 OK" and step 3, the lease expires and the message goes
out a second time: SMTP offers no way to ask whether it arrived.
"""

import logging
import smtplib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import flask_mail
import sqlalchemy as sa
from flask import after_this_request, current_app, g, has_request_context

from events.extensions import db
from events.messages.compose import build_message
from events.messages.ics import uid_domain
from events.messages.mime import PreparedMessage
from events.models import OutboxMessage, OutboxStatus, utcnow
from events.unit_of_work import command

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 10  # the 10th attempt comes about 8.5 hours after the first


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    errors: list[str] = field(default_factory=list)


def enqueue(message: OutboxMessage) -> OutboxMessage:
    """Add a message to the outbox; it is delivered after the caller commits."""
    db.session.add(message)
    if has_request_context() and current_app.config.get("MAIL_SEND_AFTER_RESPONSE"):
        _deliver_after_response()
    return message


def _deliver_after_response() -> None:
    """Send once the response has gone out, so that mail never slows a page down."""
    if g.get("outbox_delivery_scheduled"):
        return
    g.outbox_delivery_scheduled = True
    app = current_app._get_current_object()

    @after_this_request
    def _schedule(response):
        def _deliver():
            with app.app_context():
                try:
                    deliver_due()
                except Exception:  # the outbox keeps the message for a later try
                    log.exception("Delivering the outbox after a response failed")

        response.call_on_close(_deliver)
        return response


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... attempt, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def deliver_pending(limit: int = 50, now: datetime | None = None) -> DeliveryReport:
    """Deliver one batch of up to `limit` due messages; returns what happened to them."""
    now = now or utcnow()
    batch = _claim(limit, now)
    outcomes = _send(batch)
    return _record(outcomes, now)


def deliver_due(batch: int = 50, rounds: int = 40) -> DeliveryReport:
    """Deliver batches until nothing is due (at most `rounds` batches)."""
    total = DeliveryReport()
    for _ in range(rounds):
        report = deliver_pending(limit=batch)
        total.sent += report.sent
        total.failed += report.failed
        total.retrying += report.retrying
        total.errors += report.errors
        if report.sent + report.failed + report.retrying < batch:
            break
    return total


@command
def _claim(limit: int, now: datetime) -> list[tuple[int, EmailMessage | Exception]]:
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.next_attempt_at <= now,
            sa.or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    batch = []
    for row in rows:
        row.locked_until = now + LEASE
        row.attempts += 1
        try:
            batch.append((row.id, build_message(row, sender, uid_domain())))
        except Exception as error:  # noqa: BLE001 - e.g. an address the email package refuses
            batch.append((row.id, error))
    return batch


def _send(batch) -> list[tuple[int, Exception | None]]:
    """Send each message; None for a success, else the error. No database access here."""
    if not batch:
        return []
    if not current_app.config.get("MAIL_SERVER"):
        return [(row_id, _write_eml(row_id, mime)) for row_id, mime in batch]
    outcomes = []
    try:
        with TimedConnection(current_app.extensions["mail"]) as connection:
            for row_id, mime in batch:
                error = _send_one(connection, mime)
                outcomes.append((row_id, error))
                if isinstance(error, CONNECTION_LOST):
                    break  # the connection is gone (or timed out): the rest wait for a retry
    except (smtplib.SMTPException, OSError) as error:  # could not connect, or QUIT failed
        done = {row_id for row_id, _ in outcomes}
        outcomes += [(row_id, error) for row_id, _ in batch if row_id not in done]
    done = {row_id for row_id, _ in outcomes}
    stopped = smtplib.SMTPServerDisconnected("not tried: the connection was lost before it")
    return outcomes + [(row_id, stopped) for row_id, _ in batch if row_id not in done]


# Errors after which the connection cannot carry another message.
CONNECTION_LOST = (smtplib.SMTPServerDisconnected, TimeoutError, ConnectionError)


class TimedConnection(flask_mail.Connection):
    """Flask-Mail's SMTP connection, with a timeout (MAIL_TIMEOUT seconds) on
    connecting and on every answer awaited: a server that accepts and never
    answers costs one timeout per batch, not a worker stuck for good. The
    server is read from the configuration at each batch."""

    def configure_host(self) -> smtplib.SMTP:
        config = current_app.config
        kind = smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP
        host = kind(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"])
        if config.get("MAIL_USE_TLS"):
            host.starttls()
        if config.get("MAIL_USERNAME") and config.get("MAIL_PASSWORD"):
            host.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        return host


def _send_one(connection, mime) -> Exception | None:
    if isinstance(mime, Exception):
        return mime
    try:
        connection.send(PreparedMessage(mime))
    except Exception as error:  # noqa: BLE001 - recorded on the row; the batch goes on
        return error
    return None


def _write_eml(row_id: int, mime) -> Exception | None:
    if isinstance(mime, Exception):
        return mime
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{row_id:06d}.eml"
    path.write_bytes(mime.as_bytes())
    log.warning("No MAIL_SERVER set: mail to %s written to %s", mime["To"], path)
    return None


def is_permanent(error: Exception) -> bool:
    """Worth retrying: 4xx answers and network trouble. Everything else fails for good:
    5xx answers, and messages the email package or Flask-Mail cannot send at all."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return not isinstance(error, (smtplib.SMTPException, OSError))


@command
def _record(outcomes, now: datetime) -> DeliveryReport:
    report = DeliveryReport()
    for row_id, error in outcomes:
        row = db.session.get(OutboxMessage, row_id)
        row.locked_until = None
        if error is None:
            row.status, row.sent_at, row.last_error = OutboxStatus.SENT, now, None
            report.sent += 1
            continue
        row.last_error = f"{type(error).__name__}: {error}"[:2000]
        report.errors.append(f"#{row_id} to {row.recipient}: {row.last_error}")
        if is_permanent(error) or row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.FAILED
            report.failed += 1
        else:
            row.next_attempt_at = now + retry_delay(row.attempts)
            report.retrying += 1
        log.warning("Mail #%s to %s not sent: %s", row_id, row.recipient, row.last_error)
    return report


def prune_sent(older_than: timedelta, now: datetime | None = None) -> int:
    """Delete sent messages older than `older_than` (they hold personal data); returns
    how many. Failed and pending messages stay for a person to look at."""
    cutoff = (now or utcnow()) - older_than
    result = db.session.execute(
        sa.delete(OutboxMessage).where(
            OutboxMessage.status == OutboxStatus.SENT, OutboxMessage.sent_at < cutoff
        )
    )
    return result.rowcount


def outbox_summary() -> dict:
    """Counts per status, and the messages that need a person's attention."""
    counts = dict(
        db.session.execute(
            sa.select(OutboxMessage.status, sa.func.count()).group_by(OutboxMessage.status)
        ).all()
    )
    unsent = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.status != OutboxStatus.SENT)
        .order_by(OutboxMessage.id)
        .limit(100)
    ).all()
    return {"counts": counts, "unsent": unsent}
