"""The organizer's page of personal API tokens: made with a name, an expiry and scopes,
the secret shown once, each field's mistake named next to it, revoked for good."""

import re
from datetime import timedelta

import sqlalchemy as sa

from events.extensions import db
from events.models import ApiToken, Role, utcnow
from tests.factories import make_organization, make_user
from tests.network import PASSWORD, csrf_token


def _logged_in(app, email, role=Role.ORGANIZER):
    with app.app_context():
        make_user(email, PASSWORD, role, make_organization("P"))
    client = app.test_client()
    client.set_cookie("lang", "pl")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def _form(client, **fields) -> dict:
    day = (utcnow() + timedelta(days=30)).date().isoformat()
    return {
        "csrf_token": csrf_token(client, "/organizer/tokens"),
        "name": "Strona powiatu",
        "expires_on": day,
        "scopes": ["read", "checkin"],
    } | fields


def _field_error(page: str, field: str) -> str:
    match = re.search(rf'id="{field}-error"[^>]*>(.*?)</p>', page, re.S)
    assert match, f"no message next to {field}"
    return " ".join(re.sub("<[^>]+>", " ", match.group(1)).split())


def test_a_token_is_made_shown_once_and_works(app):
    client = _logged_in(app, "p@example.org")
    made = client.post("/organizer/tokens", data=_form(client))
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    page = made.get_data(as_text=True)
    secret = re.search(r'value="(drt_[A-Za-z0-9_-]{43})"', page).group(1)
    assert "Skopiuj go teraz" in page or "Copy it now" in page
    api = app.test_client()
    answer = api.get("/api/v1/organizer/token", headers={"Authorization": f"Bearer {secret}"})
    assert answer.get_json()["scopes"] == ["checkin", "read"]
    again = client.get("/organizer/tokens").get_data(as_text=True)
    assert secret not in again and secret[:12] in again  # listed by its first characters
    assert "Strona powiatu" in again and "127.0.0.1" in again  # last use, from where
    with app.app_context():
        assert db.session.scalar(sa.select(ApiToken.secret_hash)) != secret


def test_each_mistake_is_named_next_to_its_field(app):
    client = _logged_in(app, "p@example.org")
    past = (utcnow() - timedelta(days=1)).date().isoformat()
    page = client.post(
        "/organizer/tokens", data=_form(client, name=" ", expires_on=past, scopes=[])
    ).get_data(as_text=True)
    assert "Nadaj tokenowi nazwę." in _field_error(page, "name")
    assert "przyszłości" in _field_error(page, "expires_on")
    assert "Wybierz, co token może robić." in _field_error(page, "scopes")
    assert 'href="#name"' in page  # the error summary links to the fields
    far = (utcnow() + timedelta(days=400)).date().isoformat()
    page = client.post(
        "/organizer/tokens", data=_form(client, expires_on=far, scopes=["read", "admin"])
    ).get_data(as_text=True)
    assert "rok" in _field_error(page, "expires_on")
    assert _field_error(page, "scopes")
    page = client.post("/organizer/tokens", data=_form(client, expires_on="31.02.2027"))
    assert page.status_code == 400 and _field_error(page.get_data(as_text=True), "expires_on")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_a_form_without_its_csrf_token_makes_nothing(app):
    client = _logged_in(app, "p@example.org")
    answer = client.post("/organizer/tokens", data=_form(client, csrf_token=""))
    assert answer.status_code == 400
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_a_revoked_token_opens_nothing_and_only_its_owner_revokes_it(app):
    client = _logged_in(app, "p@example.org")
    page = client.post("/organizer/tokens", data=_form(client)).get_data(as_text=True)
    secret = re.search(r'value="(drt_[^"]+)"', page).group(1)
    with app.app_context():
        token_id = db.session.scalar(sa.select(ApiToken.id))
    other = _logged_in(app, "inny@example.org")
    other.post(
        f"/organizer/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(other, "/organizer/tokens")},
    )
    api = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/organizer/token", headers=headers).status_code == 200
    assert "p@example.org" not in other.get("/organizer/tokens").get_data(as_text=True)
    client.post(
        f"/organizer/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_token(client, "/organizer/tokens")},
    )
    assert api.get("/api/v1/organizer/token", headers=headers).status_code == 401
    assert "Unieważniony" in client.get("/organizer/tokens").get_data(as_text=True)


def test_door_staff_have_no_tokens_page(app):
    client = _logged_in(app, "bramka@example.org", role=Role.STAFF)
    assert client.get("/organizer/tokens").status_code == 403
