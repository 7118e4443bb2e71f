"""Calendar files (.ics) built with the icalendar package.

One VEVENT per registration (UID `registration-<id>@<host>`), so that the
invite in a person's calendar is updated in place (same UID, higher SEQUENCE)
or withdrawn (METHOD:CANCEL). The public feed uses one UID per event.
"""

import hashlib
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from flask import current_app

from events.models import Event, EventStatus, Registration, utcnow
from events.timezone import WARSAW

PRODID = "-//Dzialamy Razem//Rejestracja na wydarzenia//PL"

REQUEST = "REQUEST"
CANCEL = "CANCEL"


def uid_domain() -> str:
    """The host of BASE_URL: the right-hand side of every UID we make."""
    return urlsplit(current_app.config["BASE_URL"]).hostname or "localhost"


def event_uid(event: Event) -> str:
    """Stable across changes, so subscribed calendars update the event in place."""
    return f"event-{event.id}@{uid_domain()}"


def registration_uid(registration: Registration) -> str:
    """One calendar entry per registration, stable across event changes.

    Derived from the secret manage token, so that it reveals nothing (not even
    how many people registered before).
    """
    digest = hashlib.sha256(f"calendar-uid:{registration.manage_token}".encode()).hexdigest()
    return f"registration-{digest[:32]}@{uid_domain()}"


def location_of(event: Event) -> str:
    place = ", ".join(part for part in (event.venue_name, event.venue_address) if part)
    if event.online_url:
        return f"{place} ({event.online_url})" if place else event.online_url
    return place


def event_component(
    event: Event, url: str, uid: str, now: datetime | None = None, tentative: bool = False
):
    """A VEVENT for `event`, whose description ends with `url` (its page or a manage link).

    `tentative` marks a place that is not confirmed yet (waiting list, application).
    """
    entry = icalendar.Event()
    entry.add("uid", uid)
    entry.add("dtstamp", now or utcnow())
    entry.add("dtstart", event.starts_at.astimezone(WARSAW))
    entry.add("dtend", event.ends_at.astimezone(WARSAW))
    entry.add("summary", event.title)
    if location_of(event):
        entry.add("location", location_of(event))
    entry.add("description", f"{event.description}\n\n{url}".strip())
    entry.add("url", url)
    entry.add("sequence", event.sequence)
    if event.status == EventStatus.CANCELLED:
        entry.add("status", "CANCELLED")
    else:
        entry.add("status", "TENTATIVE" if tentative else "CONFIRMED")
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


def invite(
    registration: Registration, manage_url: str, method: str, stamp: datetime | None = None
) -> bytes:
    """An iTIP invite (RFC 5546) for one registration: REQUEST to add or update, CANCEL to withdraw.

    ORGANIZER is the configured sender (RFC 5546 requires it); the ATTENDEE has
    RSVP=FALSE so that calendar clients do not mail replies to it. A CANCEL
    carries a higher SEQUENCE than any REQUEST sent before it.
    """
    event = registration.event
    entry = event_component(event, manage_url, registration_uid(registration), now=stamp)
    organizer_name, organizer_email = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])
    organizer = icalendar.vCalAddress(f"mailto:{organizer_email}")
    organizer.params["CN"] = _param_text(organizer_name or organizer_email)
    entry.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{registration.email}")
    attendee.params["CN"] = _param_text(registration.full_name)
    attendee.params["ROLE"] = "REQ-PARTICIPANT"
    attendee.params["PARTSTAT"] = "ACCEPTED" if method == REQUEST else "DECLINED"
    attendee.params["RSVP"] = "FALSE"
    entry.add("attendee", attendee)
    if method == CANCEL:
        for name in ("sequence", "status"):
            entry.pop(name)
        entry.add("sequence", event.sequence + 1)
        entry.add("status", "CANCELLED")
    return calendar_file([entry], method=method)


def _param_text(value: str) -> str:
    """A parameter value (CN) may hold neither double quotes nor control characters."""
    cleaned = "".join(char for char in value if char >= " " and char not in '"\x7f')
    return cleaned[:200] or "-"
