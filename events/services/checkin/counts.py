"""The door's counters: people inside and confirmed, per event or per session.

Read at most once every READ_CACHE_SECONDS per process (events.read_cache), so that
a scan does not count 10,000 rows; this process's own check-ins and undos are added
once committed (`count_in_door`).
"""

import sqlalchemy as sa

from events.extensions import db
from events.models import Registration, RegistrationStatus, SessionAttendance
from events.read_cache import read_cache
from events.unit_of_work import after_commit


def door_counts(event_id: int, session_id: int | None = None) -> dict[str, int]:
    """{"checked_in": people inside, "confirmed": confirmed registrations} (at a course:
    people at `session_id`).

    Counted over this event's rows only, at most once every READ_CACHE_SECONDS per
    process (events.read_cache): a scan does not count 10,000 rows. This process's
    own check-ins and undos are added once committed.
    """
    key = ("door", event_id, session_id)
    return dict(read_cache().get(key, lambda: _count_door(event_id, session_id)))


def count_in_door(event_id: int, session_id: int | None, change: int) -> None:
    """Add `change` people to this process's count once the command has committed."""
    cache = read_cache()
    after_commit(
        lambda: cache.adjust(
            ("door", event_id, session_id),
            lambda counts: {**counts, "checked_in": counts["checked_in"] + change},
        )
    )


def _count_door(event_id: int, session_id: int | None) -> dict[str, int]:
    if session_id is not None:
        confirmed = db.session.scalar(
            sa.select(sa.func.count()).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        present = db.session.scalar(
            sa.select(sa.func.count()).where(SessionAttendance.session_id == session_id)
        )
        return {"checked_in": present, "confirmed": confirmed}
    checked_in, confirmed = db.session.execute(
        sa.select(
            sa.func.count(Registration.checked_in_at),
            sa.func.count().filter(Registration.status == RegistrationStatus.CONFIRMED),
        ).where(Registration.event_id == event_id)
    ).one()
    return {"checked_in": checked_in, "confirmed": confirmed}


def checked_in_counts(event_ids: list[int]) -> dict[int, int]:
    """People checked in per event, for many events in one query."""
    counts = dict.fromkeys(event_ids, 0)
    if event_ids:
        rows = db.session.execute(
            sa.select(Registration.event_id, sa.func.count())
            .where(Registration.event_id.in_(event_ids), Registration.checked_in_at.is_not(None))
            .group_by(Registration.event_id)
        )
        counts.update(dict(rows.all()))
    return counts
