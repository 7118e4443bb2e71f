"""The search at the door: finding a person without their ticket.

What it may show is limited, because a volunteer's check-in link must not be a
way to harvest the list of registrants: a query needs at least three
characters; it finds the people who may come in (confirmed ones, plus the
waiting list and pending applications when the organizer chose so for the
event); and volunteers, who hold a link and no account, see emails masked.
The view throttles the searches per scanner (RATELIMIT_CHECKIN_SEARCH). The
offline ticket list keeps names in the clear for the same people only.
"""

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import Event, Registration, RegistrationStatus, User
from events.search import word_filters
from events.services import DomainError, audit
from events.services.checkin.door import Actor
from events.services.checkin.hints import find_by_code_tail
from events.unit_of_work import command

MIN_QUERY_LENGTH = 3
MAX_QUERY_LENGTH = 100
MAX_RESULTS = 15


class DoorSearchError(DomainError):
    """Codes: too_short, too_long."""

    class Code(enum.StrEnum):
        TOO_LONG = "too_long"
        TOO_SHORT = "too_short"


def door_statuses(event: Event) -> tuple[RegistrationStatus, ...]:
    """Whom the door search (and the offline list's names) may show for `event`."""
    if event.door_search_waiting:
        return (
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.WAITLISTED,
            RegistrationStatus.PENDING,
        )
    return (RegistrationStatus.CONFIRMED,)


def search_door(event: Event, query: str) -> list[Registration]:
    """People of `event` whose name, email or organization contains every word of
    `query` (with or without Polish letters), or whose ticket code ends with it.

    Raises DoorSearchError "too_short" below three characters, "too_long" above 100.
    """
    letters = "".join(query.split())
    if len(letters) < MIN_QUERY_LENGTH:
        raise DoorSearchError(
            "too_short", _l("Type at least %(n)d characters.", n=MIN_QUERY_LENGTH)
        )
    if len(query) > MAX_QUERY_LENGTH:
        raise DoorSearchError("too_long", _l("The search text is too long."))
    statuses = door_statuses(event)
    conditions = word_filters(Registration.search_text, query)
    found = list(
        db.session.scalars(
            sa.select(Registration)
            .where(
                Registration.event_id == event.id,
                Registration.status.in_(statuses),
                *conditions,
            )
            .order_by(Registration.last_name, Registration.first_name, Registration.id)
            .limit(MAX_RESULTS)
        )
    )
    for registration in find_by_code_tail(event.id, query):
        if registration.status in statuses and registration not in found:
            found.append(registration)
    return found


def shown_email(email: str | None, actor: Actor) -> str:
    """The email as the searcher may see it: whole for accounts, masked for
    volunteers ("z…@example.org"), enough to tell two namesakes apart; "" for a
    walk-in who gave none."""
    if not email:
        return ""
    if actor.user_id is not None:
        return email
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


@command
def set_door_search_waiting(event: Event, enabled: bool, user: User) -> None:
    """Let the door search (and the offline names) also show the waiting list and
    pending applications of `event`, or only confirmed people again; audited."""
    if event.door_search_waiting == enabled:
        return
    before = {"door_search_waiting": event.door_search_waiting}
    event.door_search_waiting = enabled
    audit.record(
        "door_search_changed", user, event.id, before=before, after={"door_search_waiting": enabled}
    )
