"""The check-in API: every verdict, bad codes, replays, access, and races at the door."""

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import RegistrationMode, Role, Scan, ScanResult, utcnow
from events.services.checkin.access import assign_staff, create_link
from events.services.registration import cancel_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user

PASSWORD = "haslo-do-bramki"


@pytest.fixture
def door(app):
    """An event with a confirmed, a waiting, a cancelled and a pending person, and another event."""
    with app.app_context():
        event = make_event(title="Seminarium w Pile", capacity=2)
        other = make_event(title="Konsultacje w Turku")
        approval = make_event(mode=RegistrationMode.APPROVAL)
        anna = register_attendee(
            event.id,
            attendee(first_name="Anna", last_name="Nowak", organization="Fundacja Wsi"),
            notify=False,
        )
        bolek = register_attendee(event.id, attendee(first_name="Bolesław"), notify=False)
        waiting = register_attendee(event.id, attendee(), notify=False)
        gone = register_attendee(other.id, attendee(), notify=False)
        cancel_registration(gone.id)
        cancelled_here = register_attendee(event.id, attendee(), notify=False)
        cancel_registration(cancelled_here.id)
        elsewhere = register_attendee(other.id, attendee(), notify=False)
        pending = register_attendee(approval.id, attendee(), notify=False)
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
        make_user(email="other-staff@example.org", password=PASSWORD, role=Role.STAFF)
        assign_staff("staff@example.org", event.slug)
        return {
            "slug": event.slug,
            "other_slug": other.slug,
            "approval_slug": approval.slug,
            "anna": anna.ticket_code,
            "anna_id": anna.id,
            "bolek": bolek.ticket_code,
            "waiting": waiting.ticket_code,
            "cancelled": cancelled_here.ticket_code,
            "elsewhere": elsewhere.ticket_code,
            "pending": pending.ticket_code,
        }


def log_in(client, email="staff@example.org"):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return csrf_token(client, "/")


def scan(client, token, slug, code, **extra):
    return client.post(
        f"/api/checkin/{slug}/scan",
        json={"code": code, "method": "scanner", **extra},
        headers={"X-CSRFToken": token},
    )


def test_every_verdict(client, door):
    token = log_in(client)
    slug = door["slug"]
    first = scan(client, token, slug, door["anna"]).get_json()
    assert first["result"] == "checked_in" and first["title"] == "Checked in"
    assert (first["name"], first["organization"]) == ("Anna Nowak", "Fundacja Wsi")
    assert first["counts"] == {"checked_in": 1, "confirmed": 2}

    again = scan(client, token, slug, door["anna"].lower()).get_json()
    assert again["result"] == "already"
    assert "by staff@example.org" in again["detail"]

    wrong = scan(client, token, slug, door["elsewhere"]).get_json()
    assert wrong["result"] == "wrong_event" and "Konsultacje w Turku" in wrong["detail"]
    assert wrong["name"] is None  # nobody from another event is named here

    assert scan(client, token, slug, door["cancelled"]).get_json()["result"] == "cancelled"
    waiting = scan(client, token, slug, door["waiting"]).get_json()
    assert waiting["result"] == "not_confirmed" and "waiting list" in waiting["detail"]
    assert scan(client, token, slug, "NIEMATAKIEGOKODU").get_json()["result"] == "unknown"


def test_a_pending_application_is_not_checked_in(client, door):
    token = log_in(client, "org@example.org")
    verdict = scan(client, token, door["approval_slug"], door["pending"]).get_json()
    assert verdict["result"] == "not_confirmed" and "approval" in verdict["detail"]


@pytest.mark.parametrize(
    "code",
    [
        "",
        "A",
        "x" * 5000,
        "\x00\x01\x02",
        "ĄŻŹ🎉",
        "' OR 1=1 --",
        "%s%s%n",
    ],
)
def test_forged_and_odd_codes_are_unknown_never_errors(client, door, code):
    token = log_in(client)
    response = scan(client, token, door["slug"], code)
    assert response.status_code == 200
    assert response.get_json()["result"] == "unknown"


def test_truncated_or_altered_codes_are_unknown(client, door):
    token = log_in(client)
    code = door["anna"]
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")
    for forged in (code[:-1], altered, code + "A"):
        assert scan(client, token, door["slug"], forged).get_json()["result"] == "unknown"


@pytest.mark.parametrize(
    "body",
    [None, [], "tekst", {"code": 12}, {"code": "X", "method": "telepathy"}],
)
def test_malformed_requests_get_a_json_400(client, door, body):
    token = log_in(client)
    response = client.post(
        f"/api/checkin/{door['slug']}/scan", json=body, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_a_replayed_request_gets_its_first_answer(client, door):
    token = log_in(client)
    first = scan(client, token, door["slug"], door["anna"], nonce="n-1").get_json()
    replay = scan(client, token, door["slug"], door["anna"], nonce="n-1").get_json()
    assert first["result"] == replay["result"] == "checked_in"
    assert replay["replayed"] is True and replay["scan_id"] == first["scan_id"]
    assert scan(client, token, door["slug"], door["anna"], nonce="n-2").get_json()["result"] == (
        "already"
    )


def test_undo_is_recorded_and_allows_a_new_check_in(app, client, door):
    token = log_in(client)
    scan(client, token, door["slug"], door["anna"])
    undo = client.post(
        f"/api/checkin/{door['slug']}/undo",
        json={"registration_id": door["anna_id"]},
        headers={"X-CSRFToken": token},
    ).get_json()
    assert undo["result"] == "undone" and undo["counts"]["checked_in"] == 0
    assert scan(client, token, door["slug"], door["anna"]).get_json()["result"] == "checked_in"
    again = client.post(
        f"/api/checkin/{door['slug']}/undo",
        json={"registration_id": 999999},
        headers={"X-CSRFToken": token},
    )
    assert again.status_code == 404
    with app.app_context():
        results = db.session.scalars(sa.select(Scan.result).order_by(Scan.id)).all()
    assert results == [ScanResult.CHECKED_IN, ScanResult.UNDONE, ScanResult.CHECKED_IN]


def test_search_by_name_and_check_in_from_the_results(client, door):
    token = log_in(client)
    results = client.get(f"/api/checkin/{door['slug']}/search?q=nowak fundacja").get_json()
    [anna] = results["results"]
    assert anna["name"] == "Anna Nowak" and anna["checked_in"] is False
    verdict = client.post(
        f"/api/checkin/{door['slug']}/checkin",
        json={"registration_id": anna["registration_id"]},
        headers={"X-CSRFToken": token},
    ).get_json()
    assert verdict["result"] == "checked_in"
    assert client.get(f"/api/checkin/{door['slug']}/search?q=Bolesław").get_json()["results"]
    assert client.get(f"/api/checkin/{door['slug']}/search?q=bolesław").get_json()["results"]
    assert client.get(f"/api/checkin/{door['slug']}/search?q=%25%25%25").get_json()["results"] == []
    assert client.get(f"/api/checkin/{door['slug']}/search?q=nowak").get_json()["results"][0][
        "checked_in"
    ]


def test_a_person_checked_in_at_one_event_is_not_checked_in_at_another(client, door):
    token = log_in(client, "org@example.org")
    scan(client, token, door["slug"], door["anna"])
    verdict = scan(client, token, door["other_slug"], door["anna"]).get_json()
    assert verdict["result"] == "wrong_event"
    counts = client.get(f"/api/checkin/{door['other_slug']}/counts").get_json()
    assert counts["checked_in"] == 0


def test_access_is_refused_to_anonymous_users_and_to_staff_of_other_events(client, door):
    assert scan(client, "", door["slug"], door["anna"]).status_code in (400, 401)
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/lost-link")
    assert scan(client, token, door["slug"], door["anna"]).status_code == 401
    assert client.get(f"/api/checkin/{door['slug']}/counts").status_code == 401
    assert client.get(f"/checkin/{door['slug']}").status_code == 302  # to the login page

    token = log_in(client, "other-staff@example.org")
    assert scan(client, token, door["slug"], door["anna"]).status_code == 403
    assert client.get(f"/checkin/{door['slug']}").status_code == 403
    assert client.get(f"/api/checkin/{door['slug']}/search?q=anna").status_code == 403


def test_a_missing_csrf_token_is_refused(client, door):
    log_in(client)
    response = client.post(f"/api/checkin/{door['slug']}/scan", json={"code": door["anna"]})
    assert response.status_code == 400 and "error" in response.get_json()


def link_for(app, slug, hours=2, **changes):
    with app.app_context():
        from events.models import CheckInLink, Event, User

        event = db.session.scalar(sa.select(Event).filter_by(slug=slug))
        organizer = db.session.scalar(sa.select(User).filter_by(email="org@example.org"))
        link, token = create_link(event.id, "Wolontariusz Jan", organizer, hours)
        for name, value in changes.items():
            setattr(db.session.get(CheckInLink, link.id), name, value)
        db.session.commit()
        return token


def test_a_check_in_link_opens_only_its_own_event(app, client, door):
    token = link_for(app, door["slug"])
    client.set_cookie("lang", "en")
    response = client.get(f"/checkin/link/{token}")
    assert response.headers["Location"] == f"/checkin/{door['slug']}"
    csrf = csrf_token(client, f"/checkin/{door['slug']}")
    verdict = scan(client, csrf, door["slug"], door["anna"]).get_json()
    assert verdict["result"] == "checked_in"
    again = scan(client, csrf, door["slug"], door["anna"]).get_json()
    assert "by Wolontariusz Jan" in again["detail"]
    assert scan(client, csrf, door["other_slug"], door["elsewhere"]).status_code == 401
    assert client.get(f"/checkin/{door['other_slug']}").status_code == 302


@pytest.mark.parametrize(
    "changes",
    [{"expires_at": utcnow() - timedelta(minutes=1)}, {"revoked_at": utcnow()}],
)
def test_expired_and_revoked_links_are_refused(app, client, door, changes):
    token = link_for(app, door["slug"], **changes)
    assert client.get(f"/checkin/link/{token}").status_code == 403
    assert client.get("/checkin/link/not-a-real-token").status_code == 403


def test_a_link_stops_working_when_revoked_while_in_use(app, client, door):
    token = link_for(app, door["slug"])
    client.get(f"/checkin/link/{token}")
    csrf = csrf_token(client, f"/checkin/{door['slug']}")
    with app.app_context():
        from events.models import CheckInLink

        db.session.scalar(sa.select(CheckInLink)).revoked_at = utcnow()
        db.session.commit()
    assert scan(client, csrf, door["slug"], door["anna"]).status_code == 401


def test_failed_guesses_are_limited(client, door):
    token = log_in(client)
    for number in range(30):
        scan(client, token, door["slug"], f"ZGADUJE{number}")
    response = scan(client, token, door["slug"], door["anna"])
    assert response.status_code == 429
    assert "Too many unknown codes" in response.get_json()["error"]


def test_twenty_phones_scanning_one_ticket_at_once_check_it_in_once(app, door):
    slug, code = door["slug"], door["anna"]
    first = app.test_client()
    token = log_in(first)
    session_cookie = first.get_cookie("session")
    clients = [app.test_client() for _ in range(20)]
    for client in clients:  # twenty phones, one staff session (logging in 20 times is slow)
        client.set_cookie("session", session_cookie.value)
    tokens = [token] * 20
    barrier = threading.Barrier(20)
    results = [None] * 20

    def phone(index):
        barrier.wait()
        results[index] = scan(clients[index], tokens[index], slug, code).get_json()["result"]

    threads = [threading.Thread(target=phone, args=(index,)) for index in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["already"] * 19 + ["checked_in"]
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).where(Scan.result == ScanResult.CHECKED_IN)
        )
    assert count == 1


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("checkin", {"registration_id": 10**30}),
        ("undo", {"registration_id": 10**30}),
        ("checkin", {"registration_id": True}),
        ("scan", {"code": "\x00" + "A" * 200, "nonce": "\x00x"}),
        ("scan", {"method": "scanner"}),
    ],
)
def test_out_of_range_and_binary_input_gets_a_clear_answer(client, door, path, body):
    token = log_in(client)
    response = client.post(
        f"/api/checkin/{door['slug']}/{path}", json=body, headers={"X-CSRFToken": token}
    )
    assert response.status_code in (200, 400)
    json = response.get_json()
    assert json.get("result") == "unknown" or "error" in json


def test_a_nonce_cannot_replay_someone_elses_verdict(app, client, door):
    token = log_in(client)
    scan(client, token, door["slug"], door["anna"], nonce="shared")
    other = app.test_client()
    other_token = log_in(other, "org@example.org")
    response = scan(other, other_token, door["slug"], "X", nonce="shared")
    assert response.status_code == 409
    assert "Anna" not in response.get_data(as_text=True)


def test_search_finds_people_without_polish_letters_typed(app, client, door):
    with app.app_context():
        from events.models import Event

        event = db.session.scalar(sa.select(Event).filter_by(slug=door["slug"]))
        event.capacity, event_id = 10, event.id  # a confirmed seat: the door search shows it
        db.session.commit()
        register_attendee(
            event_id,
            attendee(first_name="Łukasz", last_name="Wójcik", email="lw@example.org",
                     organization="Koło Gospodyń Wiejskich w Żółkowie"),
            notify=False,
        )  # fmt: skip
    log_in(client)
    for query in ("lukasz wojcik", "ŁUKASZ", "zolkowie", "gospodyn"):
        results = client.get(f"/api/checkin/{door['slug']}/search", query_string={"q": query})
        assert [r["name"] for r in results.get_json()["results"]] == ["Łukasz Wójcik"], query


def _statements_of(app, request) -> list[str]:
    """The SQL statements one request sends (transaction control left out)."""
    statements = []
    with app.app_context():
        engine = db.engine

    def listener(_connection, _cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        request()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return statements


def test_a_scan_costs_six_statements_and_a_nonce_one_more(app, client, door):
    """The benchmarks' figure (README): the event, the user, the event's sessions, the
    ticket with its lock, the update and the scan record; a nonce adds its look-up. On
    SQLite a command first ends the request's read transaction, so the event and the
    user are read again under the write lock: 2 more (the sessions were, before the
    session was resolved once)."""
    token = log_in(client, "org@example.org")
    slug = door["slug"]
    scan(client, token, slug, "ROZGRZEWKA")  # the counts a worker keeps are read once
    app.extensions["read_cache"].seconds = 60  # and then trusted, as in production
    plain = _statements_of(app, lambda: scan(client, token, slug, door["anna"]))
    with_nonce = _statements_of(app, lambda: scan(client, token, slug, door["bolek"], nonce="n-6"))
    with app.app_context():
        extra = 2 if db.engine.dialect.name == "sqlite" else 0
    assert len(plain) == 6 + extra, plain
    assert len(with_nonce) == 7 + extra, with_nonce
