"""The outbox against a mail server that misbehaves, and a worker that dies.

Real parts only: an aiosmtpd server on loopback, the `flask outbox-worker`
command in a process of its own, killed with SIGKILL.
"""

import asyncio
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from events.extensions import db
from events.messages.outbox import MAX_ATTEMPTS, deliver_pending, enqueue
from events.models import OutboxMessage, OutboxStatus, utcnow
from events.services.registration import register_attendee
from tests.conftest import Inbox, free_port
from tests.factories import attendee, make_event

ROOT = Path(__file__).resolve().parent.parent
STALLS = "zawiesza@example.org"


class StallsAtRcpt(Inbox):
    """Says nothing after `RCPT TO:<zawiesza@...>`; keeps a list of recipients per
    connection (the SMTP session), to show which messages travelled together."""

    def __init__(self):
        super().__init__()
        self.connections = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if not hasattr(session, "number"):
            session.number = len(self.connections)
        self.connections.setdefault(session.number, []).append(address)
        if address == STALLS:
            await asyncio.sleep(3)  # the client gave up after MAIL_TIMEOUT (1 s)
            return "451 4.4.2 Too late"
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)


def rows(app):
    with app.app_context():
        return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_message_that_stalls_the_server_fails_alone_and_the_others_are_delivered(app, caplog):
    handler = StallsAtRcpt()
    server = Controller(handler, hostname="127.0.0.1", port=free_port())
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_TIMEOUT=1)
    good = [f"osoba{number}@example.org" for number in range(5)]
    caplog.set_level(logging.WARNING, logger="events.messages.outbox")
    try:
        with app.app_context():
            event = make_event()
            for address in [STALLS, *good]:  # the stalling one first: ahead of the others
                register_attendee(event.id, attendee(email=address))
            first = deliver_pending()
            assert (first.sent, first.retrying, first.untried) == (0, 1, 5)
            second = deliver_pending()  # the next round: the five, not the stalled one
            assert second.sent == 5
            now = utcnow()
            for _ in range(MAX_ATTEMPTS):  # its retries, each after its backoff
                now += timedelta(hours=7)
                deliver_pending(now=now)
    finally:
        server.stop()

    for address in good:
        assert len(handler.to(address)) == 1
    stalled, *delivered = rows(app)
    assert [(row.status, row.attempts) for row in delivered] == [(OutboxStatus.SENT, 1)] * 5
    assert stalled.status == OutboxStatus.FAILED and stalled.attempts == MAX_ATTEMPTS
    assert "the connection broke during this message" in stalled.last_error
    retries = [rcpts for rcpts in handler.connections.values() if STALLS in rcpts][1:]
    assert retries and all(rcpts == [STALLS] for rcpts in retries)  # alone each time
    logged = [r.getMessage() for r in caplog.records if r.name.startswith("events")]
    assert any(f"Mail #{stalled.id} not sent" in line for line in logged)
    assert not [line for line in logged if "@" in line]  # ids in the log, never addresses


def test_a_worker_killed_mid_batch_sends_at_most_one_message_twice_with_one_message_id(
    app, database_url
):
    inbox = Inbox()
    inbox.delay = 0.05  # about 3 s for the lot: the kill lands in the middle of a batch
    server = Controller(inbox, hostname="127.0.0.1", port=free_port())
    server.start()
    with app.app_context():
        for number in range(60):
            enqueue(
                OutboxMessage(
                    kind="test",
                    recipient=f"osoba{number}@example.org",
                    facts={"rendered": {"subject": f"Wiadomość {number}", "body_text": "Tekst",
                                        "body_html": "<p>Tekst</p>"}},
                )
            )  # fmt: skip
        db.session.commit()
        db.engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(server.port),
        "APP_ENV": "development",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "outbox-worker", "--batch", "50"]
    try:
        worker = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)  # fmt: skip
        deadline = time.monotonic() + 120
        while len(inbox.messages) < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(30)
        arrived_before = len(inbox.messages)
        assert 20 <= arrived_before < 50, arrived_before  # killed mid-way, mid-batch
        with app.app_context():  # the lease passes (instead of waiting 5 minutes)
            db.session.execute(sa.update(OutboxMessage).values(locked_until=utcnow()))
            db.session.commit()
            db.engine.dispose()
        restarted = subprocess.run(command + ["--once"], env=env, cwd=ROOT, timeout=300,
                                   capture_output=True, text=True)  # fmt: skip
        assert restarted.returncode == 0, restarted.stderr
    finally:
        server.stop()

    recipients = [recipient for rcpts, _ in inbox.messages for recipient in rcpts]
    assert set(recipients) == {f"osoba{number}@example.org" for number in range(60)}
    twice = {address for address in recipients if recipients.count(address) > 1}
    assert len(twice) <= 1, twice
    for address in twice:
        assert len({message["Message-ID"] for message in inbox.to(address)}) == 1
    assert {row.status for row in rows(app)} == {OutboxStatus.SENT}


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: row locks
def test_mail_is_rendered_and_sent_while_other_writers_go_on(app, smtp_server, monkeypatch):
    """SQLite has one write lock for the whole database: while the outbox renders a
    message, and while it talks to the mail server, another process can begin writing
    at once (BEGIN IMMEDIATE without waiting at all)."""
    from events.messages import compose

    path = app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    seen = []

    def another_writer_may_begin() -> bool:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:  # "database is locked"
            return False
        finally:
            other.close()

    real_render, real_data = compose.render, smtp_server.inbox.handle_DATA

    def render_and_look(row):
        seen.append(("rendering", another_writer_may_begin()))
        return real_render(row)

    async def data_and_look(server, session, envelope):
        seen.append(("sending", another_writer_may_begin()))
        return await real_data(server, session, envelope)

    monkeypatch.setattr(compose, "render", render_and_look)
    monkeypatch.setattr(smtp_server.inbox, "handle_DATA", data_and_look)
    app.config.update(MAIL_SERVER=smtp_server.hostname, MAIL_PORT=smtp_server.port)
    with app.app_context():
        event = make_event()
        for number in range(3):
            register_attendee(event.id, attendee(email=f"osoba{number}@example.org"))
        assert deliver_pending().sent == 3
    assert seen.count(("rendering", True)) == 3 and seen.count(("sending", True)) == 3, seen
