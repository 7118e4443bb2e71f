"""The organizer API of personal tokens: who a token opens what to, and each resource
doing what the organizer area does (events, registrations, check-in, report, files)."""

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import (
    ApiToken,
    AuditEntry,
    Event,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    Role,
    User,
    utcnow,
)
from events.services.api_tokens import create_token, revoke_token
from events.services.audit import DOWNLOADED
from tests.factories import make_event, make_organization, make_registration, make_user
from tests.network import log_in

ALL = ["read", "write", "checkin"]


def _token(user, scopes=ALL, days=30) -> str:
    return create_token(user, "skrypt", utcnow() + timedelta(days=days), scopes).secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def world(app):
    """Organizer P (organization P) with an event and two people; organizer Q with his."""
    with app.app_context():
        p_org = make_organization("P", name="Stowarzyszenie Pomorskie")
        q_org = make_organization("Q", name="Fundacja Kwiatowa")
        p = make_user("p@example.org", role=Role.ORGANIZER, organization=p_org)
        q = make_user("q@example.org", role=Role.ORGANIZER, organization=q_org)
        p_event = make_event(organization=p_org, capacity=2)
        q_event = make_event(organization=q_org)
        anna = make_registration(p_event, RegistrationStatus.CONFIRMED, first_name="Anna")
        make_registration(p_event, RegistrationStatus.WAITLISTED, first_name="Bogdan")
        q_person = make_registration(q_event, RegistrationStatus.CONFIRMED, first_name="Quentin")
        return {
            "p": _token(p),
            "p_read": _token(p, ["read"]),
            "p_checkin": _token(p, ["checkin"]),
            "q": _token(q),
            "p_event": p_event.id,
            "p_slug": p_event.slug,
            "q_event": q_event.id,
            "anna": anna.id,
            "anna_code": anna.ticket_code,
            "q_person": q_person.id,
            "p_user": p.id,
        }


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["code"] == code and body["status"] == status and body["title"]
    assert body["type"].endswith(f"/api/docs#problem-{code}")
    return body


# Tokens ---------------------------------------------------------------------------------


def test_a_token_is_kept_only_as_its_hash_and_every_use_is_recorded(app, client, world):
    answer = client.get(
        "/api/v1/organizer/token",
        headers=bearer(world["p"]),
        environ_base={"REMOTE_ADDR": "10.1.2.3"},
    )
    assert answer.status_code == 200
    assert answer.get_json()["account"] == "p@example.org"
    assert answer.get_json()["organization"] == "Stowarzyszenie Pomorskie"
    assert answer.get_json()["network"] is False
    client.get("/api/v1/organizer/events", headers=bearer(world["p"]))
    with app.app_context():
        stored = db.session.scalars(sa.select(ApiToken)).all()
        assert all(world["p"] not in (t.secret_hash, t.prefix, t.name) for t in stored)
        mine = next(t for t in stored if world["p"].startswith(t.prefix) and t.uses)
        assert mine.uses == 2 and mine.last_used_at is not None
        assert mine.last_used_from == "127.0.0.1"  # the last use came from the test client


@pytest.mark.parametrize(
    "header",
    ["", "Bearer ", "Basic cDpw", "Bearer drt_not-a-token", "bearer drt_" + "x" * 43],
)
def test_no_token_or_an_unknown_one_opens_nothing(client, world, header):
    answer = client.get("/api/v1/organizer/events", headers={"Authorization": header})
    code = "token_missing" if header.strip() in ("", "Bearer", "Basic cDpw") else "token_invalid"
    _problem(answer, 401, code)
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_expired_and_switched_off_tokens_open_nothing(app, client, world):
    with app.app_context():
        p = db.session.get(User, world["p_user"])
        revoked = create_token(p, "stary", utcnow() + timedelta(days=3), ALL)
        revoke_token(p, revoked.token.id)
        expired = create_token(p, "krótki", utcnow() + timedelta(days=1), ALL)
        db.session.get(ApiToken, expired.token.id).expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    for secret in (revoked.secret, expired.secret):
        _problem(
            client.get("/api/v1/organizer/events", headers=bearer(secret)), 401, "token_invalid"
        )
    assert client.get("/api/v1/organizer/events", headers=bearer(world["p"])).status_code == 200
    with app.app_context():
        db.session.get(User, world["p_user"]).active = False
        db.session.commit()
    _problem(
        client.get("/api/v1/organizer/events", headers=bearer(world["p"])), 401, "token_invalid"
    )


def test_each_route_needs_its_scope(client, world):
    event = world["p_event"]
    read_only = bearer(world["p_read"])
    assert client.get(f"/api/v1/organizer/events/{event}", headers=read_only).status_code == 200
    _problem(
        client.post(f"/api/v1/organizer/events/{event}/publish", headers=read_only),
        403,
        "token_scope",
    )
    _problem(
        client.post(
            f"/api/v1/organizer/events/{event}/checkin/scan",
            json={"code": world["anna_code"]},
            headers=read_only,
        ),
        403,
        "token_scope",
    )
    door_only = bearer(world["p_checkin"])
    _problem(client.get(f"/api/v1/organizer/events/{event}", headers=door_only), 403, "token_scope")


def test_a_session_cookie_does_not_open_the_token_api(app, world):
    browser = app.test_client()
    log_in(browser, "p@example.org")
    _problem(browser.get("/api/v1/organizer/events"), 401, "token_missing")


def _token_routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/organizer/events/<int:event_id>"):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                yield rule, method


def test_another_organizations_event_and_people_are_not_found(app, client, world):
    """Every event route, with P's full token, on Q's event: 404, and nothing of Q's."""
    checked = 0
    for rule, method in _token_routes(app):
        url = rule.rule.replace("<int:event_id>", str(world["q_event"])).replace(
            "<int:registration_id>", str(world["q_person"])
        )
        body = {"code": "x", "registration_id": world["q_person"], "confirm": True}
        answer = client.open(url, method=method, json=body, headers=bearer(world["p"]))
        assert answer.status_code in (404, 422), (method, url, answer.status_code)
        assert "Quentin" not in answer.get_data(as_text=True)
        checked += 1
    assert checked >= 12
    listed = client.get("/api/v1/organizer/events", headers=bearer(world["p"])).get_json()
    assert [item["id"] for item in listed["items"]] == [world["p_event"]]
    # A registration of Q's event through P's own event's URL is not found either.
    url = f"/api/v1/organizer/events/{world['p_event']}/registrations/{world['q_person']}/cancel"
    _problem(client.post(url, headers=bearer(world["p"])), 404, "not_found")
    with app.app_context():
        assert (
            db.session.get(Registration, world["q_person"]).status == RegistrationStatus.CONFIRMED
        )


@pytest.mark.parametrize(
    "app_config", [{"RATELIMIT_ENABLED": True, "RATELIMIT_API_TOKEN": "3 per minute"}]
)
def test_the_token_limit_counts_each_token_apart(app, client, world):
    answers = [
        client.get("/api/v1/organizer/token", headers=bearer(world["p"])).status_code
        for _ in range(4)
    ]
    assert answers == [200, 200, 200, 429]
    _problem(
        client.get("/api/v1/organizer/token", headers=bearer(world["p"])), 429, "too_many_requests"
    )
    assert client.get("/api/v1/organizer/token", headers=bearer(world["q"])).status_code == 200


# Events ---------------------------------------------------------------------------------

NEW_EVENT = {
    "title": "Seminarium w Pile",
    "kind": "seminar",
    "starts_at": "2027-03-10T10:00:00",
    "ends_at": "2027-03-10T14:00:00+01:00",
    "venue_name": "Dom Kultury",
    "county": "pilski",
    "capacity": 30,
}


def test_an_event_is_created_changed_published_and_cancelled(app, client, world):
    token = bearer(world["p"])
    created = client.post("/api/v1/organizer/events", json=NEW_EVENT, headers=token)
    assert created.status_code == 201, created.get_data(as_text=True)
    event = created.get_json()
    assert event["status"] == "draft" and event["organization"]["slug"] == "P"
    assert event["starts_at"].startswith("2027-03-10T09:00:00")  # Polish time, stored as UTC
    assert event["registration"]["capacity"] == 30
    url = f"/api/v1/organizer/events/{event['id']}"
    changed = client.patch(
        url, json={"title": "Seminarium w Pile (2)", "capacity": 40}, headers=token
    )
    assert changed.status_code == 200
    assert changed.get_json()["title"] == "Seminarium w Pile (2)"
    assert changed.get_json()["venue_name"] == "Dom Kultury"  # kept
    assert changed.get_json()["registration"]["capacity"] == 40
    published = client.post(url + "/publish", headers=token)
    assert published.get_json()["status"] == "published"
    assert client.get(f"/api/v1/events/{event['slug']}").status_code == 200  # now public
    _problem(client.post(url + "/cancel", json={}, headers=token), 422, "invalid")
    cancelled = client.post(url + "/cancel", json={"confirm": True}, headers=token)
    assert cancelled.get_json()["status"] == "cancelled"
    _problem(client.patch(url, json={"title": "Inny"}, headers=token), 409, "cancelled")
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.event_id == event["id"])
        ).all()
        assert {"event_created", "event_updated", "event_published", "event_cancelled"} <= set(
            kinds
        )


def test_bad_event_fields_are_named_with_their_messages(client, world):
    token = bearer(world["p"])
    wrong = NEW_EVENT | {
        "county": "atlantyda",
        "programme": "nie-ma",
        "ends_at": "2027-03-10T09:00:00",
        "contact_email": "nie-adres",
        "online_url": "ftp://x",
    }
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "pl"
    body = _problem(
        client.post("/api/v1/organizer/events", json=wrong, headers=token), 422, "invalid"
    )
    fields = {item["field"]: item["message"] for item in body["errors"]}
    assert set(fields) == {"county", "programme", "contact_email", "online_url"}
    assert fields["county"] == "Wybierz powiat z listy."
    body = _problem(
        client.post(
            "/api/v1/organizer/events",
            json=NEW_EVENT | {"ends_at": "2027-03-10T09:00:00"},
            headers=token,
        ),
        422,
        "invalid",
    )
    assert [item["field"] for item in body["errors"]] == ["ends_at"]
    body = _problem(
        client.post(
            "/api/v1/organizer/events", json=NEW_EVENT | {"capacity": 0, "spare": 1}, headers=token
        ),
        422,
        "invalid",
    )
    assert {item["field"] for item in body["errors"]} == {"capacity", "spare"}
    answer = client.post(
        "/api/v1/organizer/events", data="{", headers=token | {"Content-Type": "application/json"}
    )
    assert answer.status_code in (400, 422) and answer.mimetype == "application/problem+json"


def test_fewer_seats_than_confirmed_people_is_refused_not_guessed(client, world):
    token = bearer(world["p"])
    url = f"/api/v1/organizer/events/{world['p_event']}"
    client.patch(url, json={"capacity": 3}, headers=token)
    client.post(url + "/registrations/" + str(world["anna"]) + "/cancel", headers=token)
    make_three = [
        client.post(url + "/registrations", json=_person(f"o{n}@example.org"), headers=token)
        for n in range(3)
    ]
    assert all(answer.status_code == 201 for answer in make_three)
    _problem(client.patch(url, json={"capacity": 1}, headers=token), 409, "over_capacity")


# Registrations -----------------------------------------------------------------------------


def _person(email: str, **extra) -> dict:
    return {
        "first_name": "Celina",
        "last_name": "Nowak",
        "email": email,
        "organization": "Koło Gospodyń",
        "organization_type": "ngo",
        "county": "pilski",
        "data_consent": True,
        "notify": False,
    } | extra


def test_registrations_are_listed_added_and_acted_on(app, client, world):
    token = bearer(world["p"])
    base = f"/api/v1/organizer/events/{world['p_event']}/registrations"
    listed = client.get(base, headers=token).get_json()
    assert {item["first_name"] for item in listed["items"]} == {"Anna", "Bogdan"}
    waiting = client.get(base + "?status=waitlisted", headers=token).get_json()["items"]
    assert [item["first_name"] for item in waiting] == ["Bogdan"]
    assert "promote" in waiting[0]["actions"]
    assert client.get(base + "?q=anna", headers=token).get_json()["total"] == 1
    added = client.post(base, json=_person("celina@example.org"), headers=token)
    assert added.status_code == 201
    assert added.get_json()["status"] == "confirmed"  # the second of two seats
    _problem(client.post(base, json=_person("CELINA@example.org"), headers=token), 409, "duplicate")
    _problem(
        client.post(base, json=_person("x@example.org", data_consent=False), headers=token),
        422,
        "invalid",
    )
    full = client.post(base, json=_person("dorota@example.org"), headers=token).get_json()
    assert full["status"] == "waitlisted"
    cancelled = client.post(f"{base}/{world['anna']}/cancel", headers=token)
    assert cancelled.get_json()["status"] == "cancelled"
    _problem(client.post(f"{base}/{world['anna']}/cancel", headers=token), 409, "wrong_status")
    with app.app_context():
        # Anna's seat went to Bogdan, the first on the waiting list, as from the page.
        bogdan = db.session.scalar(
            sa.select(Registration).where(Registration.first_name == "Bogdan")
        )
        assert bogdan.status == RegistrationStatus.CONFIRMED


def test_applications_are_accepted_and_declined(app, client, world):
    with app.app_context():
        event = db.session.get(Event, world["p_event"])
        event.mode, event.capacity = RegistrationMode.APPROVAL, 10
        db.session.commit()
    token = bearer(world["p"])
    base = f"/api/v1/organizer/events/{world['p_event']}/registrations"
    first = client.post(base, json=_person("e1@example.org"), headers=token).get_json()
    second = client.post(base, json=_person("e2@example.org"), headers=token).get_json()
    assert first["status"] == second["status"] == "pending"
    assert (
        client.post(f"{base}/{first['id']}/accept", headers=token).get_json()["status"]
        == "confirmed"
    )
    assert (
        client.post(f"{base}/{second['id']}/decline", headers=token).get_json()["status"]
        == "declined"
    )


def test_a_place_on_the_waiting_list_is_given_a_seat(app, client, world):
    token = bearer(world["p"])
    base = f"/api/v1/organizer/events/{world['p_event']}/registrations"
    bogdan = client.get(base + "?status=waitlisted", headers=token).get_json()["items"][0]
    seated = client.post(f"{base}/{bogdan['id']}/seat", headers=token)
    assert seated.get_json()["status"] == "confirmed"


# The door ---------------------------------------------------------------------------------


def test_the_door_answers_as_the_scanner_page_with_the_same_nonces(app, client, world):
    door = bearer(world["p_checkin"])
    base = f"/api/v1/organizer/events/{world['p_event']}/checkin"
    first = client.post(
        base + "/scan", json={"code": world["anna_code"], "nonce": "n-1"}, headers=door
    )
    assert first.status_code == 200
    assert first.get_json()["result"] == "checked_in" and first.get_json()["name"].startswith(
        "Anna"
    )
    again = client.post(
        base + "/scan", json={"code": world["anna_code"], "nonce": "n-1"}, headers=door
    )
    assert again.get_json()["result"] == "checked_in" and again.get_json()["replayed"] is True
    other = client.post(
        base + "/scan", json={"code": world["anna_code"], "nonce": "n-2"}, headers=door
    )
    assert other.get_json()["result"] == "already"
    undone = client.post(
        base + "/undo", json={"registration_id": world["anna"], "nonce": "u"}, headers=door
    )
    assert undone.get_json()["result"] == "undone"
    by_name = client.post(base + "/checkin", json={"registration_id": world["anna"]}, headers=door)
    assert by_name.get_json()["result"] == "checked_in"
    assert by_name.get_json()["counts"]["checked_in"] == 1
    unknown = client.post(base + "/scan", json={"code": "NIEMA-KODU"}, headers=door)
    assert unknown.get_json()["result"] == "unknown"
    with app.app_context():
        anna = db.session.get(Registration, world["anna"])
        assert anna.checked_in_at is not None and anna.checked_in_by == "p@example.org"


# Reports and files -------------------------------------------------------------------------


def test_the_report_and_the_participant_lists(app, client, world):
    token = bearer(world["p_read"])
    base = f"/api/v1/organizer/events/{world['p_event']}"
    figures = client.get(base + "/report", headers=token).get_json()
    assert figures["confirmed"] == 1 and figures["waitlisted"] == 1 and figures["attended"] == 0
    assert figures["by_county"]["gnieznienski"]["confirmed"] == 1
    answer = client.get(base + "/participants", headers=token, buffered=True)
    assert answer.mimetype == "text/csv"
    rows = list(
        csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff")), delimiter=";")
    )
    assert any("Anna" in row for row in rows) and len(rows) == 3
    waiting = client.get(
        base + "/participants?status=waitlisted&format=xlsx", headers=token, buffered=True
    )
    sheet = openpyxl.load_workbook(io.BytesIO(waiting.get_data())).active
    names = [cell.value for cell in sheet["A"]][1:] + [cell.value for cell in sheet["B"]][1:]
    assert "Bogdan" in names and "Anna" not in names
    with app.app_context():
        files = db.session.scalars(
            sa.select(AuditEntry.after).where(AuditEntry.action == DOWNLOADED)
        ).all()
        assert [entry["file"] for entry in files] == [
            f"{world['p_slug']}.csv",
            f"{world['p_slug']}.xlsx",
        ]


def test_the_events_list_costs_the_same_statements_for_one_event_or_six(app, client, world):
    """No statements per event: the counts of a page are read once for all its events."""
    with app.app_context():
        engine = db.engine
    seen = []

    def count(_connection, _cursor, statement, *_args):
        seen.append(statement)

    def statements() -> int:
        seen.clear()
        sa.event.listen(engine, "before_cursor_execute", count)
        try:
            answer = client.get("/api/v1/organizer/events", headers=bearer(world["p"]))
            assert answer.status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", count)
        return len(answer.get_json()["items"]), len(seen)

    one = statements()
    with app.app_context():
        organization = db.session.get(Event, world["p_event"]).organization
        for _ in range(5):
            make_registration(make_event(organization=organization), RegistrationStatus.CONFIRMED)
    six = statements()
    assert (one[0], six[0]) == (1, 6)
    assert six[1] == one[1]
