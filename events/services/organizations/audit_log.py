"""The network's audit log: the latest entries an account may read, newest first.

A coordinator reads every entry. An organizer reads the entries about the events their
organization manages (its own and those it co-organizes, whoever acted), and the
entries about no event made in their organization's name (a download of the
programme's participants, a consultation's answers). An entry about another
organization's event is never shown, even when its actor belongs to the reader's
organization: the event is not theirs to see (a coordinator of the lead organization
changes partners' events).
"""

from dataclasses import dataclass

import sqlalchemy as sa

from events.extensions import db
from events.models import AuditEntry
from events.services.organizations.scope import Scope

PAGE_SIZE = 50


@dataclass
class LogPage:
    entries: list[AuditEntry]
    older: int | None  # where the next page begins (`before=`); None on the last one


def readable(scope: Scope) -> sa.ColumnElement[bool]:
    """A WHERE clause over `AuditEntry`: the entries this scope may read."""
    if scope.network:
        return sa.true()
    return sa.or_(
        AuditEntry.event_id.in_(scope.event_ids()),
        sa.and_(AuditEntry.event_id.is_(None), AuditEntry.organization_id == scope.organization_id),
    )


def network_log(
    scope: Scope, action: str | None = None, before: int | None = None, size: int = PAGE_SIZE
) -> LogPage:
    """One page of the entries `scope` reads, of one `action` if given, older than the
    entry `before` if given (a page costs the same however long the log grows)."""
    query = sa.select(AuditEntry).where(readable(scope))
    if action is not None:
        query = query.where(AuditEntry.action == action)
    if before is not None:
        query = query.where(AuditEntry.id < before)
    entries = list(db.session.scalars(query.order_by(AuditEntry.id.desc()).limit(size + 1)))
    older = entries[size - 1].id if len(entries) > size else None
    return LogPage(entries[:size], older)
