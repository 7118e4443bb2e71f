"""The application factory.

Nothing is built on import: `flask --app app ...` finds `create_app` by itself,
gunicorn is started with `'app:create_app()'`, and tests and benchmarks build
their own app with their own configuration.
"""

import os

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from events import cli, logs, read_cache  # models: every table, for Alembic
from events.config import check_production, embed_origins, load_config
from events.counties import county_name
from events.extensions import (
    babel,
    configure_sqlite,
    csrf,
    db,
    limiter,
    login_manager,
    mail,
    migrate,
)
from events.i18n import select_locale
from events.messages import outbox
from events.messages.certificate import dates_text
from events.messages.links import absolute_url, map_url
from events.services.accounts import user_for_session
from events.timezone import period, session_label
from events.unit_of_work import in_command
from events.views import (
    api,
    auth,
    certificates,
    checkin,
    embed,
    errors,
    groups,
    health,
    invitations,
    page_cache,
    public,
    questionnaire,
    registration,
    ticket,
)
from events.views.organizer import bp as organizer_bp


# Only this site's own scripts, styles and images (and data: images); no framing, except
# the /embed/ pages by this site and the partners' sites of EMBED_ORIGINS.
# WebAssembly may be compiled (the scanner's QR decoder), but no JavaScript eval.
def content_security_policy(frame_ancestors: str = "'none'") -> str:
    return (
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'self'; "
        f"form-action 'self'; frame-ancestors {frame_ancestors}"
    )


CONTENT_SECURITY_POLICY = content_security_policy()
# The camera for the door scanner on this site only; nothing else a page may ask for.
PERMISSIONS_POLICY = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()"


class DatabaseId(IntegerConverter):
    """`<int:...>` in a route: a whole number that fits the databases' integer ids.
    A longer one is a 404, never an overflow in the database driver."""

    def __init__(self, map, *args, **kwargs):  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.url_map.converters["int"] = DatabaseId
    configure(app, config or {})
    configure_extensions(app)
    register_blueprints(app)
    configure_templates(app)
    cli.register(app)
    return app


def configure(app: Flask, overrides: dict) -> None:
    """The environment's settings, then the caller's. A test passes its whole
    configuration (`APP_ENV` included), so the shell's environment cannot stop it."""
    app.config.update(load_config({} if overrides.get("TESTING") else os.environ))
    app.config.update(overrides)
    app.config["EMBED_ORIGINS"] = embed_origins(app.config.get("EMBED_ORIGINS"))
    check_production(app.config)
    os.makedirs(app.instance_path, exist_ok=True)
    if app.config.get("TRUSTED_PROXIES"):
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        path = os.path.join(app.instance_path, "events.db")
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    # A connection the database closed (a restart) is noticed before use, not by a visitor.
    engine_options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    engine_options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options


def configure_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, writing=in_command)
    migrate.init_app(app, db, render_as_batch=True)
    mail.init_app(app)
    outbox.init_app(app)  # the embedded run sends after each response that queued mail
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    logs.init_app(app)
    read_cache.init_app(app)
    page_cache.init_app(app)
    limiter.init_app(app)

    @login_manager.user_loader
    def load_user(session_id: str):
        return user_for_session(session_id)


def register_blueprints(app: Flask) -> None:
    app.register_blueprint(public.bp)
    app.register_blueprint(registration.bp)
    app.register_blueprint(groups.bp)
    app.register_blueprint(ticket.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(checkin.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(embed.bp, url_prefix="/embed")
    app.register_blueprint(questionnaire.bp)
    app.register_blueprint(certificates.bp)
    app.register_blueprint(invitations.bp)
    app.register_blueprint(organizer_bp)
    app.register_blueprint(errors.bp)
    app.register_blueprint(health.bp)


def configure_templates(app: Flask) -> None:
    app.jinja_env.globals.update(
        county_name=county_name,
        get_locale=get_locale,
        absolute_url=absolute_url,
        map_url=map_url,
        period=period,
        session_label=session_label,
        certificate_dates=dates_text,
    )
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["date"] = format_date  # a calendar day (a date, no time zone)
    app.jinja_env.filters["format_decimal"] = format_decimal
    # "5M46BDGTFLMU..." shown as "5M46 BDGT FLMU ...": easier to read out at the door.
    app.jinja_env.filters["grouped"] = lambda code: " ".join(
        code[index : index + 4] for index in range(0, len(code), 4)
    )

    @app.after_request
    def security_headers(response):
        # Manage links carry a secret token: never leak it in a Referer header.
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        if request.blueprint == embed.bp.name:  # framed by this site and EMBED_ORIGINS only
            policy = content_security_policy(" ".join(("'self'", *app.config["EMBED_ORIGINS"])))
            response.headers.setdefault("Content-Security-Policy", policy)
        else:
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config.get("HSTS_SECONDS"):  # production: https only, from the first visit on
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={app.config['HSTS_SECONDS']}"
            )
        return response
