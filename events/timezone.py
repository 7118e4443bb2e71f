"""The project's one time zone. Times are stored in UTC and shown in Warsaw time.

The pair `to_local` / `from_local` is the one way between a stored time and the
Warsaw wall clock (forms, spreadsheets, calendar days); `local_date` is the day.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

TIMEZONE_NAME = "Europe/Warsaw"
WARSAW = ZoneInfo(TIMEZONE_NAME)


def to_local(moment: datetime | None) -> datetime | None:
    """A stored (UTC) time as the Warsaw wall clock, without a zone: what a form field,
    a spreadsheet cell or a month's name shows. None stays None."""
    return moment.astimezone(WARSAW).replace(tzinfo=None) if moment else None


def from_local(wall_clock: datetime | None) -> datetime | None:
    """A Warsaw wall-clock time (as typed into a form, without a zone) as a time to
    store. None stays None."""
    return wall_clock.replace(tzinfo=WARSAW) if wall_clock else None


def local_date(moment: datetime) -> date:
    """The calendar day in Warsaw: an event at 00:30 on 1 June (Warsaw) is on 1 June,
    although it is still 31 May in UTC."""
    return to_local(moment).date()


def years_ahead(moment: datetime, years: int) -> date:
    """The local day `years` after `moment`'s (on the 28th when the day would not exist)."""
    day = local_date(moment)
    return day.replace(year=day.year + years, day=min(day.day, 28))


def same_local_day(start: datetime, end: datetime) -> bool:
    return local_date(start) == local_date(end)


def period(starts_at: datetime, ends_at: datetime) -> str:
    """When an event happens, in words, in Warsaw time and the page's language:
    "Monday, 1 June 2026, 10:00–16:00", or both dates for an event over several days."""
    from flask_babel import format_datetime  # only where there is an app

    start = format_datetime(starts_at, "EEEE, d MMMM y, HH:mm")
    if same_local_day(starts_at, ends_at):
        return f"{start}–{format_datetime(ends_at, 'HH:mm')}"
    return f"{start} – {format_datetime(ends_at, 'EEEE, d MMMM y, HH:mm')}"


def session_label(session) -> str:
    """A course's session in words: its title (if any) and when it happens."""
    when = period(session.starts_at, session.ends_at)
    return f"{session.title}: {when}" if session.title else when
