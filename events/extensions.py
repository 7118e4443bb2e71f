"""Flask extensions, created unbound and attached to the app in `create_app`."""

from collections.abc import Callable

import sqlalchemy as sa
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_mail import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so that Alembic migrations can name what they alter.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
mail = Mail()
babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()


def client_address() -> str:
    """The client as the rate limits count it: its address (ProxyFix makes it the real
    one behind TRUSTED_PROXIES reverse proxies)."""
    return request.remote_addr or "unknown"


# Counters in memory by default; RATELIMIT_STORAGE_URI (e.g. redis://) shares them
# between processes and hosts. The limits themselves are in events.config.
limiter = Limiter(key_func=client_address)


def configure_sqlite(engine: sa.Engine, writing: Callable[[], bool]) -> None:
    """Serialize SQLite writers the way a row lock does on PostgreSQL; let readers run.

    pysqlite's own transaction handling is switched off. A transaction that
    may write (`writing()` is true: inside a command, see events.unit_of_work)
    starts with BEGIN IMMEDIATE, which takes the database's write lock at
    once: two registrations for the last seat run one after the other instead
    of both reading "one seat left". Every other transaction is a plain
    (deferred) BEGIN that only reads, and with WAL it runs beside a writer, so
    pages are not queued behind each other. busy_timeout makes a second
    writer wait, not fail.
    """

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(connection):
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writing() else "BEGIN")
