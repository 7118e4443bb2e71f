"""Help for codes typed by hand at the door.

A ticket code is 26 characters of base32; one slip of a finger should not end in
"unknown code". Rather than a check character (which old tickets lack), an
unknown code is compared with the codes of this event only: one that differs by
a single character (changed, missing or extra) is offered as "did you mean …?".
The staff who see the hint may already search this event's attendees by name, so
nothing new is revealed, and no other event's tickets are ever considered.
"""

import sqlalchemy as sa

from events.extensions import db
from events.identifiers import normalize_code, one_edit_apart
from events.models import Registration

MIN_TAIL = 6


def suggest_registration(event_id: int, raw_code: str) -> Registration | None:
    """The one registration of `event_id` whose code is one typing slip away from
    `raw_code`; None when there is none, or more than one (a guess would mislead)."""
    typed = normalize_code(raw_code)
    if len(typed) < 10:
        return None
    rows = db.session.execute(
        sa.select(Registration.id, Registration.ticket_code).where(
            Registration.event_id == event_id,
            sa.func.length(Registration.ticket_code).between(len(typed) - 1, len(typed) + 1),
        )
    ).all()
    matches = [row.id for row in rows if one_edit_apart(typed, row.ticket_code)]
    if len(matches) != 1:
        return None
    return db.session.get(Registration, matches[0])


def find_by_code_tail(event_id: int, query: str, limit: int = 5) -> list[Registration]:
    """Registrations of `event_id` whose ticket code ends with the typed characters
    (at least six; spaces, dashes and case ignored), as read from a crumpled ticket."""
    tail = normalize_code(query)
    if not MIN_TAIL <= len(tail) <= 26 or not tail.isalnum():
        return []
    return list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event_id, Registration.ticket_code.endswith(tail))
            .order_by(Registration.id)
            .limit(limit)
        )
    )
