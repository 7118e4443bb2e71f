"""Backups of the database and their restore: `flask --app app backup|restore FILE`.

SQLite (the embedded default): SQLite's online backup copies a consistent
database while the app keeps serving. PostgreSQL: `pg_dump` in its custom
format, restored by `pg_restore --clean` (both from the PostgreSQL client
package, which must match the server's major version or be newer). A restore
replaces everything in the database with the backup: stop the app and the
workers first (docs/deploying.md says how).
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa


class BackupError(Exception):
    pass


def _libpq(url: sa.URL) -> tuple[str, dict]:
    """The URL as pg_dump reads it (no "+psycopg" driver part, no password: that goes
    in the environment, where `ps` does not show it)."""
    environment = dict(os.environ)
    if url.password:
        environment["PGPASSWORD"] = url.password
    address = url.set(drivername="postgresql", password=None)
    return address.render_as_string(hide_password=False), environment


def _private_file(target: Path) -> None:
    """The backup holds personal data: readable by its owner only, from the start."""
    target.touch(mode=0o600, exist_ok=True)
    target.chmod(0o600)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def backup(engine: sa.Engine, target: Path) -> None:
    """Write a consistent copy of the database to `target`."""
    _private_file(target)
    if engine.dialect.name == "sqlite":
        with (
            closing(sqlite3.connect(engine.url.database)) as source,
            closing(sqlite3.connect(target)) as copy,
        ):
            source.backup(copy)
        return
    address, environment = _libpq(engine.url)
    _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), address],
         environment)  # fmt: skip


def restore(engine: sa.Engine, source: Path) -> None:
    """Replace the database's contents with the backup in `source`."""
    if not source.is_file():
        raise BackupError(f"{source} is not a file")
    engine.dispose()  # no pooled connection may hold the old data
    if engine.dialect.name == "sqlite":
        with (
            closing(sqlite3.connect(source)) as backup_copy,
            closing(sqlite3.connect(engine.url.database)) as live,
        ):
            backup_copy.backup(live)
        return
    address, environment = _libpq(engine.url)
    _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction",
          "--dbname", address, str(source)], environment)  # fmt: skip


def _run(command: list[str], environment: dict) -> None:
    result = subprocess.run(  # noqa: S603 - our own tools, arguments from our settings
        command, capture_output=True, text=True, check=False, env=environment
    )
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{Path(command[0]).name} failed")
