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
_after_commit: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "unit_of_work_after_commit", default=None
)


def command(function: Callable[P, R] | None = None, *, keep_values: bool = False):
    """Run `function` as one unit of work (or as part of the caller's, when nested).

    `@command(keep_values=True)`: the objects the command loaded keep their values
    after the commit instead of being read again on next use; for commands whose
    answer is built from what they just wrote (a scan at the door).
    """

    def decorate(function: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(function)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            depth = _depth.get()
            if depth == 0:
                _end_read_transaction()
                callbacks = _after_commit.set([])
            token = _depth.set(depth + 1)
            try:
                result = function(*args, **kwargs)
                if depth == 0:
                    _commit(keep_values)
                    for callback in _after_commit.get():
                        callback()
                return result
            except BaseException:
                if depth == 0:
                    db.session.rollback()
                raise
            finally:
                _depth.reset(token)
                if depth == 0:
                    _after_commit.reset(callbacks)

        return run

    return decorate(function) if function is not None else decorate


def after_commit(callback: Callable[[], None]) -> None:
    """Run `callback` once the outermost command has committed; never if it rolls back.
    For what lives outside the database (a count a worker keeps in memory)."""
    callbacks = _after_commit.get()
    if callbacks is None:
        callback()  # not in a command: nothing to wait for
    else:
        callbacks.append(callback)


def _commit(keep_values: bool) -> None:
    session = db.session()
    session.expire_on_commit = not keep_values
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _end_read_transaction() -> None:
    """SQLite: a transaction begun for reading cannot become a writer safely."""
    session = db.session()
    if session.in_transaction() and session.get_bind().dialect.name == "sqlite":
        session.commit()
        session.expire_all()  # what was read before is read again, under the lock


def in_command() -> bool:
    """True inside a command: for code that must not commit on its own."""
    return _depth.get() > 0
