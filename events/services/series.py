"""A series: many events made at once from one template (the 18 county consultations).

The organizer chooses the counties (or partner teams, or a monthly rule); `plan_rows`
proposes one row per event from the template (title naming the county, date, hours,
venue, seats, contact), the organizer corrects the table, `validate_rows` says what is
wrong cell by cell, and `create_series` makes every row a draft, through the copies'
machinery (registration dates and a course's sessions move with the start), in one
transaction: one wrong row and nothing is made. Drafts are published together after
one confirmation (`publish_series_events`). A common change is in `series_changes`.
"""

import calendar
import enum
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from events.counties import BY_CODE, OUTSIDE, county_adjective
from events.extensions import db
from events.models import Event, EventStatus, Programme, Series, User, utcnow
from events.services import DomainError, NotFound, audit
from events.services.copies import FARTHEST_YEARS, CopyPlan, duplicate_event
from events.services.event_admin import is_copy_title, publish_event, slugify
from events.services.locking import lock_event
from events.timezone import from_local, local_date, to_local, years_ahead
from events.unit_of_work import command

MAX_ROWS = 60
MOST_SEATS = 100_000
RETRY_WINDOW = timedelta(minutes=10)  # the same rows again within it: the same series
ROW_FIELDS = (
    "title", "day", "starts", "ends", "venue_name", "venue_address", "capacity",
    "contact_email", "county",
)  # fmt: skip


class SeriesError(DomainError):
    """Codes: invalid (with `row_errors`: row index → field → message), not_draft."""

    class Code(enum.StrEnum):
        INVALID = "invalid"
        NOT_DRAFT = "not_draft"

    def __init__(self, code, message, row_errors=None):
        super().__init__(code, message)
        self.row_errors = row_errors or {}


class Spacing(enum.StrEnum):
    """How the dates of a series follow each other from the first one."""

    WEEKLY = "weekly"
    WORKING_DAYS = "working_days"  # Monday to Friday, one after another
    SAME_DAY = "same_day"


@dataclass
class MonthlyRule:
    """The `ordinal` `weekday` of each month (the second Tuesday; -1: the last one),
    from the month of `first_month`, `times` times."""

    ordinal: int  # 1 to 4, or -1 for the last
    weekday: int  # 0 Monday ... 6 Sunday
    first_month: date
    times: int


@dataclass
class SeriesChoice:
    """What the series is made for: counties, partner teams, or a monthly rule."""

    counties: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    rule: MonthlyRule | None = None
    first_day: date | None = None
    spacing: Spacing = Spacing.WEEKLY


@dataclass
class SeriesRow:
    """One event to be made: what the table shows and the preview promises."""

    title: str
    day: date | None
    starts: time | None  # None for a course: its sessions keep their hours
    ends: time | None
    venue_name: str
    venue_address: str
    capacity: int | None
    contact_email: str
    county: str


# Titles ----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_POWIAT = re.compile(r"powiat\s+$", re.IGNORECASE)


def county_phrase(code: str) -> str:
    """A county as a Polish title names it: "powiat gnieźnieński", a city by its name."""
    county = BY_CODE[code]
    if county.city:
        return county.name_pl.split(" (")[0]
    if code == OUTSIDE:
        return county.name_pl
    return f"powiat {county_adjective(code)}"


def county_title(title: str, template_county: str, county: str) -> str:
    """The template's title for another county: the county it names replaced by the
    new one ("powiat kolski" → "powiat gnieźnieński", "Konin" → "Poznań"), or
    " – powiat X" appended when it names none."""
    if template_county in BY_CODE and template_county != OUTSIDE:
        word = template_county.removeprefix("m-")
        mentions = [m for m in _WORD.finditer(title) if slugify(m.group()) == word]
        for match in reversed(mentions):  # every mention, from the end: offsets stay true
            start = match.start()
            before = _POWIAT.search(title[:start])
            if before:
                start = before.start()
            if not before and not BY_CODE[template_county].city and not BY_CODE[county].city:
                replacement = county_adjective(county)  # "kolski" alone stays an adjective
            else:
                replacement = county_phrase(county)
            if start == 0 or (before and title[start].isupper()):  # "Powiat …: …" keeps it
                replacement = replacement[0].upper() + replacement[1:]
            title = title[:start] + replacement + title[match.end() :]
        if mentions:
            return title
    return f"{title} – {county_phrase(county)}"


# Dates -----------------------------------------------------------------------------


def spaced_days(first: date, spacing: Spacing, count: int) -> list[date]:
    """`count` days from `first`: a week apart, on working days one after another (a
    first day at a weekend moves to the Monday), or all the same day."""
    if spacing == Spacing.SAME_DAY:
        return [first] * count
    if spacing == Spacing.WEEKLY:
        return [first + timedelta(weeks=number) for number in range(count)]
    days, day = [], first
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day += timedelta(days=1)
    return days


def monthly_days(rule: MonthlyRule) -> list[date]:
    """The days of a monthly rule: the second Tuesday of each month, six times."""
    days = []
    year, month = rule.first_month.year, rule.first_month.month
    for _ in range(rule.times):
        weeks = calendar.monthcalendar(year, month)
        matching = [week[rule.weekday] for week in weeks if week[rule.weekday]]
        number = matching[-1] if rule.ordinal == -1 else matching[rule.ordinal - 1]
        days.append(date(year, month, number))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


# Planning --------------------------------------------------------------------------


def plan_rows(template: Event, choice: SeriesChoice) -> list[SeriesRow]:
    """The rows the table starts with, one per county, team or date of the rule."""
    if choice.rule is not None:
        days = monthly_days(choice.rule)
        return [_row(template, template.title, day, template.county) for day in days]
    names = choice.counties or choice.teams
    days = spaced_days(choice.first_day, choice.spacing, len(names)) if choice.first_day else []
    days += [None] * (len(names) - len(days))
    if choice.counties:
        return [
            _row(template, county_title(template.title, template.county, code), day, code)
            for code, day in zip(choice.counties, days, strict=True)
        ]
    return [
        _row(template, f"{template.title} – {team}", day, template.county)
        for team, day in zip(choice.teams, days, strict=True)
    ]


def _row(template: Event, title: str, day: date | None, county: str) -> SeriesRow:
    course = bool(template.sessions)
    return SeriesRow(
        title=title,
        day=day,
        starts=None if course else to_local(template.starts_at).time(),
        ends=None if course else to_local(template.ends_at).time(),
        venue_name=template.venue_name,
        venue_address=template.venue_address,
        capacity=template.capacity,
        contact_email=template.contact_email or "",
        county=county,
    )


# Validation ------------------------------------------------------------------------


def at_the_templates_place(county: str, venue_name: str, venue_address: str, template) -> bool:
    """A row (or an event) for another county than the template's, still at the
    template's venue and address: prefilled, maybe never changed. Not an error (a
    meeting for several counties may be held in one place), but worth a look before
    anything goes public."""
    if template is None or county == template.county:
        return False
    return (venue_name, venue_address) == (template.venue_name, template.venue_address)


def validate_rows(
    rows: list[SeriesRow], template: Event, now: datetime | None = None
) -> dict[int, dict[str, str]]:
    """What is wrong, row by row (index from 0) and field by field; empty when all is
    well. Every message belongs next to its cell."""
    now = now or utcnow()
    course = bool(template.sessions)
    overnight = local_date(template.ends_at) - local_date(template.starts_at)
    errors: dict[int, dict[str, str]] = {}
    if not rows:
        errors[0] = {"title": _l("Add at least one row.")}
    for index, row in enumerate(rows):
        found = _row_errors(row, course, overnight, now)
        if found:
            errors[index] = found
    return errors


def _row_errors(row: SeriesRow, course: bool, overnight: timedelta, now: datetime) -> dict:
    found = {}
    if not row.title.strip():
        found["title"] = _l("Enter a title.")
    elif len(row.title) > 200:
        found["title"] = _l("At most %(max)d characters.", max=200)
    elif is_copy_title(row.title):
        found["title"] = _l('The title still ends with "(kopia)": give the event its own title.')
    if row.day is None:
        found["day"] = _l("Enter the date.")
    elif row.day < local_date(now):
        found["day"] = _l("This day has passed. Choose a day to come.")
    elif row.day > years_ahead(now, FARTHEST_YEARS):
        found["day"] = _l("At most %(years)d years ahead.", years=FARTHEST_YEARS)
    if not course:
        for name in ("starts", "ends"):
            if getattr(row, name) is None:
                found[name] = _l("Enter the time.")
        if row.day and row.starts and row.ends and row.day <= years_ahead(now, FARTHEST_YEARS):
            starts = from_local(datetime.combine(row.day, row.starts))
            if from_local(datetime.combine(row.day + overnight, row.ends)) <= starts:
                found["ends"] = _l("The end must be after the start.")
            if starts <= now and "day" not in found:
                found["starts"] = _l("This time has passed. Choose a time to come.")
    if not row.venue_name.strip():
        found["venue_name"] = _l("Enter the venue.")
    for name, limit in (("venue_name", 200), ("venue_address", 300)):
        if len(getattr(row, name)) > limit:
            found[name] = _l("At most %(max)d characters.", max=limit)
    if row.capacity is not None and row.capacity < 1:
        found["capacity"] = _l("At least 1 seat.")
    elif row.capacity is not None and row.capacity > MOST_SEATS:
        found["capacity"] = _l("At most %(max)d seats.", max=MOST_SEATS)
    if row.contact_email and not _reachable(row.contact_email):
        found["contact_email"] = _l("Enter an email address like name@example.pl.")
    if row.county not in BY_CODE:
        found["county"] = _l("Choose a county from the list.")
    return found


def _reachable(address: str) -> bool:
    try:
        validate_email(address, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return False
    return len(address) <= 254


# Commands --------------------------------------------------------------------------


@command
def create_series(
    template_id: int, rows: list[SeriesRow], user: User, programme_id: int | None = None
) -> Series:
    """The series and one draft per row, all in one transaction, the series and its
    events in `programme_id` (None: in none). Raises SeriesError "invalid" (with the
    errors per row and field) before anything is made; a row that fails later (at the
    database) undoes the whole series; NotFound for a programme that is gone.

    The same rows sent again by the same person within minutes (the button pressed
    twice, a page sent again) find the series already made, and make nothing more.
    """
    if db.session.get(Event, template_id) is None:
        raise NotFound(_l("There is no such event."))
    template = lock_event(template_id)  # two presses of the button, one after the other
    errors = validate_rows(rows, template)
    if errors:
        raise SeriesError("invalid", _l("Please correct the marked cells."), errors)
    if programme_id is not None and db.session.get(Programme, programme_id) is None:
        raise NotFound(_l("No such programme."))
    made = _made_just_now(template.id, rows, user)
    if made is not None:
        return made
    series = Series(
        title=template.title,
        template_event_id=template.id,
        programme_id=programme_id,
        created_by=user.id,
        organization_id=template.organization_id,
    )
    db.session.add(series)
    db.session.flush()
    for row in rows:
        plan = CopyPlan(
            title=row.title,
            day=row.day,
            starts=row.starts,
            ends=row.ends,
            county=row.county,
            venue_name=row.venue_name,
            venue_address=row.venue_address,
        )
        event = duplicate_event(template.id, plan, user)
        event.capacity = row.capacity
        event.contact_email = row.contact_email.lower() or None
        event.series_id = series.id
        event.programme_id = programme_id
        db.session.flush()
    audit.record(
        "series_created",
        user,
        template.id,
        after={"series": series.id, "events": len(rows)},
    )
    return series


def _made_just_now(template_id: int, rows: list[SeriesRow], user: User) -> Series | None:
    since = utcnow() - RETRY_WINDOW
    wanted = sorted((row.title, row.day, row.county) for row in rows)
    recent = db.session.scalars(
        sa.select(Series).where(
            Series.template_event_id == template_id,
            Series.created_by == user.id,
            Series.created_at >= since,
        )
    )
    for series in recent:
        made = [(e.title, local_date(e.starts_at), e.county) for e in series_events(series.id)]
        if sorted(made) == wanted:
            return series
    return None


def series_events(series_id: int) -> list[Event]:
    """The events of a series, soonest first."""
    return list(
        db.session.scalars(
            sa.select(Event).where(Event.series_id == series_id).order_by(Event.starts_at, Event.id)
        )
    )


def series_template(series: Series) -> Event | None:
    """The event the series was made from, if it is still there."""
    return db.session.get(Event, series.template_event_id) if series.template_event_id else None


def series_or_404(series_id: int) -> Series:
    series = db.session.get(Series, series_id)
    if series is None:
        raise NotFound(_l("There is no such series."))
    return series


@command
def publish_series_events(series_id: int, event_ids: list[int], user: User) -> list[Event]:
    """Publish the chosen drafts of the series, all or none. Raises SeriesError
    "not_draft" for an event that is not a draft of this series, and EventAdminError
    "copy_title" (from `publish_event`) for a title still marked as a copy."""
    series_or_404(series_id)
    drafts = {
        event.id: event for event in series_events(series_id) if event.status == EventStatus.DRAFT
    }
    chosen = list(dict.fromkeys(event_ids))
    if not chosen or any(event_id not in drafts for event_id in chosen):
        raise SeriesError("not_draft", _l("Choose drafts of this series to publish."))
    return [publish_event(event_id, user) for event_id in chosen]
