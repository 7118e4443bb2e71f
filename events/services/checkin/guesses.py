"""The limit on unknown codes at the door: one count for every worker.

A scanner (an account, or a volunteer's check-in link) may try
GUESSES_PER_MINUTE unknown codes a minute; then every scan by code is refused
("throttled") until the minute is over, so that ticket codes cannot be found
by trying. The count lives in the database (a ThrottleCounter row, see
events.services.throttle), not in a worker's memory: gunicorn's workers, and
the hosts behind one database, share it exactly. Redis is not needed for it.

- An unknown code takes one guess under the counter's row lock, in the scan's
  own transaction: parallel workers cannot all pass one count, and a scan
  rolled back gives its guess back.
- A known code is refused once the guesses are used up. The count is read in
  the query that finds and locks the ticket (`guesses_made`), so a scan still
  costs the same statements.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from events.models import ThrottleCounter
from events.services import throttle

GUESSES_PER_MINUTE = 30
WINDOW = timedelta(minutes=1)


def guess_key(user_id: int | None, link_id: int | None) -> str:
    """Whose guesses one counter holds: the account, else the check-in link."""
    return f"door-guesses:user:{user_id}" if user_id else f"door-guesses:link:{link_id}"


def guesses_made(key: str, now: datetime) -> sa.ScalarSelect:
    """The guesses of `key` in its current minute, as a column for another query."""
    return (
        sa.select(ThrottleCounter.hits)
        .where(ThrottleCounter.key == key, ThrottleCounter.window_start > now - WINDOW)
        .scalar_subquery()
    )


def take_guess(key: str, now: datetime) -> bool:
    """Count one unknown code for `key`; False (nothing counted) when none is left."""
    return throttle.take(key, GUESSES_PER_MINUTE, WINDOW, now)
