"""The outbox under failure: a server that is down, one that refuses, two workers at once."""

import contextlib
import os
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.messages.outbox import MAX_ATTEMPTS, deliver_pending, enqueue, retry_delay
from events.models import OutboxMessage, OutboxStatus, Registration, utcnow
from events.services.registration import register_attendee
from tests.conftest import csrf_token, free_port, start_smtp_server
from tests.factories import attendee, form_data, make_event

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dead_port():
    """A loopback port where no SMTP server listens (yet)."""
    return free_port()


@pytest.fixture
def app_config(dead_port):
    return {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": dead_port}


def outbox(app):
    with app.app_context():
        return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_a_registration_succeeds_while_the_mail_server_is_down_and_mail_follows(
    app, client, dead_port
):
    with app.app_context():
        slug = make_event().slug
    url = f"/events/{slug}/register"
    data = {**form_data(email="ola@example.org"), "csrf_token": csrf_token(client, url)}
    with client.post(url, data=data) as response:
        assert response.status_code == 302  # the registration is done
    [message] = outbox(app)
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1 and "ConnectionRefusedError" in message.last_error
    assert message.next_attempt_at > utcnow()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1

    server = start_smtp_server(dead_port)  # the server comes back
    try:
        with app.app_context():
            assert deliver_pending().sent == 0  # not due yet: backoff
            report = deliver_pending(now=message.next_attempt_at + timedelta(seconds=1))
        assert report.sent == 1
        assert len(server.inbox.to("ola@example.org")) == 1
    finally:
        server.stop()
    assert outbox(app)[0].status == OutboxStatus.SENT


def test_retries_back_off_and_end_as_failed(app):
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(minutes=m) for m in (1, 2, 4)]
    assert retry_delay(30) == timedelta(hours=6)
    with app.app_context():
        register_attendee(make_event().id, attendee(email="never@example.org"))
        now = utcnow()
        for _ in range(MAX_ATTEMPTS):
            now += timedelta(hours=7)
            deliver_pending(now=now)
        now += timedelta(hours=7)
        assert deliver_pending(now=now).sent == 0  # failed messages are left alone
    [message] = outbox(app)
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == MAX_ATTEMPTS


@pytest.fixture
def refusing_server(app, dead_port):
    """A server on the port the app sends to, refusing nobody@example.org."""
    server = start_smtp_server(dead_port)
    server.inbox.refuse.add("nobody@example.org")
    yield server
    server.stop()


def test_a_refused_recipient_is_marked_failed_with_the_reason_and_others_still_go(
    app, refusing_server
):
    with app.app_context():
        event = make_event()
        register_attendee(event.id, attendee(email="nobody@example.org"))
        register_attendee(event.id, attendee(email="somebody@example.org"))
        report = deliver_pending()
    assert (report.sent, report.failed, report.retrying) == (1, 1, 0)
    failed, sent = outbox(app)
    assert failed.status == OutboxStatus.FAILED and failed.attempts == 1
    assert "550" in failed.last_error and "No such user" in failed.last_error
    assert sent.status == OutboxStatus.SENT
    assert len(refusing_server.inbox.to("somebody@example.org")) == 1


def test_outbox_status_lists_what_was_not_sent(app, runner, refusing_server):
    with app.app_context():
        register_attendee(make_event().id, attendee(email="nobody@example.org"))
        deliver_pending()
    result = runner.invoke(args=["outbox-status"])
    assert result.exit_code == 0
    assert "pending: 0, sent: 0, failed: 1" in result.output
    assert "confirmed to nobody@example.org" in result.output and "550" in result.output


def test_two_worker_processes_deliver_each_of_200_messages_exactly_once(app, database_url):
    server = start_smtp_server()
    server.inbox.delay = 0.02  # about 4 s of work: the two workers surely overlap
    with app.app_context():
        for number in range(200):
            enqueue(
                OutboxMessage(
                    kind="test",
                    recipient=f"person{number}@example.org",
                    facts={  # as rendered before facts existed: sent as it is
                        "rendered": {
                            "subject": f"Message {number}",
                            "body_text": "Tekst",
                            "body_html": "<p>Tekst</p>",
                        }
                    },
                )
            )
        db.session.commit()
        db.engine.dispose()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(server.port),
        "APP_ENV": "development",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "outbox-worker", "--once"]
    try:
        workers = [
            subprocess.Popen(
                command + ["--batch", "7"],
                env=env,
                cwd=ROOT,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for _ in range(2)
        ]
        outputs = [worker.communicate(timeout=300)[0] for worker in workers]
        assert [worker.returncode for worker in workers] == [0, 0], outputs
    finally:
        server.stop()
    subjects = [message["Subject"] for _, message in server.inbox.messages]
    assert sorted(subjects) == sorted(f"Message {number}" for number in range(200))
    assert all("sent" in output for output in outputs), outputs  # both took part
    assert {m.status for m in outbox(app)} == {OutboxStatus.SENT}


def test_prune_outbox_deletes_old_sent_messages_only(app, runner, refusing_server):
    with app.app_context():
        event = make_event()
        for address in ("old@example.org", "new@example.org", "nobody@example.org"):
            register_attendee(event.id, attendee(email=address))
        deliver_pending()
        old = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.recipient == "old@example.org")
        )
        old.sent_at = utcnow() - timedelta(days=40)
        db.session.commit()
    result = runner.invoke(args=["prune-outbox", "--days", "30"])
    assert result.exit_code == 0 and "1 sent message(s)" in result.output
    assert sorted(m.recipient for m in outbox(app)) == ["new@example.org", "nobody@example.org"]


def test_in_production_only_the_worker_delivers():
    from events.config import load_config

    production = {"APP_ENV": "production", "MAIL_SEND_AFTER_RESPONSE": "true"}
    assert load_config(production)["MAIL_SEND_AFTER_RESPONSE"] is False
    assert load_config({})["MAIL_SEND_AFTER_RESPONSE"] is True


def test_a_server_that_never_answers_costs_one_timeout_and_blocks_nothing(app):
    """It accepts the connection and says nothing: the batch gives up after MAIL_TIMEOUT."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel accepts connections; nobody ever answers them
    app.config.update(MAIL_PORT=silent.getsockname()[1], MAIL_TIMEOUT=1)
    try:
        with app.app_context():
            event = make_event()
            for number in range(3):
                register_attendee(event.id, attendee(email=f"osoba{number}@example.org"))
            report = deliver_pending()
        silent.settimeout(0)
        connections = []
        with contextlib.suppress(BlockingIOError):
            while True:
                connections.append(silent.accept()[0])
        assert len(connections) == 1  # one connection, one timeout for the batch, not one each
        for connection in connections:
            connection.close()
        assert report.sent == 0 and report.retrying == 3
        assert all("timed out" in row.last_error for row in outbox(app))
    finally:
        silent.close()

    server = start_smtp_server()  # the next round goes to a server that works
    app.config.update(MAIL_PORT=server.port)
    try:
        with app.app_context():
            report = deliver_pending(now=utcnow() + timedelta(hours=1))
        assert report.sent == 3
        for number in range(3):
            assert len(server.inbox.to(f"osoba{number}@example.org")) == 1
    finally:
        server.stop()


def test_a_connection_lost_mid_batch_costs_the_untried_nothing(app):
    """The server drops the connection at the second message: the first is sent, the
    second waits for its backoff, and the two behind it, never tried, count no attempt
    and go in the next round; the second then goes alone, and none goes twice."""
    from aiosmtpd.controller import Controller

    received, connections = [], []

    class DropsTheSecond:
        async def handle_MAIL(self, server, session, envelope, address, options):  # noqa: N802
            if not connections or connections[-1][0] is not session:
                connections.append((session, []))
            envelope.mail_from = address
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
            connections[-1][1].extend(envelope.rcpt_tos)
            if len(received) == 1 and not getattr(self, "dropped", False):
                self.dropped = True
                server.transport.close()
                return "421 4.3.0 Closing"
            received.extend(envelope.rcpt_tos)
            return "250 OK"

    flaky = Controller(DropsTheSecond(), hostname="127.0.0.1", port=free_port())
    flaky.start()
    app.config.update(MAIL_PORT=flaky.port)
    try:
        with app.app_context():
            event = make_event()
            for number in range(4):
                register_attendee(event.id, attendee(email=f"osoba{number}@example.org"))
            report = deliver_pending()
            assert (report.sent, report.retrying, report.untried) == (1, 1, 2)
            assert [(row.attempts, row.status) for row in outbox(app)] == [
                (1, OutboxStatus.SENT),
                (1, OutboxStatus.PENDING),
                (0, OutboxStatus.PENDING),  # not tried: no attempt, no error, no delay
                (0, OutboxStatus.PENDING),
            ]
            assert [row.last_error is None for row in outbox(app)] == [True, False, True, True]
            assert deliver_pending().sent == 2  # the next round: the two behind it
            report = deliver_pending(now=utcnow() + timedelta(hours=1))
        assert report.sent == 1
    finally:
        flaky.stop()
    assert sorted(received) == [f"osoba{number}@example.org" for number in range(4)]
    assert connections[-1][1] == ["osoba1@example.org"]  # its retry went alone
