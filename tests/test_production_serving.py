"""What operations rely on: /healthz, request ids, JSON logs, a restarted database."""

import json
import logging
from datetime import timedelta

import sqlalchemy as sa

from events.extensions import db
from events.logs import JsonLines, WithRequestId
from events.messages.outbox import enqueue
from events.models import OutboxMessage, utcnow
from tests.conftest import make_app, skip_or_fail


def test_healthz_is_ok_with_a_database_and_a_moving_outbox(app, client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.get_json() == {
        "status": "ok",
        "database": "ok",
        "outbox": {"pending": 0, "oldest_due_waiting_seconds": 0, "late": False},
    }
    assert answer.headers["Cache-Control"] == "no-store"


def test_late_mail_degrades_healthz_but_only_the_outbox_check_fails(app, client):
    """A stopped outbox worker must not take the web servers out of the balancer."""
    with app.app_context():
        message = OutboxMessage(kind="x", recipient="a@example.org", facts={})
        enqueue(message)
        message.next_attempt_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["status"] == "degraded" and body["outbox"]["pending"] == 1
    assert body["outbox"]["late"] is True
    assert body["outbox"]["oldest_due_waiting_seconds"] >= 7000
    assert client.get("/healthz/outbox").status_code == 503


def test_healthz_is_unhealthy_when_the_database_is_gone(tmp_path):
    """A database that cannot be reached (here: a PostgreSQL port nobody listens on)."""
    app = make_app("postgresql+psycopg://postgres@127.0.0.1:1/none?connect_timeout=2")
    app.instance_path = str(tmp_path)
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 503
    assert app.test_client().get("/healthz/outbox").status_code == 503
    assert answer.get_json()["status"] == "unhealthy"
    assert answer.get_json()["database"].startswith("error: ")


def test_each_answer_names_its_request_and_a_proxy_may_name_it(app, client):
    first, second = client.get("/privacy"), client.get("/privacy")
    assert len(first.headers["X-Request-ID"]) == 32
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]
    # Not behind a trusted proxy: a client cannot choose the id written in the logs.
    chosen = client.get("/privacy", headers={"X-Request-ID": "abcdef123456"})
    assert chosen.headers["X-Request-ID"] != "abcdef123456"
    app.config["TRUSTED_PROXIES"] = 1
    relayed = client.get("/privacy", headers={"X-Request-ID": "abcdef123456"})
    assert relayed.headers["X-Request-ID"] == "abcdef123456"
    odd = client.get("/privacy", headers={"X-Request-ID": "bad id\\r\\nX: y"})
    assert odd.headers["X-Request-ID"] != "bad id\\r\\nX: y"


def test_production_log_lines_are_json_with_the_request_id(app):
    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(JsonLines().format(record))

    keep = Keep()
    keep.addFilter(WithRequestId())
    app.logger.addHandler(keep)
    try:

        @app.get("/say-something")
        def say_something():
            app.logger.warning("Zażółć gęślą jaźń")
            return "ok"

        answer = app.test_client().get("/say-something")
    finally:
        app.logger.removeHandler(keep)
    [line] = [json.loads(text) for text in records]
    assert line["message"] == "Zażółć gęślą jaźń" and line["level"] == "WARNING"
    assert line["request_id"] == answer.headers["X-Request-ID"]


def test_connections_survive_a_database_restart(pg_database, tmp_path):
    """The pool pre-pings: a connection the server closed is replaced, not used."""
    if isinstance(pg_database, Exception):
        skip_or_fail(f"PostgreSQL is not reachable: {pg_database}", "REQUIRE_POSTGRES")
    app = make_app(pg_database)
    app.instance_path = str(tmp_path)
    with app.app_context():
        pid = db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        db.session.commit()
        db.session.remove()  # the connection goes back to the pool
        admin = sa.create_engine(pg_database)
        with admin.connect() as connection:  # what a restart does to each connection
            connection.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        assert db.session.execute(sa.text("SELECT 1")).scalar_one() == 1
        db.engine.dispose()
