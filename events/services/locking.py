"""Row locks: what a command locks, it holds until its transaction ends.

Every command that changes seats first locks the event row (SELECT ... FOR
UPDATE on PostgreSQL; on SQLite every command's transaction already holds the
write lock, see `configure_sqlite`), so two people can never both take the
last seat; a change of one registration locks that row. Locked rows are read
fresh (`populate_existing`), never from what the session already holds.
"""

import sqlalchemy as sa

from events.extensions import db
from events.models import Event, Registration


def lock_event(event_id: int) -> Event:
    """Load the event and hold its row lock until the transaction ends."""
    return db.session.execute(
        sa.select(Event)
        .where(Event.id == event_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def lock_registration(registration_id: int) -> Registration | None:
    """Load the registration, fresh, and hold its row lock until the transaction ends."""
    return db.session.execute(
        sa.select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
