"""The audit log: every organizer action, written in the action's own transaction."""

from datetime import date, datetime
from enum import Enum

import sqlalchemy as sa

from events.extensions import db
from events.models import AuditEntry, User

COMMAND_LINE = "command line"


def snapshot(model, fields: tuple[str, ...]) -> dict:
    """The named attributes of a model, as JSON-friendly values."""
    return {name: _plain(getattr(model, name)) for name in fields}


def _plain(value):
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def record(
    action: str,
    user: User | None,
    event_id: int | None = None,
    *,
    registration_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
) -> AuditEntry:
    """Add an entry to the caller's transaction (the caller commits)."""
    entry = AuditEntry(
        action=action,
        user_id=user.id if user else None,
        actor=user.email if user else COMMAND_LINE,
        event_id=event_id,
        registration_id=registration_id,
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def event_log(event_id: int, limit: int = 500) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.event_id == event_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )
