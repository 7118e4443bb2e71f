"""Settings read from the environment, with safe defaults for the embedded run.

Every variable is documented in docs/configuration.md. `load_config` returns a plain dict
that `create_app` merges with the overrides a test passes in.
"""

import os
import re
from email.utils import parseaddr
from urllib.parse import urlsplit

import click

from events.timezone import TIMEZONE_NAME

DEV_SECRET_KEY = "dev-only-insecure-secret-key"  # noqa: S105 - refused in production
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(click.ClickException):
    """The configuration is unsafe or incomplete for the chosen APP_ENV.

    A click exception, so that `flask --app app ...` says it in one line,
    without a traceback, when the factory refuses to build the app.
    """

    def format_message(self) -> str:
        return f"Configuration error: {self.message}"


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


ENVIRONMENTS = ("development", "production")
# Who holds the registrants' data (GDPR art. 13). Placeholders for a laptop only:
# production refuses to start without the real CONTROLLER_NAME and CONTROLLER_EMAIL.
DEV_CONTROLLER = {
    "CONTROLLER_NAME": "Stowarzyszenie Działamy Razem (demo)",
    "CONTROLLER_ADDRESS": "ul. Przykładowa 1, 60-001 Poznań",
    "CONTROLLER_EMAIL": "kontakt@example.org",
}
PARTNER_ROLES = ("recipient", "co-controller")
DEFAULT_RETENTION_MONTHS = 12
DEFAULT_BASE_URL = "http://127.0.0.1:5000"

# Request sizes. The largest legitimate body is an organizer's event description or
# message (a few kilobytes); 1 MiB leaves room and stops multi-megabyte floods.
DEFAULT_MAX_CONTENT_LENGTH = 1024 * 1024
DEFAULT_MAX_FORM_MEMORY_SIZE = 256 * 1024  # one form field
DEFAULT_MAX_FORM_PARTS = 200  # fields in one form
DEFAULT_API_MAX_CONTENT_LENGTH = 256 * 1024  # a JSON body of the check-in API
# Rate limits per client address (per scanner for the check-in search), in
# Flask-Limiter's notation; each can be set in the environment.
DEFAULT_RATE_LIMITS = {
    "RATELIMIT_REGISTRATION": "10 per minute; 60 per hour",
    "RATELIMIT_LOST_LINK": "5 per minute; 30 per hour",
    "RATELIMIT_LOGIN": "10 per minute; 60 per hour",
    "RATELIMIT_CHECKIN_SEARCH": "30 per minute; 300 per hour",
    # Generous: a meeting room answers from one address (the venue's Wi-Fi).
    "RATELIMIT_QUESTIONNAIRE": "30 per minute; 300 per hour",
    # The JSON API: the public programme per address, the organizer API per token.
    "RATELIMIT_API_PUBLIC": "120 per minute",
    "RATELIMIT_API_TOKEN": "300 per minute; 5000 per hour",
}
HSTS_SECONDS = 365 * 24 * 3600
# A host in an origin: a DNS name (or IPv4 address), or an IPv6 address in brackets.
ORIGIN_HOST = re.compile(r"[a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\]")


def load_config(environ=os.environ) -> dict:
    """Read the settings from `environ`; DATABASE_URL may stay None (SQLite in instance/).

    Raises ConfigError for values that cannot be right (an unknown APP_ENV, a
    MAIL_PORT that is not a number).
    """
    env = environ.get("APP_ENV", "development").strip().lower()
    if env not in ENVIRONMENTS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}.")
    raw_db = environ.get("DATABASE_URL")
    mail_port = environ.get("MAIL_PORT", "25").strip()
    if not mail_port.isdigit():
        raise ConfigError(f"MAIL_PORT must be a port number, not {mail_port!r}.")
    mail_timeout = environ.get("MAIL_TIMEOUT", "30").strip()
    if not mail_timeout.isdigit() or int(mail_timeout) < 1:
        raise ConfigError(f"MAIL_TIMEOUT must be a number of seconds, not {mail_timeout!r}.")
    retention = environ.get("RETENTION_MONTHS", str(DEFAULT_RETENTION_MONTHS)).strip()
    if not retention.isdigit() or int(retention) < 1:
        raise ConfigError(f"RETENTION_MONTHS must be a number of months, not {retention!r}.")
    proxies = environ.get("TRUSTED_PROXIES", "0").strip()
    if not proxies.isdigit():
        raise ConfigError(f"TRUSTED_PROXIES must be a number of proxies, not {proxies!r}.")
    health_minutes = environ.get("HEALTH_OUTBOX_MAX_MINUTES", "30").strip()
    if not health_minutes.isdigit():
        raise ConfigError(
            f"HEALTH_OUTBOX_MAX_MINUTES must be a number of minutes, not {health_minutes!r}."
        )
    read_seconds = environ.get("READ_CACHE_SECONDS", "2").strip()
    if not read_seconds.replace(".", "", 1).isdigit():
        raise ConfigError(f"READ_CACHE_SECONDS must be a number of seconds, not {read_seconds!r}.")
    sizes = {
        name: _size(environ, name, default)
        for name, default in (
            ("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH),
            ("MAX_FORM_MEMORY_SIZE", DEFAULT_MAX_FORM_MEMORY_SIZE),
            ("MAX_FORM_PARTS", DEFAULT_MAX_FORM_PARTS),
            ("API_MAX_CONTENT_LENGTH", DEFAULT_API_MAX_CONTENT_LENGTH),
        )
    }
    contact = " ".join(environ.get("ORGANIZER_CONTACT", "").split()) or None
    if contact and "@" not in parseaddr(contact)[1]:
        raise ConfigError(f"ORGANIZER_CONTACT must be an email address, not {contact!r}.")
    return {
        "APP_ENV": env,
        "SECRET_KEY": environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": database_url(raw_db) if raw_db else None,
        "BASE_URL": environ.get("BASE_URL", DEFAULT_BASE_URL).rstrip("/"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to believe.
        "TRUSTED_PROXIES": int(proxies),
        "MAIL_SERVER": environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": int(mail_port),
        # Seconds to wait for the SMTP server to connect or answer, per step.
        "MAIL_TIMEOUT": int(mail_timeout),
        "MAIL_USE_TLS": _bool(environ.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(environ.get("MAIL_USE_SSL")),
        "MAIL_USERNAME": environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": environ.get("MAIL_PASSWORD") or None,
        "MAIL_SUPPRESS_SEND": False,  # Flask-Mail would otherwise not send when TESTING
        # Development only: deliver the outbox from the web process right after each
        # response. In production only `flask --app app outbox-worker` delivers, so
        # that a message to 500 people never holds a web worker.
        "MAIL_SEND_AFTER_RESPONSE": env != "production"
        and _bool(environ.get("MAIL_SEND_AFTER_RESPONSE"), True),
        "MAIL_DEFAULT_SENDER": environ.get(
            "MAIL_DEFAULT_SENDER", "Działamy Razem <no-reply@localhost>"
        ),
        # Where registrants' replies go (Reply-To, and named in every email's footer);
        # an event's own contact address takes precedence. Unset: "do not reply".
        "ORGANIZER_CONTACT": contact,
        **controller_settings(environ, env),
        "RETENTION_MONTHS": int(retention),
        # /healthz says "degraded" (and /healthz/outbox answers 503) when a due message has
        # waited longer than this.
        "HEALTH_OUTBOX_MAX_MINUTES": int(health_minutes),
        # Whether webhooks may be sent to loopback, private and link-local addresses (a
        # receiver on the same machine or network): off in production unless asked for, so
        # that an organizer's webhook cannot read the server's own network.
        "WEBHOOKS_PRIVATE_ADDRESSES": _bool(
            environ.get("WEBHOOKS_PRIVATE_ADDRESSES"), env != "production"
        ),
        # How long a worker trusts a count it read (events.read_cache).
        "READ_CACHE_SECONDS": float(read_seconds),
        # Partners' websites that may show /embed/ pages in a frame (frame-ancestors).
        "EMBED_ORIGINS": embed_origins(environ.get("EMBED_ORIGINS", "")),
        "SESSION_COOKIE_SECURE": env == "production",
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "BABEL_DEFAULT_LOCALE": "pl",
        "BABEL_DEFAULT_TIMEZONE": TIMEZONE_NAME,
        "WTF_CSRF_TIME_LIMIT": None,
        **sizes,
        **rate_limit_settings(environ),
        # Browsers keep to https:// for a year once they have seen the site in production.
        "HSTS_SECONDS": HSTS_SECONDS if env == "production" else 0,
    }


def embed_origins(value: str | tuple | list | None) -> tuple[str, ...]:
    """The origins of EMBED_ORIGINS ("https://powiat.example.pl https://ngo.example.org",
    spaces or commas between them), lower-cased, without a trailing slash.

    Raises ConfigError for anything that is not scheme://host[:port] with http or https
    (a path, a wildcard, a missing scheme): a browser would not match it, or it would
    let any site frame the programme.
    """
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value or ())
    return tuple(dict.fromkeys(_origin(item) for item in items))


def _origin(raw: str) -> str:
    text = raw.strip().lower().removesuffix("/")
    problem = f"EMBED_ORIGINS must list origins such as https://powiat.example.pl, not {raw!r}."
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise ConfigError(problem) from None
    host = parts.netloc.rsplit(":", 1)[0] if port is not None else parts.netloc
    if (
        parts.scheme not in ("http", "https")
        or not ORIGIN_HOST.fullmatch(host)
        or parts.path
        or parts.query
        or parts.fragment
        or text.endswith(("?", "#", ":"))
    ):
        raise ConfigError(problem)
    return f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")


def _size(environ, name: str, default: int) -> int:
    raw = environ.get(name, str(default)).strip()
    if not raw.isdigit() or int(raw) < 1:
        raise ConfigError(f"{name} must be a positive number, not {raw!r}.")
    return int(raw)


def rate_limit_settings(environ) -> dict:
    """Flask-Limiter's settings: the limits, and where the counters live.

    RATELIMIT_STORAGE_URI empty: in this process's memory (one process only; production
    asks for a shared store, e.g. redis://127.0.0.1:6379/0).
    """
    settings = {
        name: (environ.get(name) or "").strip() or default
        for name, default in DEFAULT_RATE_LIMITS.items()
    }
    return {
        **settings,
        "RATELIMIT_ENABLED": _bool(environ.get("RATELIMIT_ENABLED"), True),
        "RATELIMIT_STORAGE_URI": (environ.get("RATELIMIT_STORAGE_URI") or "").strip()
        or "memory://",
        "RATELIMIT_STORAGE_URI_SET": bool((environ.get("RATELIMIT_STORAGE_URI") or "").strip()),
        "RATELIMIT_KEY_PREFIX": (environ.get("RATELIMIT_KEY_PREFIX") or "").strip() or "events",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_STRATEGY": "moving-window",
        # A storage outage must not take the site down: counted in memory meanwhile.
        "RATELIMIT_SWALLOW_ERRORS": True,
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    }


def controller_settings(environ, env: str) -> dict:
    """The data controller and the contact shown on the privacy page, in footers and emails."""
    settings = {
        key: (environ.get(key) or "").strip() or None
        for key in (
            "CONTROLLER_NAME",
            "CONTROLLER_ADDRESS",
            "CONTROLLER_EMAIL",
            "CONTROLLER_PHONE",
            "DPO_EMAIL",
            "CONTACT_EMAIL",
            "CONTACT_PHONE",
        )
    }
    if env != "production":
        for key, value in DEV_CONTROLLER.items():
            settings[key] = settings[key] or value
    # How the privacy notice names the organizations running events: recipients of the
    # controller's data (the default), or joint controllers with it (GDPR art. 26).
    settings["PARTNER_ROLE_IN_PRIVACY"] = (
        environ.get("PARTNER_ROLE_IN_PRIVACY") or PARTNER_ROLES[0]
    ).strip()
    # The contact for questions about the events defaults to the controller's.
    settings["CONTACT_EMAIL"] = settings["CONTACT_EMAIL"] or settings["CONTROLLER_EMAIL"]
    settings["CONTACT_PHONE"] = settings["CONTACT_PHONE"] or settings["CONTROLLER_PHONE"]
    return settings


def check_production(config: dict) -> None:
    """Refuse to run in production with settings that only suit a laptop.

    The development secret or a short one; links in emails pointing to this
    machine; no mail server (mail would quietly go to files); no data controller
    (people must know who holds their data and whom to ask); rate-limit counters
    left, unsaid, in each process's memory (each gunicorn worker would allow the
    whole limit again).
    """
    if config.get("APP_ENV") != "production":
        return
    problems = []
    key = config.get("SECRET_KEY") or ""
    if key == DEV_SECRET_KEY or len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"SECRET_KEY must be set to at least {MIN_SECRET_KEY_LENGTH} random characters, "
            "e.g. $(python3 -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if not config.get("BASE_URL", "").startswith("https://"):
        problems.append("BASE_URL must be the site's public https:// address")
    if not config.get("MAIL_SERVER"):
        problems.append("MAIL_SERVER must name the SMTP server")
    if not config.get("CONTROLLER_NAME"):
        problems.append("CONTROLLER_NAME must name the data controller (the privacy notice)")
    if not config.get("CONTROLLER_EMAIL"):
        problems.append("CONTROLLER_EMAIL must give the data controller's contact address")
    if not config.get("CONTROLLER_ADDRESS"):
        problems.append("CONTROLLER_ADDRESS must give the data controller's postal address")
    if config.get("PARTNER_ROLE_IN_PRIVACY") not in PARTNER_ROLES:
        problems.append("PARTNER_ROLE_IN_PRIVACY must be " + " or ".join(PARTNER_ROLES))
    if not config.get("RATELIMIT_STORAGE_URI_SET"):
        problems.append(
            "RATELIMIT_STORAGE_URI must say where rate-limit counters live, shared by all "
            "processes (redis://host:6379/0; memory:// only for a single process)"
        )
    if problems:
        raise ConfigError("APP_ENV=production refuses to start: " + "; ".join(problems) + ".")
