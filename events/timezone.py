"""The project's one time zone. Times are stored in UTC and shown in Warsaw time."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

TIMEZONE_NAME = "Europe/Warsaw"
WARSAW = ZoneInfo(TIMEZONE_NAME)


def local(moment: datetime) -> datetime:
    """A stored (UTC) time as Warsaw time."""
    return moment.astimezone(WARSAW)


def local_date(moment: datetime) -> date:
    """The calendar day in Warsaw: an event at 00:30 on 1 June (Warsaw) is on 1 June,
    although it is still 31 May in UTC."""
    return moment.astimezone(WARSAW).date()


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
