"""Backups of the database and their restore: `flask --app app backup|restore FILE`.

SQLite (the embedded default): SQLite's online backup copies a consistent
database while the app keeps serving. PostgreSQL: `pg_dump` in its custom
format, restored by `pg_restore --clean` (both from the PostgreSQL client
package, which must match the server's major version or be newer). A restore
replaces everything in the database with the backup: stop the app and the
workers first (the README's production section says how).
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa


class BackupError(Exception):
    pass


def _libpq_url(url: sa.URL) -> str:
    """The URL as pg_dump reads it (no "+psycopg" driver part)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(engine: sa.Engine, target: Path) -> None:
    """Write a consistent copy of the database to `target`."""
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(engine.url.database) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target),
          _libpq_url(engine.url)])  # fmt: skip


def restore(engine: sa.Engine, source: Path) -> None:
    """Replace the database's contents with the backup in `source`."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    engine.dispose()  # no pooled connection may hold the old data
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(source) as backup_copy, sqlite3.connect(engine.url.database) as live:
            backup_copy.backup(live)
        return
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", _libpq_url(engine.url), str(source)])  # fmt: skip


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{Path(command[0]).name} failed")
