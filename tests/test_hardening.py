"""Hardening: what an attacker tries and should no longer get.

Security headers and production settings; request size limits (413) and rate limits
(429), shown in the visitor's language; the 500s that odd input used to cause; a
logout that ends the session; names that are names; refused common passwords; a
database that refuses writes (503).
"""

import logging

import pytest
import sqlalchemy as sa

from app import create_app
from events.extensions import db
from events.models import Registration, Role, User
from events.services.passwords import password_problem
from tests.conftest import csrf_token, make_app
from tests.factories import form_data, make_event, make_user

PASSWORD = "zielony balkon nad rzeka"


@pytest.fixture
def app_config():
    return {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_REGISTRATION": "3 per minute",
        "RATELIMIT_LOST_LINK": "2 per minute",
        "RATELIMIT_LOGIN": "50 per minute",
    }


def log_in(client, email="org@example.org", password=PASSWORD, address="127.0.0.1", path="/login"):
    token = csrf_token(client, "/login")
    return client.post(
        path,
        data={"email": email, "password": password, "csrf_token": token},
        environ_base={"REMOTE_ADDR": address},
    )


def register(client, slug, language="en", **fields):
    client.set_cookie("lang", language)
    url = f"/events/{slug}/register"
    data = form_data(**fields)
    data["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=data)


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Headers and production settings


def test_every_page_carries_the_security_headers_and_no_hsts_on_a_laptop(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Permissions-Policy"].startswith("camera=(self)")
    assert "Strict-Transport-Security" not in headers  # http://127.0.0.1 in development


@pytest.fixture
def production_env(monkeypatch, tmp_path):
    settings = {
        "APP_ENV": "production",
        "SECRET_KEY": "s" * 48,
        "BASE_URL": "https://rejestracja.example.org",
        "MAIL_SERVER": "smtp.example.org",
        "CONTROLLER_NAME": "Stowarzyszenie Działamy Razem",
        "CONTROLLER_EMAIL": "iod@example.org",
        "CONTROLLER_ADDRESS": "ul. Święty Marcin 1, 61-001 Poznań",
        "RATELIMIT_STORAGE_URI": "memory://",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.db'}",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return settings


def test_production_sends_hsts_and_marks_the_language_cookie_secure(production_env):
    app = create_app({})
    with app.app_context():
        db.create_all()
    client = app.test_client()
    response = client.get("/language/en?next=/", base_url="https://rejestracja.example.org")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "Secure" in cookie and "HttpOnly" in cookie


def test_production_refuses_rate_limit_counters_left_unsaid(production_env, monkeypatch):
    monkeypatch.delenv("RATELIMIT_STORAGE_URI")
    with pytest.raises(Exception, match="RATELIMIT_STORAGE_URI must say where"):
        create_app({})


# Request sizes: 413


@pytest.mark.parametrize(
    ("language", "title"),
    [("en", "The request is too large"), ("pl", "Przesłane dane są za duże")],
)
def test_a_huge_form_gets_a_413_page_in_the_visitors_language(app, client, language, title):
    with app.app_context():
        slug = make_event().slug
    response = register(client, slug, language, needs="x" * (2 * 1024 * 1024))
    assert response.status_code == 413
    assert title in response.get_data(as_text=True)
    with app.app_context():
        assert count(Registration) == 0


def test_a_huge_field_in_a_small_multipart_form_is_refused_too(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 10 * 1024 * 1024
    with app.app_context():
        slug = make_event().slug
    client.set_cookie("lang", "en")
    url = f"/events/{slug}/register"
    data = form_data(needs="x" * (600 * 1024))
    data["csrf_token"] = csrf_token(client, url)
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 413


def test_the_scan_api_refuses_an_oversize_json_body(app, client):
    with app.app_context():
        slug = make_event().slug
        make_user(email="org@example.org", password=PASSWORD)
    log_in(client)
    token = csrf_token(client, "/")
    response = client.post(
        f"/api/checkin/{slug}/scan",
        json={"code": "A" * (400 * 1024)},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 413
    assert response.get_json()["error"] == "Przesłane dane są za duże"  # Polish by default


# Rate limits: 429


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Too many requests"), ("pl", "Za dużo żądań")]
)
def test_registrations_from_one_client_are_limited(app, client, language, title):
    with app.app_context():
        slug = make_event(capacity=50).slug
    for number in range(3):
        assert register(client, slug, language, email=f"p{number}@example.org").status_code == 302
    response = register(client, slug, language, email="p3@example.org")
    assert response.status_code == 429
    assert title in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0
    with app.app_context():
        assert count(Registration) == 3
    # Another client is not affected.
    other = app.test_client()
    other.set_cookie("lang", "en")
    url = f"/events/{slug}/register"
    data = form_data(email="elsewhere@example.org")
    data["csrf_token"] = csrf_token(other, url)
    assert other.post(url, data=data, environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == (
        302
    )


def test_lost_link_requests_from_one_client_are_limited(client):
    client.set_cookie("lang", "en")
    statuses = []
    for number in range(3):
        token = csrf_token(client, "/lost-link")
        answer = client.post(
            "/lost-link", data={"email": f"x{number}@example.org", "csrf_token": token}
        )
        statuses.append(answer.status_code)
    assert statuses == [302, 302, 429]


# Login: throttled per address and client, never locking the organizer out


def test_guesses_from_elsewhere_do_not_lock_the_organizer_out(app, client):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
    attacker = app.test_client()
    for _ in range(8):
        answer = log_in(attacker, password="zgaduje haslo", address="203.0.113.66")
        assert answer.status_code == 200
    text = log_in(attacker, address="203.0.113.66").get_data(as_text=True)
    assert "Too many failed attempts" in text or "Zbyt wiele" in text  # even the right one
    # The organizer, at their own desk, logs in.
    assert log_in(client, address="192.0.2.10").status_code == 302


def test_guesses_spread_over_many_clients_stop_new_devices_not_the_organizers_own(app, client):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
    assert log_in(client, address="192.0.2.10").status_code == 302  # the organizer's laptop
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    botnet = app.test_client()
    for number in range(50):  # 5 guesses from each of 10 addresses
        log_in(botnet, password="zgaduje haslo", address=f"203.0.113.{number // 5}")
    # A device new to the account is stopped, even with the right password...
    newcomer = app.test_client()
    newcomer.set_cookie("lang", "en")
    refused = log_in(newcomer, address="198.51.100.1").get_data(as_text=True)
    assert "Too many failed attempts" in refused
    # ...the organizer's own laptop is not, wherever it connects from.
    assert log_in(client, address="192.0.2.99").status_code == 302


def test_one_client_guessing_many_addresses_is_stopped(app, client):
    for number in range(30):
        log_in(client, email=f"ktos{number}@example.org", address="203.0.113.9")
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
    text = log_in(client, address="203.0.113.9").get_data(as_text=True)
    assert "Zbyt wiele" in text or "Too many failed attempts" in text


# Odd input: 400 and 404, not 500


@pytest.mark.parametrize("month", ["0000-01", "9999-12", "0001-01"])
def test_impossible_months_are_ignored_like_other_invalid_filters(app, client, month):
    with app.app_context():
        make_event(title="Seminarium widoczne")
    response = client.get(f"/?month={month}")
    assert response.status_code == 200
    assert "Seminarium widoczne" in response.get_data(as_text=True)


def test_deeply_nested_json_is_a_400(app, client):
    with app.app_context():
        slug = make_event().slug
        make_user(email="org@example.org", password=PASSWORD)
    log_in(client)
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/")
    body = "[" * 100_000 + "]" * 100_000
    response = client.post(
        f"/api/checkin/{slug}/scan",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]


@pytest.mark.parametrize(
    "path",
    [
        "/organizer/events/99999999999999999999/edit",
        "/organizer/events/2147483648/registrations",
        "/organizer/events/1/registrations/9223372036854775808/erase",
    ],
)
def test_a_huge_id_in_an_organizer_address_is_a_404(app, client, path):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
    log_in(client)
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("target", ["/%0d%0aSet-Cookie:%20x=1", "/x%0aLocation:%20//evil"])
def test_line_breaks_in_next_never_reach_the_location_header(app, client, target):
    language = client.get(f"/language/en?next={target}")
    assert language.status_code == 302 and language.headers["Location"] == "/"
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
    login = log_in(client, path=f"/login?next={target}")
    assert login.status_code == 302 and login.headers["Location"] == "/organizer/"
    assert "x=1" not in (login.headers.get("Set-Cookie") or "")


# Logout ends the session


def test_a_cookie_saved_before_logout_no_longer_opens_the_organizer_area(app, client):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
    log_in(client)
    saved = client.get_cookie("session").value
    assert client.get("/organizer/").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})

    thief = app.test_client()
    thief.set_cookie("session", saved)
    response = thief.get("/organizer/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_new_password_ends_every_session(app, client, runner):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
    log_in(client)
    assert client.get("/organizer/").status_code == 200
    result = runner.invoke(
        args=["set-password", "org@example.org", "--password-stdin"],
        input="nowe haslo z trzech slow\n",
    )
    assert result.exit_code == 0, result.output
    assert client.get("/organizer/").status_code == 302
    assert log_in(app.test_client(), password="nowe haslo z trzech slow").status_code == 302


# Names that are names


@pytest.mark.parametrize(
    "name",
    [
        "Wygrałeś iPhone wejdź na example.com",
        "http://phish.example/login",
        "Zofia <b>",
        "Anna2",
        "Pilne: potwierdź konto",
        "A" * 61,
    ],
)
def test_a_name_cannot_carry_a_message_or_a_link(app, client, name):
    with app.app_context():
        slug = make_event().slug
    response = register(client, slug, "pl", first_name=name)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<a href="#first_name">Wpisz imię literami (najwyżej 60)' in html
    with app.app_context():
        assert count(Registration) == 0


@pytest.mark.parametrize(
    ("first", "last"),
    [("Anna Maria", "Nowak-Kowalska"), ("Seán", "O'Brien"), ("J.", "D’Angelo"), ("Łucja", "Zając")],
)
def test_real_names_pass(app, client, first, last):
    with app.app_context():
        slug = make_event().slug
    assert register(client, slug, "en", first_name=first, last_name=last).status_code == 302


# Passwords


@pytest.mark.parametrize(
    "password",
    [
        "aaaaaaaaaaaa",
        "abcabcabcabc",
        "123456789012",
        "qwertyuiop12",
        "Password2025!",
        "P@ssw0rd1234",
        "Haslo123456789",
        "zaq12wsxcde3",
        "Kochanie2024!",
        "short",
    ],
)
def test_weak_passwords_are_refused(password):
    assert password_problem(password, "org@example.org") is not None


def test_a_passphrase_is_fine_and_the_create_user_command_applies_the_rules(app, runner):
    assert password_problem("zielony balkon nad rzeka", "org@example.org") is None
    weak = runner.invoke(
        args=["create-user", "org@example.org", "--role", "organizer", "--password-stdin"],
        input="Password2025!\n",
    )
    assert weak.exit_code != 0 and "most common" in weak.output
    strong = runner.invoke(
        args=["create-user", "org@example.org", "--role", "organizer", "--password-stdin"],
        input=f"{PASSWORD}\n",
    )
    assert strong.exit_code == 0, strong.output
    with app.app_context():
        assert db.session.scalar(sa.select(User.role)) == Role.ORGANIZER


# A database that refuses writes: 503


def _read_only(app, database_url, tmp_path):
    """The same database, refusing every write: a read-only SQLite file, or PostgreSQL
    sessions whose transactions are read only."""
    if database_url.startswith("sqlite"):
        path = database_url.removeprefix("sqlite:///")
        read_only = make_app(f"sqlite:///file:{path}?mode=ro&uri=true")
        read_only.instance_path = str(tmp_path / "instance")
        return read_only
    with app.app_context():

        @sa.event.listens_for(db.engine, "connect")
        def _read_only_sessions(connection, _record):
            with connection.cursor() as cursor:
                cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            connection.commit()

        db.engine.dispose()
    return app


@pytest.mark.parametrize(
    ("language", "title"), [("en", "Temporarily unavailable"), ("pl", "Chwilowo")]
)
def test_a_database_refusing_writes_gives_a_503_page_and_a_clear_log_line(
    app, database_url, tmp_path, caplog, language, title
):
    with app.app_context():
        slug = make_event().slug
        db.engine.dispose()
    read_only = _read_only(app, database_url, tmp_path)
    read_only.config["WTF_CSRF_ENABLED"] = False  # the form page cannot be read first
    client = read_only.test_client()
    client.set_cookie("lang", language)
    with caplog.at_level(logging.ERROR):
        response = client.post(f"/events/{slug}/register", data=form_data())
    assert response.status_code == 503
    assert title in response.get_data(as_text=True)
    assert 240 <= int(response.headers["Retry-After"]) <= 300
    lines = [record.getMessage() for record in caplog.records]
    assert any("The database refuses to store data (read-only or full)" in line for line in lines)
    assert not any("Exception on" in line for line in lines)  # no misleading 500 traceback


def test_only_a_read_only_or_full_database_counts_as_refusing_writes():
    from events.views.errors import storage_refusal

    class Original(Exception):
        sqlstate = "23505"  # a unique violation: a bug, not a full disk

    error = sa.exc.IntegrityError("INSERT", {}, Original("duplicate key"))
    assert storage_refusal(error) is None
    full = sa.exc.OperationalError("INSERT", {}, Exception("database or disk is full"))
    assert storage_refusal(full).startswith("SQLite")

    class ReadOnly(Exception):
        sqlstate = "25006"

    read_only = sa.exc.InternalError("INSERT", {}, ReadOnly("read-only transaction"))
    assert storage_refusal(read_only).startswith("PostgreSQL SQLSTATE 25006")


def test_any_other_database_error_is_still_a_500_with_its_traceback(tmp_path, caplog):
    app = make_app(f"sqlite:///{tmp_path / 'other.db'}")
    app.config.update(TESTING=False, PROPAGATE_EXCEPTIONS=False)  # as in production

    @app.get("/_broken")
    def broken():
        raise sa.exc.OperationalError("SELECT", {}, Exception("connection refused"))

    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/_broken")
    assert response.status_code == 500
    assert any("Exception on /_broken" in record.getMessage() for record in caplog.records)


def test_questionnaire_answers_are_limited_per_client(app, client):
    """A generous limit (a meeting room shares one address), but a flood is stopped."""
    from tests.test_questionnaire_pages import _setup

    app.config["RATELIMIT_QUESTIONNAIRE"] = "2 per minute"
    key, _id, _keys, version = _setup(app)
    token = csrf_token(client, f"/q/{key}")
    statuses = [
        client.post(f"/q/{key}", data={"csrf_token": token, "version": version}).status_code
        for _ in range(3)
    ]
    assert statuses[:2] == [422, 422]  # answered (here: with errors), not limited
    assert statuses[2] == 429


PUBLIC_PAGES = ["/", "/events.ics", "/privacy", "/lost-link", "/login", "/r/no-such-token"]


def test_a_read_only_database_still_serves_every_public_page(app, database_url, tmp_path):
    """Reading needs no writes: the programme, an event, the feed, the forms and the
    private links answer as usual (a 404 for an unknown link), never 500."""
    with app.app_context():
        slug = make_event().slug
        db.engine.dispose()
    client = _read_only(app, database_url, tmp_path).test_client()
    for path in [*PUBLIC_PAGES, f"/events/{slug}", f"/events/{slug}/register"]:
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)


@pytest.mark.parametrize(
    "unreachable",
    [
        "postgresql+psycopg://postgres@127.0.0.1:9/events?connect_timeout=2",
        "sqlite:////nonexistent-folder/events.db",
    ],
)
@pytest.mark.parametrize(
    ("language", "title"), [("en", "Temporarily unavailable"), ("pl", "Chwilowo")]
)
def test_an_unreachable_database_answers_503_wherever_it_is_needed_without_tracebacks(
    tmp_path, caplog, unreachable, language, title
):
    broken = make_app(unreachable)
    broken.instance_path = str(tmp_path / "instance")
    client = broken.test_client()
    client.set_cookie("lang", language)
    with caplog.at_level(logging.ERROR):
        for path in [
            "/",
            "/events.ics",
            "/events/seminarium",
            "/events/seminarium/register",
            "/r/no-such-token",
            "/t/no-such-token",
            "/checkin/link/no-such-token",
        ]:
            response = client.get(path)  # each needs the database
            assert response.status_code == 503, (path, response.status_code)
            assert title in response.get_data(as_text=True)
            assert int(response.headers["Retry-After"]) > 0
        api = client.get("/api/checkin/seminarium/counts")
        assert api.status_code == 503 and api.is_json
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json["database"] != "ok"
    pages = [r.getMessage() for r in caplog.records if r.name == "events.views.errors"]
    assert len(pages) == 8 and all("The database cannot be reached" in line for line in pages)
    assert not any(record.exc_info for record in caplog.records)  # one line each, no traceback
