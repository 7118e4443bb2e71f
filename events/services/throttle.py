"""Counters that hold under parallel requests: attempts per key in a fixed window.

`take` inserts the key's row if it is missing, then locks it (SELECT ... FOR
UPDATE on PostgreSQL; SQLite's BEGIN IMMEDIATE already serializes writers) and
decides under that lock: a second request for the same key waits for the first
one's transaction and sees its hit. Counting rows and inserting afterwards let
parallel requests all pass the same count.

The functions flush, never commit: the caller's command decides when the hit is
stored (see events.unit_of_work).
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from events.extensions import db
from events.models import ThrottleCounter


def _insert_missing(key: str, now: datetime) -> None:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(ThrottleCounter)
        .values(key=key, window_start=now, hits=0)
        .on_conflict_do_nothing(index_elements=["key"])
    )


def _locked(key: str, now: datetime) -> ThrottleCounter:
    """The key's counter, locked; made when missing. A counter pruned by another
    transaction while this one waited for its lock is simply made again."""
    for _attempt in range(3):
        _insert_missing(key, now)
        counter = db.session.scalar(
            sa.select(ThrottleCounter)
            .where(ThrottleCounter.key == key)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if counter is not None:
            return counter
    raise RuntimeError(f"throttle counter {key!r} vanished three times")


def take(key: str, limit: int, window: timedelta, now: datetime) -> bool:
    """Count one attempt for `key`; False (and nothing counted) when `limit`
    attempts were already made in the current window."""
    counter = _locked(key, now)
    if now - counter.window_start >= window:
        counter.window_start, counter.hits = now, 0
    if counter.hits >= limit:
        return False
    counter.hits += 1
    db.session.flush()
    return True


def give_back(key: str) -> None:
    """Return one attempt (a login that turned out right is no guess)."""
    db.session.execute(
        sa.update(ThrottleCounter)
        .where(ThrottleCounter.key == key, ThrottleCounter.hits > 0)
        .values(hits=ThrottleCounter.hits - 1)
    )


def forget(key: str) -> None:
    db.session.execute(sa.delete(ThrottleCounter).where(ThrottleCounter.key == key))


def prune(older_than: datetime) -> None:
    """Drop counters whose window started long ago (they allow everything again).
    Counters another transaction holds are left for next time (SKIP LOCKED): waiting
    for them here, while holding counters of our own, could deadlock."""
    stale = (
        sa.select(ThrottleCounter.key)
        .where(ThrottleCounter.window_start < older_than)
        .with_for_update(skip_locked=True)
    )
    db.session.execute(
        sa.delete(ThrottleCounter)
        .where(ThrottleCounter.key.in_(stale))
        .execution_options(synchronize_session=False)
    )
