"""Fixtures: a fresh app per test, on SQLite and on PostgreSQL.

Every test that uses `app` runs twice: once on a SQLite file, once on a
PostgreSQL database of its own (created for the test session). Without a
PostgreSQL server the PostgreSQL runs are skipped with a loud reason; with
REQUIRE_POSTGRES=1 (set by CI) they fail instead.
"""

import asyncio
import os
import re
import socket
import uuid
from email import message_from_bytes, policy

import psycopg
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from app import create_app
from events.extensions import db
from tests.factories import make_organization

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRED = {"1", "true", "yes"}


def _required(variable: str) -> bool:
    return os.environ.get(variable, "").lower() in REQUIRED


def skip_or_fail(reason: str, variable: str):
    """Skip loudly on a laptop; fail when the CI variable makes the part mandatory."""
    if _required(variable):
        pytest.fail(f"{reason} ({variable}=1 makes this mandatory)", pytrace=False)
    pytest.skip(f"SKIPPED, NOT TESTED: {reason} (set {variable}=1 to make it a failure)")


def _pg_url(database: str) -> str:
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{database}".replace("postgresql://", "postgresql+psycopg://", 1)


def create_pg_database(prefix: str) -> str:
    """Create an empty PostgreSQL database; returns its SQLAlchemy URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return _pg_url(name)


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_database():
    """One PostgreSQL database for the session's tests, with the schema created."""
    try:
        url = create_pg_database("events_test")
    except psycopg.OperationalError as error:
        yield error
        return
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    engine.dispose()
    yield url
    drop_pg_database(url)


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "BASE_URL": "https://rejestracja.example.org",
        "MAIL_SERVER": None,
        "MAIL_DEFAULT_SENDER": "Działamy Razem <no-reply@example.org>",
        # Cheap hashing keeps logins fast in tests; production uses scrypt.
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Public pages come from their cache, but counts are read every time.
        "READ_CACHE_SECONDS": 0,
        # Suites register and log in many times from one client; tests/test_hardening.py
        # turns the rate limits on where it checks them.
        "RATELIMIT_ENABLED": False,
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    pg = request.getfixturevalue("pg_database")
    if isinstance(pg, Exception):
        skip_or_fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {pg}", "REQUIRE_POSTGRES")
    return pg


@pytest.fixture
def app_config():
    """Extra configuration for `app`; a test module may override this fixture."""
    return {}


@pytest.fixture
def app(database_url, app_config, tmp_path):
    app = make_app(database_url, **app_config)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            db.create_all()
        else:
            _empty_tables()
        make_organization()  # the lead organization, which the migrations always make
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


# The tables whose id sequence handed out a value since it was last restarted.
_MOVED_SEQUENCES = """
SELECT DISTINCT owner.relname FROM pg_sequences AS s
JOIN pg_class AS sequence ON sequence.relname = s.sequencename
JOIN pg_depend AS d ON d.objid = sequence.oid AND d.deptype IN ('a', 'i')
JOIN pg_class AS owner ON owner.oid = d.refobjid
WHERE s.last_value IS NOT NULL
"""


def _empty_tables() -> None:
    """Empty what the last test wrote: the tables holding rows, or whose ids moved
    (TRUNCATE costs a few milliseconds per table, used or not: emptying all of them
    before every test was a good part of the suite's time)."""
    tables = db.metadata.sorted_tables
    holding = " UNION ALL ".join(
        f"SELECT '{table.name}' WHERE EXISTS (SELECT 1 FROM \"{table.name}\")" for table in tables
    )
    dirty = set(db.session.scalars(sa.text(holding))) | set(
        db.session.scalars(sa.text(_MOVED_SEQUENCES))
    )
    names = ", ".join(f'"{table.name}"' for table in tables if table.name in dirty)
    if names:
        db.session.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def ctx(app):
    """An application context, for tests that call services directly.

    Tests of pages do not use it: each request must get its own application
    context (and so its own session and language), as in production. They
    prepare and check data in `with app.app_context():` blocks instead.
    """
    with app.app_context():
        yield


class Inbox:
    """Messages received by the test SMTP server, parsed by Python's email package.

    Recipients listed in `refuse` are refused with a permanent 550 answer.
    """

    def __init__(self):
        self.messages = []
        self.refuse = set()
        self.delay = 0.0  # seconds per message, to make a slow server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        await asyncio.sleep(self.delay)
        message = message_from_bytes(envelope.content, policy=policy.default)
        message.raw_bytes = envelope.content  # as received, for checks of the wire format
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"

    def to(self, address: str):
        return [message for recipients, message in self.messages if address in recipients]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_smtp_server(port: int | None = None) -> Controller:
    """A real SMTP server on loopback; its `inbox` collects what it receives."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    controller.inbox = inbox
    return controller


@pytest.fixture
def smtp_server():
    controller = start_smtp_server()
    yield controller
    controller.stop()


def csrf_token(client, url: str) -> str:
    """The CSRF token of the form on the page at `url`."""
    html = client.get(url).get_data(as_text=True)
    match = (
        re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
        or re.search(r'name="csrf_token" value="([^"]+)"', html)
        or re.search(r'data-csrf="([^"]+)"', html)
    )
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def grouped(code: str) -> str:
    """A ticket code as people see it: in groups of four characters."""
    return " ".join(code[index : index + 4] for index in range(0, len(code), 4))
