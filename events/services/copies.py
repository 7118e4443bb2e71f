"""A copy of an event for its next date and place.

A copy is made from what the organizer says first: the new day, the hours, the
county and the venue (none of them is taken from the original: a copy that kept
them went public with the old date and county). Everything else is the
original's: description, seats, registration settings, the door's settings
and, for a course, its sessions moved to the new day and its certificate rule.
The registration dates move with the start. No registrations are copied.
"""

from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from events.counties import BY_CODE, OUTSIDE, county_short_name
from events.extensions import db
from events.models import CourseSession, Event, EventStatus, User
from events.services import audit
from events.services.event_admin import (
    EventAdminError,
    EventData,
    slugify,
    unique_slug,
)
from events.timezone import from_local, local_date, to_local
from events.unit_of_work import command

# Settings of the door and of certificates that a copy keeps (EventData's fields too).
KEPT_SETTINGS = (
    "certificate_min_percent",
    "checkin_opens_minutes",
    "checkin_closes_minutes",
    "door_may_override",
    "offline_name_search",
    "door_search_waiting",
)

FARTHEST_YEARS = 5  # a copy or a series is planned at most this far ahead


@dataclass
class CopyPlan:
    title: str
    day: date  # Warsaw day of the start (of the first session, for a course)
    starts: time | None  # None for a course: its sessions keep their hours
    ends: time | None
    county: str
    venue_name: str
    venue_address: str


def names_other_county(title: str, original_county: str, county: str) -> str | None:
    """The original's county as the title still names it ("powiat kolski", "Konin")
    when the copy is for another county; None otherwise."""
    if original_county in (county, OUTSIDE) or original_county not in BY_CODE:
        return None
    word = original_county.removeprefix("m-")  # codes are the names without diacritics
    if f"-{word}-" not in f"-{slugify(title)}-":
        return None
    return county_short_name(original_county)


@command
def duplicate_event(event_id: int, plan: CopyPlan, user: User) -> Event:
    """A draft copy on `plan`'s day and place. Raises EventAdminError "invalid" with
    the fields to correct."""
    original = db.session.get(Event, event_id)
    shift = _shift(original, plan)
    if original.sessions:  # a course keeps its sessions' hours, on days moved as one
        starts_at, ends_at = _moved(original.starts_at, shift), _moved(original.ends_at, shift)
    else:
        # An event that ran past midnight (an overnight game, a two-day meeting) ends
        # as many days after its start in the copy too.
        days = local_date(original.ends_at) - local_date(original.starts_at)
        starts_at = from_local(datetime.combine(plan.day, plan.starts))
        ends_at = from_local(datetime.combine(plan.day + days, plan.ends))
        if ends_at <= starts_at:
            raise EventAdminError(
                "invalid",
                _l("Please correct the marked fields."),
                {"ends": _l("The end must be after the start.")},
            )
    moved_by = starts_at - original.starts_at
    values = {field.name: getattr(original, field.name) for field in fields(EventData)}
    values.update(
        title=plan.title,
        county=plan.county,
        venue_name=plan.venue_name,
        venue_address=plan.venue_address,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    for name in ("registration_opens_at", "registration_closes_at"):
        if values[name]:  # registration opens and closes as long before the start
            values[name] += moved_by
    copy = Event(slug=unique_slug(plan.title), status=EventStatus.DRAFT, **values)
    for name in KEPT_SETTINGS:
        setattr(copy, name, getattr(original, name))
    copy.organization_id, copy.coorganizers = original.organization_id, list(original.coorganizers)
    copy.sessions = [
        CourseSession(
            title=session.title,
            starts_at=_moved(session.starts_at, shift),
            ends_at=_moved(session.ends_at, shift),
            venue_name=_place(session.venue_name, original.venue_name, plan.venue_name),
            venue_address=_place(session.venue_address, original.venue_address, plan.venue_address),
        )
        for session in original.sessions
    ]
    db.session.add(copy)
    db.session.flush()
    audit.record(
        "event_duplicated",
        user,
        copy.id,
        before={"copy_of_event": original.id},
        after=audit.snapshot(copy, ("title", "starts_at", "county", "venue_name")),
    )
    return copy


def _shift(original: Event, plan: CopyPlan) -> timedelta:
    """Whole days from the original's first Warsaw day to the copy's."""
    return timedelta(days=(plan.day - local_date(original.starts_at)).days)


def _moved(moment: datetime | None, shift: timedelta) -> datetime | None:
    """The same Warsaw wall-clock time `shift` days later (an hour of summer time
    does not move a 10:00 session to 9:00)."""
    return from_local(to_local(moment) + shift) if moment else None


def _place(session_value: str, original_value: str, new_value: str) -> str:
    """A session held at the course's venue moves with it; one held elsewhere (or at
    "the course's venue", empty) stays as it is."""
    return new_value if session_value and session_value == original_value else session_value
