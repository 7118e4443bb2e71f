"""When check-in is possible: the window of an event, or of each session of a course.

The window opens `Event.checkin_opens_minutes` before the start and closes
`Event.checkin_closes_minutes` after the end. The door's decision refuses a
check-in outside it (ScanResult.OUTSIDE_WINDOW) unless an override with a reason
is allowed for the actor; offline items whose device time lies outside it are
refused; certificates count only presences inside it, overridden with a reason,
or entered from the paper sheet.
"""

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from events.models import CHECKIN_MOST_MINUTES, CourseSession, Event, Presence, User
from events.services import DomainError, audit
from events.unit_of_work import command


class WindowError(DomainError):
    """Codes: out_of_range."""

    class Code(enum.StrEnum):
        OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class Window:
    opens: datetime
    closes: datetime
    starts: datetime  # the start of what is attended, for the verdict's words

    def holds(self, at: datetime) -> bool:
        return self.opens <= at <= self.closes

    def early(self, at: datetime) -> bool:
        return at < self.opens


def window_of(event: Event, session: CourseSession | None = None) -> Window:
    """The check-in window of `event`, or of `session` of a course."""
    timed = session or event
    starts, ends = timed.starts_at, timed.ends_at
    return Window(
        opens=starts - timedelta(minutes=event.checkin_opens_minutes),
        closes=ends + timedelta(minutes=event.checkin_closes_minutes),
        starts=starts,
    )


def presence_counts(
    event: Event,
    session: CourseSession | None,
    at: datetime | None,
    how: Presence | None,
    overridden: bool,
) -> bool:
    """Whether a presence recorded at `at` counts for the record (certificates):
    inside its window, overridden with a recorded reason, or from the paper sheet."""
    if at is None:
        return False
    if how == Presence.SHEET or overridden:
        return True
    return window_of(event, session).holds(at)


@command
def set_window(
    event: Event, opens_minutes: int, closes_minutes: int, door_may_override: bool, user: User
) -> None:
    """The organizer's choice for `event`: when its check-in opens before each start
    and closes after each end, and whether door staff and links may override it with a
    reason; audited. Raises WindowError "out_of_range" past a day."""
    if not (
        0 <= opens_minutes <= CHECKIN_MOST_MINUTES and 0 <= closes_minutes <= CHECKIN_MOST_MINUTES
    ):
        raise WindowError("out_of_range", _l("Enter a whole number of minutes from 0 to 1440."))
    before = {
        "checkin_opens_minutes": event.checkin_opens_minutes,
        "checkin_closes_minutes": event.checkin_closes_minutes,
        "door_may_override": event.door_may_override,
    }
    after = {
        "checkin_opens_minutes": opens_minutes,
        "checkin_closes_minutes": closes_minutes,
        "door_may_override": door_may_override,
    }
    if before == after:
        return
    event.checkin_opens_minutes = opens_minutes
    event.checkin_closes_minutes = closes_minutes
    event.door_may_override = door_may_override
    audit.record("checkin_window_changed", user, event.id, before=before, after=after)
