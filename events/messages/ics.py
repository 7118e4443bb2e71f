"""Calendar files (.ics) built with the icalendar package."""

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import icalendar
from flask import current_app

from events.models import Event, EventStatus, Registration, utcnow

PRODID = "-//Dzialamy Razem//Rejestracja na wydarzenia//PL"
WARSAW = ZoneInfo("Europe/Warsaw")


def uid_domain() -> str:
    """The host of BASE_URL: the right-hand side of every UID we make."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def event_uid(event: Event) -> str:
    """Stable across changes, so calendars update the event in place."""
    return f"event-{event.id}@{uid_domain()}"


def registration_uid(registration: Registration) -> str:
    """One calendar entry per registration, stable across event changes."""
    return f"registration-{registration.id}@{uid_domain()}"


def event_component(event: Event, url: str, uid: str, now: datetime | None = None):
    """A VEVENT for `event`, whose description ends with `url` (its page or a manage link)."""
    entry = icalendar.Event()
    entry.add("uid", uid)
    entry.add("dtstamp", now or utcnow())
    entry.add("dtstart", event.starts_at.astimezone(WARSAW))
    entry.add("dtend", event.ends_at.astimezone(WARSAW))
    entry.add("summary", event.title)
    location = ", ".join(part for part in (event.venue_name, event.venue_address) if part)
    if event.online_url:
        location = f"{location} ({event.online_url})" if location else event.online_url
    if location:
        entry.add("location", location)
    entry.add("description", f"{event.description}\n\n{url}".strip())
    entry.add("url", url)
    entry.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    return entry


def calendar_file(components, method: str | None = None) -> bytes:
    """A VCALENDAR holding the given VEVENTs and the VTIMEZONE they use."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    for component in components:
        calendar.add_component(component)
    calendar.add_missing_timezones()
    return calendar.to_ical()
