"""One command, one transaction.

A command is what a person or a process asks for at once: one request, one CLI
command, one step of a worker. Services change the session and flush; the
outermost function marked `@command` commits once when it returns, and rolls
everything back when anything in it raises: the change, its audit entry and its
outbox messages are stored together or not at all.

Commands may call commands (an organizer's phone registration runs the public
registration); only the outermost one commits. Views never commit: they call a
command.

On SQLite a command's transaction takes the write lock when it begins (see
events.extensions.configure_sqlite); what a request read before the command
is ended first, so the command reads again under the lock.
"""

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

from events.extensions import db

P = ParamSpec("P")
R = TypeVar("R")

_depth: ContextVar[int] = ContextVar("unit_of_work_depth", default=0)


def command(function: Callable[P, R]) -> Callable[P, R]:
    """Run `function` as one unit of work (or as part of the caller's, when nested)."""

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        depth = _depth.get()
        if depth == 0:
            _end_read_transaction()
        token = _depth.set(depth + 1)
        try:
            result = function(*args, **kwargs)
            if depth == 0:
                db.session.commit()
            return result
        except BaseException:
            if depth == 0:
                db.session.rollback()
            raise
        finally:
            _depth.reset(token)

    return run


def _end_read_transaction() -> None:
    """SQLite: a transaction begun for reading cannot become a writer safely."""
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.commit()
        session.expire_all()  # what was read before is read again, under the lock


def in_command() -> bool:
    """True inside a command: for code that must not commit on its own."""
    return _depth.get() > 0
