"""Accounts: the create-user command, login and logout, throttling, production settings."""

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from events.config import ConfigError
from events.extensions import db
from events.models import Role, User
from tests.conftest import csrf_token
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent


def log_in(client, email, password):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def test_create_user_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["create-user", "Organizator@Example.org", "--role", "organizer", "--password-stdin"],
        input="dlugie-haslo-123\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created organizer account organizator@example.org" in result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.role == Role.ORGANIZER
        assert user.password_hash != "dlugie-haslo-123"
        assert user.check_password("dlugie-haslo-123")


def test_create_user_prompts_for_the_password_twice(app, runner):
    result = runner.invoke(
        args=["create-user", "wolontariusz@example.org", "--role", "staff"],
        input="kawa z mlekiem o poranku\nkawa z mlekiem o poranku\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created staff account" in result.output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["a@example.org", "--role", "organizer", "--password-stdin"], "short\n", "at least 12"),
        (["a@example.org", "--role", "admin", "--password-stdin"], "x" * 12, "Invalid value"),
    ],
)
def test_create_user_refuses_bad_input(runner, args, stdin, message):
    result = runner.invoke(args=["create-user", *args], input=stdin)
    assert result.exit_code != 0
    assert message in result.output


def test_create_user_refuses_an_existing_address(app, runner):
    with app.app_context():
        make_user(email="a@example.org")
    result = runner.invoke(
        args=["create-user", "A@example.org", "--role", "staff", "--password-stdin"],
        input="inne-dlugie-haslo\n",
    )
    assert result.exit_code != 0
    assert "already exists" in result.output


def test_login_and_logout(app, client):
    with app.app_context():
        make_user(email="org@example.org", password="poprawne-haslo")
    response = log_in(client, "ORG@example.org", "poprawne-haslo")
    assert response.status_code == 302
    html = client.get("/").get_data(as_text=True)
    assert "You are logged in as org@example.org." in html
    assert "Log out" in html

    token = csrf_token(client, "/")
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert "Log out" not in client.get("/").get_data(as_text=True)


def test_logout_without_csrf_token_is_refused(app, client):
    with app.app_context():
        make_user(email="org@example.org", password="poprawne-haslo")
    log_in(client, "org@example.org", "poprawne-haslo")
    assert client.post("/logout").status_code == 400
    assert "Log out" in client.get("/").get_data(as_text=True)


def test_wrong_password_and_unknown_address_get_the_same_message(app, client):
    with app.app_context():
        make_user(email="org@example.org", password="poprawne-haslo")
    wrong = log_in(client, "org@example.org", "zle-haslo").get_data(as_text=True)
    unknown = log_in(client, "nikt@example.org", "zle-haslo").get_data(as_text=True)
    assert "Wrong email or password." in wrong and "Wrong email or password." in unknown


def test_inactive_accounts_cannot_log_in(app, client):
    with app.app_context():
        user = make_user(email="byly@example.org", password="poprawne-haslo")
        user.active = False
        db.session.commit()
    html = log_in(client, "byly@example.org", "poprawne-haslo").get_data(as_text=True)
    assert "Wrong email or password." in html


def test_failed_logins_are_throttled_even_for_the_right_password(app, client):
    with app.app_context():
        make_user(email="org@example.org", password="poprawne-haslo")
    for _ in range(5):
        log_in(client, "org@example.org", "zgadywane-haslo")
    response = log_in(client, "org@example.org", "poprawne-haslo")
    assert response.status_code == 200
    assert "Too many failed attempts" in response.get_data(as_text=True)
    # Another account is not locked by someone guessing this one.
    with app.app_context():
        make_user(email="inny@example.org", password="inne-poprawne")
    assert log_in(client, "inny@example.org", "inne-poprawne").status_code == 302


def test_login_redirects_only_to_local_pages(app, client):
    with app.app_context():
        make_user(email="org@example.org", password="poprawne-haslo")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "org@example.org", "password": "poprawne-haslo", "csrf_token": token},
    )
    assert response.headers["Location"] == "/organizer/"  # an organizer's own area


def test_production_refuses_to_start_with_laptop_settings(monkeypatch):
    for name in ("SECRET_KEY", "BASE_URL", "MAIL_SERVER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("APP_ENV", " Production ")
    with pytest.raises(ConfigError) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for missing in ("SECRET_KEY", "BASE_URL", "MAIL_SERVER"):
        assert missing in str(refused.value)
    monkeypatch.setenv("SECRET_KEY", "short")
    monkeypatch.setenv("BASE_URL", "https://rejestracja.example.org")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    with pytest.raises(ConfigError, match="at least 32"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("SECRET_KEY", "k" * 48)
    for name in ("CONTROLLER_NAME", "CONTROLLER_EMAIL", "CONTROLLER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ConfigError) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for missing in ("CONTROLLER_NAME", "CONTROLLER_EMAIL", "CONTROLLER_ADDRESS"):
        assert missing in str(refused.value)
    monkeypatch.setenv("CONTROLLER_NAME", "Stowarzyszenie Działamy Razem")
    monkeypatch.setenv("CONTROLLER_EMAIL", "iod@dzialamyrazem.example.org")
    monkeypatch.setenv("CONTROLLER_ADDRESS", "ul. Święty Marcin 1, 61-001 Poznań")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")  # said explicitly: one process
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["CONTACT_EMAIL"] == "iod@dzialamyrazem.example.org"


def test_the_flask_command_explains_a_configuration_error_in_one_line(tmp_path):
    import subprocess
    import sys

    env = {"PATH": os.environ["PATH"], "APP_ENV": "production", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode != 0
    assert "Configuration error: APP_ENV=production refuses to start" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("variable", "value"), [("APP_ENV", "prod"), ("MAIL_PORT", "twenty-five")])
def test_impossible_settings_are_refused(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_postgres_urls_use_the_psycopg_driver():
    from events.config import load_config

    config = load_config({"DATABASE_URL": "postgresql://u@db.example/events"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/events"


def test_create_user_refuses_a_malformed_address(runner):
    result = runner.invoke(
        args=["create-user", "notanemail", "--role", "staff", "--password-stdin"],
        input="dlugie-haslo-123\n",
    )
    assert result.exit_code != 0
    assert "not a valid email address" in result.output


def test_behind_a_trusted_proxy_the_client_address_is_the_forwarded_one(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'proxy.db'}", TRUSTED_PROXIES=1)
    seen = {}

    @app.get("/_address")
    def address():
        from flask import request

        seen["ip"] = request.remote_addr
        return "ok"

    app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen["ip"] == "203.0.113.7"


def test_tests_do_not_depend_on_the_shells_environment(monkeypatch, tmp_path):
    """`APP_ENV=production python -m pytest` runs the suite: a test's own configuration
    is all its app reads, whatever the shell exports."""
    from tests.conftest import make_app

    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("MAIL_PORT", "not-a-port")
    app = make_app(f"sqlite:///{tmp_path / 'shell.db'}")
    assert app.config["APP_ENV"] == "development"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_importing_the_app_module_builds_nothing(monkeypatch):
    import importlib

    import app as app_module

    monkeypatch.setenv("APP_ENV", "production")  # would refuse to build
    importlib.reload(app_module)
    assert not hasattr(app_module, "app")
