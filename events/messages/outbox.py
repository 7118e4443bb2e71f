"""The mail outbox: messages are rows first, deliveries second.

`enqueue` adds a row in the caller's transaction, so a message exists if and
only if the change that caused it was committed. `deliver_pending` sends what
is due in steps, so that no database transaction stays open (and on SQLite no
write lock is held) while mail is rendered or an SMTP server is talked to:

1. claim a batch: due rows get a lease (`locked_until`), and the claim commits;
   on PostgreSQL the rows are read with FOR UPDATE SKIP LOCKED, so several
   workers never claim the same row;
2. render them from their frozen facts (`compose`), reading only;
3. send them (SMTP when MAIL_SERVER is set, else .eml files in instance/mail/),
   recording each message's outcome in its own short transaction right after
   the server's answer: sent; failed for good (a 5xx answer, a bad address);
   or retried later with exponential backoff (4xx answers, a server that is down).

Only a message that was tried counts an attempt. When a message breaks the
connection (the server drops it, or stops answering), the messages behind it
were not tried: their lease is given back and the next round sends them. The
one that broke it waits for its backoff and is then sent alone, on a connection
of its own, after the others, so that it can never sink a batch again.

A message whose send succeeded is never sent again. If a process dies between
the SMTP server's "250 OK" and the record of it, the lease expires and that one
message goes out a second time with the same Message-ID (mime.message_id), so
mail clients show it once: SMTP offers no way to ask whether it arrived.
"""

import logging
import smtplib
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import flask_mail
import sqlalchemy as sa
from flask import Flask, current_app, g
from sqlalchemy.exc import SQLAlchemyError

from events.extensions import db
from events.messages.compose import build_message
from events.messages.ics import uid_domain
from events.messages.mime import PreparedMessage
from events.models import OutboxMessage, OutboxStatus, utcnow
from events.unit_of_work import after_commit, command

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 10  # the 10th attempt comes about 8.5 hours after the first
# The start of last_error for a message after which the connection was gone: its
# next try goes alone. (The reason is shown to people in outbox-status too.)
BROKE_CONNECTION = "the connection broke during this message: "


@dataclass
class DeliveryReport:
    sent: int = 0
    failed: int = 0
    retrying: int = 0
    untried: int = 0  # claimed, then given back: the connection broke before their turn
    errors: list[str] = field(default_factory=list)  # "#id: reason", never an address

    def add(self, other: "DeliveryReport") -> None:
        self.sent += other.sent
        self.failed += other.failed
        self.retrying += other.retrying
        self.untried += other.untried
        self.errors += other.errors


@dataclass
class Claimed:
    id: int
    alone: bool  # its last try broke the connection
    mime: EmailMessage | Exception | None = None  # None until rendered
    recipient: str = ""


def enqueue(message: OutboxMessage) -> OutboxMessage:
    """Add a message to the outbox; it is delivered after the caller commits. A
    person without an address (a walk-in who gave none) gets nothing: not added."""
    if not message.recipient:
        return message
    db.session.add(message)
    after_commit(_note_queued)
    return message


def _note_queued() -> None:
    g.outbox_queued = True


def init_app(app: Flask) -> None:
    """With MAIL_SEND_AFTER_RESPONSE (the embedded run), a request that committed a
    message delivers the outbox once its response has gone out, so that mail never
    slows a page down. In production the worker delivers (`flask outbox-worker`)."""

    @app.after_request
    def _deliver_after_response(response):
        if g.pop("outbox_queued", False) and app.config.get("MAIL_SEND_AFTER_RESPONSE"):
            response.call_on_close(lambda: _deliver_in(app))
        return response


def _deliver_in(app: Flask) -> None:
    with app.app_context():
        try:
            deliver_due()
        except Exception:  # the outbox keeps the message for a later try
            log.exception("Delivering the outbox after a response failed")


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... attempt, at most 6 hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LONGEST_RETRY)


def deliver_pending(limit: int = 50, now: datetime | None = None) -> DeliveryReport:
    """Deliver one batch of up to `limit` due messages; returns what happened to them."""
    now = now or utcnow()
    batch = _claim(limit, now)
    _render(batch)
    report = DeliveryReport()
    if not current_app.config.get("MAIL_SERVER"):
        for item in batch:
            _record(item, _write_eml(item), now, report)
        return report
    # Time left before the lease ends, with a margin: what is not tried by then is
    # given back rather than risk a second worker claiming it while it is sent.
    deadline = time.monotonic() + LEASE.total_seconds() / 2
    untried = _send_on_one_connection([i for i in batch if not i.alone], now, deadline, report)
    for item in (i for i in batch if i.alone):
        untried += _send_on_one_connection([item], now, deadline, report)
    _give_back([item.id for item in untried], report)
    return report


def deliver_due(batch: int = 50, rounds: int = 40) -> DeliveryReport:
    """Deliver batches until nothing is due (at most `rounds` batches)."""
    total = DeliveryReport()
    for _ in range(rounds):
        report = deliver_pending(limit=batch)
        total.add(report)
        tried = report.sent + report.failed + report.retrying
        if tried < batch and not report.untried:  # untried ones are due again at once
            break
    return total


@command
def _claim(limit: int, now: datetime) -> list[Claimed]:
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
    for row in rows:
        row.locked_until = now + LEASE
    return [Claimed(row.id, (row.last_error or "").startswith(BROKE_CONNECTION)) for row in rows]


def _render(batch: list[Claimed]) -> None:
    """Build each claimed message; this only reads, and ends its read transaction."""
    sender = current_app.config["MAIL_DEFAULT_SENDER"]
    domain = uid_domain()
    if not batch:
        return
    try:
        rows = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.id.in_([item.id for item in batch]))
        )
        found = {row.id: row for row in rows}
        for item in batch:
            row = found[item.id]
            item.recipient = row.recipient
            try:
                item.mime = build_message(row, sender, domain)
            except SQLAlchemyError:
                raise  # the database, not the message: the lease brings it back later
            except Exception as error:  # noqa: BLE001 - e.g. an address the email package refuses
                item.mime = error
    finally:
        db.session.rollback()  # nothing was written: this ends the read


def _send_on_one_connection(items, now, deadline, report) -> list[Claimed]:
    """Send `items` in order on one SMTP connection, recording each outcome as it
    comes; returns those not tried (the connection broke, or time ran out)."""
    if not items:
        return []
    if time.monotonic() > deadline:
        return list(items)
    untried, connected = [], False
    try:
        with TimedConnection(current_app.extensions["mail"]) as connection:
            connected = True
            untried = _send_each(connection, items, now, deadline, report)
    except (smtplib.SMTPException, OSError) as error:
        if not connected:  # could not connect: each of them was tried, and waits
            for item in items:
                _record(item, error, now, report)
        # else QUIT failed, after every outcome was recorded
    return untried


def _send_each(connection, items, now, deadline, report) -> list[Claimed]:
    for index, item in enumerate(items):
        if time.monotonic() > deadline:
            return list(items[index:])
        error = _send_one(connection, item)
        lost = isinstance(error, CONNECTION_LOST)
        _record(item, error, now, report, broke_connection=lost)
        if lost:
            return list(items[index + 1 :])
    return []


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


def _send_one(connection, item: Claimed) -> Exception | None:
    if isinstance(item.mime, Exception):
        return item.mime
    try:
        connection.send(PreparedMessage(item.mime, item.recipient))
    except Exception as error:  # noqa: BLE001 - recorded on the row; the batch goes on
        return error
    return None


def _write_eml(item: Claimed) -> Exception | None:
    if isinstance(item.mime, Exception):
        return item.mime
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{item.id:06d}.eml"
    path.write_bytes(item.mime.as_bytes())
    log.warning("No MAIL_SERVER set: mail #%s written to %s", item.id, path)
    return None


def is_permanent(error: Exception) -> bool:
    """Worth retrying: 4xx answers and network trouble. Everything else fails for good:
    5xx answers, and messages the email package or Flask-Mail cannot send at all."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return not isinstance(error, (smtplib.SMTPException, OSError))


def _record(item: Claimed, error, now, report: DeliveryReport, broke_connection=False) -> None:
    outcome = _store_outcome(item.id, error, now, broke_connection)
    setattr(report, outcome, getattr(report, outcome) + 1)
    if error is not None:
        reason = f"{type(error).__name__}: {error}"
        report.errors.append(f"#{item.id}: {reason}")
        # An id, never the address: logs are kept longer than the outbox, and go further.
        log.warning("Mail #%s not sent (%s): %s", item.id, outcome, reason)


@command
def _store_outcome(row_id: int, error, now: datetime, broke_connection: bool) -> str:
    """One message's outcome, in a transaction of its own; returns sent/failed/retrying."""
    row = db.session.get(OutboxMessage, row_id)
    row.locked_until = None
    row.attempts += 1
    if error is None:
        row.status, row.sent_at, row.last_error = OutboxStatus.SENT, utcnow(), None
        return "sent"
    prefix = BROKE_CONNECTION if broke_connection else ""
    row.last_error = f"{prefix}{type(error).__name__}: {error}"[:2000]
    if is_permanent(error) or row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
        return "failed"
    row.next_attempt_at = now + retry_delay(row.attempts)
    return "retrying"


@command
def _give_back(row_ids: list[int], report: DeliveryReport) -> None:
    """Messages claimed and not tried: due again at once, no attempt counted."""
    if row_ids:
        db.session.execute(
            sa.update(OutboxMessage).where(OutboxMessage.id.in_(row_ids)).values(locked_until=None)
        )
        report.untried += len(row_ids)


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
