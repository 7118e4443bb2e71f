"""Settings read from the environment, with safe defaults for the embedded run.

Every variable is documented in the README. `load_config` returns a plain dict
that `create_app` merges with the overrides a test passes in.
"""

import os

DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - refused in production
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen APP_ENV."""


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def database_url(raw: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def load_config(environ=os.environ) -> dict:
    """Read the settings from `environ`; DATABASE_URL may stay None (SQLite in instance/)."""
    env = environ.get("APP_ENV", "development")
    raw_db = environ.get("DATABASE_URL")
    mail_port = environ.get("MAIL_PORT", "25")
    return {
        "APP_ENV": env,
        "SECRET_KEY": environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url(raw_db) if raw_db else None,
        "BASE_URL": environ.get("BASE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_SERVER": environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(mail_port) if mail_port.isdigit() else 25,
        "MAIL_USE_TLS": _bool(environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_SUPPRESS_SEND": False,  # Flask-Mail would otherwise not send when TESTING
        "MAIL_DEFAULT_SENDER": environ.get(
            "MAIL_DEFAULT_SENDER", "Działamy Razem <no-reply@localhost>"
        ),
        "SESSION_COOKIE_SECURE": env == "production",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "BABEL_DEFAULT_LOCALE": "pl",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Warsaw",
        "WTF_CSRF_TIME_LIMIT": None,
    }


def check_production(config: dict) -> None:
    """Refuse to run in production with the development secret or a short one."""
    if config.get("APP_ENV") != "production":
        return
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            "APP_ENV=production needs a real SECRET_KEY of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters in the environment, e.g. "
            "SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
