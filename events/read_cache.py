"""Aggregates a worker may reuse for a moment instead of counting rows again.

Counting rows is the cost that grows with the data. The public pages' data
version (events.views.page_cache) and an event's counts at the door are read
at most once every READ_CACHE_SECONDS per process (default 2 s; the tests use
0, which reads every time). Within that moment another phone's check-in may
not show yet on this one; this process's own check-ins show at once.
"""

import threading
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app

DEFAULT_SECONDS = 2.0


class TimedValues:
    """Values by key, each trusted for `seconds` after it was read."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._values: dict[Any, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get(self, key, read: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._values.get(key)
        if found is not None and now - found[0] < self.seconds:
            return found[1]
        value = read()
        with self._lock:
            self._values[key] = (now, value)
        return value

    def adjust(self, key, change: Callable[[Any], Any]) -> None:
        """Apply a change this process made to a value it still trusts."""
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                self._values[key] = (found[0], change(found[1]))


def init_app(app: Flask) -> None:
    seconds = app.config.get("READ_CACHE_SECONDS", DEFAULT_SECONDS)
    app.extensions["read_cache"] = TimedValues(float(seconds))


def read_cache() -> TimedValues:
    return current_app.extensions["read_cache"]
