"""Limits an attacker runs into: counted without races under parallel requests (on
PostgreSQL as on SQLite), shared between processes through Redis, the door search
that does not hand out the list of registrants, and an erasure that leaves no trace
in the scan records or the mail folder."""

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import OutboxMessage, RegistrationStatus, Scan, ScanMethod
from events.services.accounts import AccountError, authenticate
from events.services.checkin.access import create_link
from events.services.checkin.door import Actor, scan_code
from events.services.lost_link import request_links
from events.services.privacy import erase_person
from events.services.registration import register_attendee
from tests.conftest import csrf_token, make_app, skip_or_fail
from tests.factories import attendee, make_event, make_registration, make_user
from tests.test_concurrency import run_in_parallel

PASSWORD = "zielony balkon nad rzeka"


@pytest.fixture
def app_config():
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_CHECKIN_SEARCH": "5 per minute"}


# Race-free counters


def test_parallel_wrong_passwords_get_exactly_five_checks(app):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)

    results = run_in_parallel(
        app, 20, lambda _i: authenticate("org@example.org", "zgaduje haslo", "203.0.113.5")
    )

    codes = sorted(result.code for result in results if isinstance(result, AccountError))
    assert len(codes) == 20, results
    assert codes.count("invalid") == 5  # five passwords were checked, no more
    assert codes.count("throttled") == 15
    # The organizer's own client still logs in.
    with app.app_context():
        assert authenticate("org@example.org", PASSWORD, "192.0.2.10").email == "org@example.org"


def test_the_throttle_opens_again_after_its_window_and_forgets_old_counters(app):
    from datetime import timedelta

    from events.models import ThrottleCounter, utcnow

    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
        start = utcnow() - timedelta(hours=2)
        for _ in range(5):
            with pytest.raises(AccountError):
                authenticate("org@example.org", "zgaduje haslo", "203.0.113.5", now=start)
        with pytest.raises(AccountError, match="throttled"):
            authenticate("org@example.org", PASSWORD, "203.0.113.5", now=start)
        later = start + timedelta(minutes=16)
        assert authenticate("org@example.org", PASSWORD, "203.0.113.5", now=later)
        authenticate("org@example.org", PASSWORD, "192.0.2.10")  # prunes stale counters
        keys = set(db.session.scalars(sa.select(ThrottleCounter.key)))
        assert keys == {"login-client:192.0.2.10", "login-address:org@example.org"}  # fresh


def test_parallel_lost_link_requests_queue_one_email(app):
    with app.app_context():
        register_attendee(make_event().id, attendee(email="ewa@example.org"), notify=False)

    results = run_in_parallel(app, 20, lambda _i: request_links("ewa@example.org"))

    assert results.count(True) == 1 and results.count(False) == 19, results
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
        assert kinds == ["your_links"]


# Rate-limit counters shared between processes (Redis)


def redis_url() -> str:
    import redis

    url = "redis://127.0.0.1:6379/0"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as error:
        skip_or_fail(f"Redis is not reachable at {url}: {error}", "REQUIRE_REDIS")
    return url


def test_two_app_processes_share_their_limits_through_redis(tmp_path):
    import redis

    url = redis_url()
    client_address = f"test-client-{uuid.uuid4().hex}"  # this run's own counters
    settings = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": url,
        "RATELIMIT_LOST_LINK": "3 per minute",
    }
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    first = make_app(database, **settings)
    with first.app_context():
        db.create_all()
    second = make_app(database, **settings)  # another process: its own Redis client
    statuses = []
    for app in (first, first, second, second):
        client = app.test_client()
        client.set_cookie("lang", "en")
        token = csrf_token(client, "/lost-link")
        answer = client.post(
            "/lost-link",
            data={"email": "x@example.org", "csrf_token": token},
            environ_base={"REMOTE_ADDR": client_address},
        )
        statuses.append(answer.status_code)
    assert statuses == [302, 302, 302, 429]
    store = redis.Redis.from_url(url)
    keys = list(store.scan_iter(f"*{client_address}*"))
    assert keys  # the counters live in Redis
    store.delete(*keys)


def test_with_redis_down_the_site_stays_up_and_still_limits(tmp_path):
    closed_port = "redis://127.0.0.1:1/0"  # nothing listens there
    app = make_app(
        f"sqlite:///{tmp_path / 'down.db'}",
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=closed_port,
        RATELIMIT_LOST_LINK="2 per minute",
    )
    with app.app_context():
        db.create_all()
    client = app.test_client()
    statuses = []
    for _ in range(3):
        token = csrf_token(client, "/lost-link")
        answer = client.post("/lost-link", data={"email": "x@example.org", "csrf_token": token})
        statuses.append(answer.status_code)
    assert statuses == [302, 302, 429]  # counted in memory meanwhile


# The door search


@pytest.fixture
def door(app):
    """An event with confirmed, waiting, cancelled and pending people named Kowalski,
    an organizer, and a volunteer's check-in link."""
    with app.app_context():
        event = make_event(capacity=10)
        organizer = make_user(email="org@example.org", password=PASSWORD)
        for status in RegistrationStatus:
            make_registration(
                event,
                status,
                first_name=status.value.capitalize(),
                last_name="Kowalski",
                email=f"{status.value}.kowalski@example.org",
            )
        _link, token = create_link(event.id, "Wejście A", organizer, 12)
        return {"slug": event.slug, "event_id": event.id, "token": token}


def volunteer(app, door):
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert client.get(f"/checkin/link/{door['token']}").status_code == 302
    return client


def organizer(app):
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    data = {"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302
    return client


def search(client, door, query):
    return client.get(f"/api/checkin/{door['slug']}/search", query_string={"q": query})


def test_a_volunteer_finds_confirmed_people_with_emails_masked(app, door):
    client = volunteer(app, door)
    [person] = search(client, door, "kowalski").get_json()["results"]
    assert person["name"] == "Confirmed Kowalski"
    assert person["email"] == "c…@example.org"
    for query in ("ko", "k", " a b "):
        answer = search(client, door, query)
        assert answer.status_code == 400
        assert answer.get_json()["error"] == "Type at least 3 characters."


def test_an_organizer_sees_whole_emails_and_may_let_the_search_find_the_waiting_list(app, door):
    client = organizer(app)
    [person] = search(client, door, "kowalski").get_json()["results"]
    assert person["email"] == "confirmed.kowalski@example.org"
    token = csrf_token(client, f"/checkin/{door['slug']}/links")
    client.post(f"/checkin/{door['slug']}/door-search", data={"waiting": "1", "csrf_token": token})
    names = {person["name"] for person in search(client, door, "kowalski").get_json()["results"]}
    assert names == {"Confirmed Kowalski", "Waitlisted Kowalski", "Pending Kowalski"}
    # Never the cancelled or declined ones; and the offline list's names match.
    with app.app_context():
        from events.services.listings import find_public_event

        find_public_event(door["slug"]).offline_name_search = True
        db.session.commit()
    offline = client.get(f"/api/checkin/{door['slug']}/dataset").get_json()["names"]
    assert {person["n"] for person in offline} == names


def test_a_volunteers_searches_are_throttled(app, door):
    client = volunteer(app, door)
    statuses = [search(client, door, f"kow{number}").status_code for number in range(5)]
    assert statuses == [200] * 5
    refused = search(client, door, "kowalski")
    assert refused.status_code == 429 and "error" in refused.get_json()
    # The same link on another phone is the same volunteer: still refused.
    assert search(volunteer(app, door), door, "kowalski").status_code == 429


# Erasure


def test_erasure_clears_scan_codes_typed_traces_and_mail_files(app, door):
    with app.app_context():
        person = register_attendee(
            door["event_id"],
            attendee(first_name="Halina", last_name="Zawadzka", email="halina@example.org"),
        )
        from events.messages.outbox import deliver_pending

        deliver_pending()  # no MAIL_SERVER: written to instance/mail/
        code, actor = person.ticket_code, Actor(link_id=1)
        scan_code(door["event_id"], code, ScanMethod.SCANNER, actor)
        scan_code(
            door["event_id"],
            code[:-1] + ("A" if code[-1] != "A" else "B"),
            ScanMethod.SCANNER,
            actor,
        )
        scan_code(door["event_id"], "Zawadzka", ScanMethod.SCANNER, actor)
        scan_code(door["event_id"], "NIEZNANYKOD", ScanMethod.SCANNER, actor)
        folder = Path(app.instance_path) / "mail"
        assert any(b"halina@example.org" in path.read_bytes() for path in folder.glob("*.eml"))

        erase_person("halina@example.org", None)

        codes = db.session.scalars(sa.select(Scan.code).order_by(Scan.id)).all()
        assert codes == ["", "", "", "NIEZNANYKOD"]
        assert not any(b"halina@example.org" in path.read_bytes() for path in folder.iterdir())
