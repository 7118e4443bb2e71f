"""Two app servers, one PostgreSQL and one Redis: a registration burst through both never
overbooks, and the rate limits count across both."""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import Event, EventKind, EventStatus, Organization, Registration, utcnow
from tests.conftest import create_pg_database, drop_pg_database, free_port, skip_or_fail

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def shared_database():
    try:
        url = create_pg_database("events_scale")
    except Exception as error:  # noqa: BLE001 - no PostgreSQL here
        skip_or_fail(f"PostgreSQL is not reachable: {error}", "REQUIRE_POSTGRES")
    engine = sa.create_engine(url)
    db.metadata.create_all(engine)
    start = utcnow() + timedelta(days=7)
    with engine.begin() as connection:
        lead = connection.execute(
            sa.insert(Organization)
            .values(name="Działamy Razem", short_name="DR", kind="ngo", counties=[], is_lead=True,
                    contact_email="", contact_phone="", created_at=utcnow())
            .returning(Organization.id)
        ).scalar_one()  # fmt: skip
        connection.execute(
            sa.insert(Event).values(
                organization_id=lead,
                slug="forum-w-koninie", title="Forum partnerstw w Koninie",
                kind=EventKind.SEMINAR, starts_at=start, ends_at=start + timedelta(hours=3),
                county="m-konin", capacity=50, waitlist_enabled=True,
                status=EventStatus.PUBLISHED, created_at=utcnow(), updated_at=utcnow(),
            )
        )  # fmt: skip
    engine.dispose()
    yield url
    drop_pg_database(url)


def start_server(database_url: str, secret: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": secret,  # the same on every server: a session works on each
        "DATABASE_URL": database_url.replace("postgresql+psycopg://", "postgresql://"),
        "BASE_URL": "https://wydarzenia.example.org",
        "MAIL_SERVER": "127.0.0.1",
        "CONTROLLER_NAME": "Stowarzyszenie",
        "CONTROLLER_ADDRESS": "ul. Przykładowa 1, Poznań",
        "CONTROLLER_EMAIL": "iod@example.org",
        # The rate limits' counters in Redis, shared by both servers; the burst comes
        # from one address, so the registration limit is raised for it.
        "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "RATELIMIT_KEY_PREFIX": f"scale_out_{secret[:8]}",
        "RATELIMIT_REGISTRATION": "1000 per minute",
        "RATELIMIT_LOGIN": "4 per minute",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "GUNICORN_ACCESS_LOG": "/dev/null",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)
    raise AssertionError("gunicorn did not start")


def post_form(port: int, path: str, fields: dict) -> int:
    """What a browser does: open the page's form, send it with its session. The status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", path)
    answer = connection.getresponse()
    page = answer.read().decode()
    cookie = answer.headers["Set-Cookie"].split(";", 1)[0]
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    connection.request(
        "POST", path, body=urlencode({"csrf_token": token, **fields}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )  # fmt: skip
    status = connection.getresponse().status
    connection.close()
    return status


def register(port: int, number: int) -> int:
    return post_form(
        port, "/events/forum-w-koninie/register",
        {"first_name": "Anna", "last_name": "Nowak", "email": f"anna.{number}@example.org",
         "organization": "Fundacja Razem", "organization_type": "ngo", "county": "m-konin",
         "dr_member": "yes", "language": "pl", "data_consent": "y"},
    )  # fmt: skip


def log_in_wrongly(port: int) -> int:
    form = {"email": "kto@example.org", "password": "zle haslo do konta"}
    return post_form(port, "/login", form)


def test_two_hundred_people_through_two_servers_for_fifty_seats(shared_database):
    secret = secrets.token_urlsafe(48)
    servers = [start_server(shared_database, secret) for _ in range(2)]
    statuses, lock = Counter(), threading.Lock()
    numbers = iter(range(200))
    try:

        def person_after_person(port):
            while True:
                with lock:
                    number = next(numbers, None)
                if number is None:
                    return
                status = register(port, number)
                with lock:
                    statuses[(port, status)] += 1

        threads = [
            threading.Thread(target=person_after_person, args=(servers[index % 2][1],))
            for index in range(20)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
        # The limits are counted in Redis: 4 logins a minute from one address, whichever
        # server takes them.
        logins = [log_in_wrongly(servers[number % 2][1]) for number in range(5)]
    finally:
        for server, _port in servers:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(30)
    assert logins == [200, 200, 200, 200, 429]
    assert sum(statuses.values()) == 200
    assert {status for _port, status in statuses} == {302}  # every answer a redirect
    assert len({port for port, _status in statuses}) == 2  # both servers took people
    engine = sa.create_engine(shared_database)
    with engine.connect() as connection:
        counts = dict(
            connection.execute(
                sa.select(Registration.status, sa.func.count()).group_by(Registration.status)
            ).all()
        )
    engine.dispose()
    assert counts == {"confirmed": 50, "waitlisted": 150}
