"""Calendar files (.ics) built with the icalendar package.

One VEVENT per registration (UID `registration-<id>@<host>`), so that the
invite in a person's calendar is updated in place (same UID, higher SEQUENCE)
or withdrawn (METHOD:CANCEL). The public feed uses one UID per event.

Calendar entries are seen by whoever shares or is delegated the calendar: they
link to the ticket page (QR code, event, status), never to the manage page.
Times are in Europe/Warsaw, with the zone's rules written as RRULEs, as the tz
database's iCalendar exports do: every client converts them itself.
"""

import hashlib
from datetime import datetime
from email.utils import parseaddr
from urllib.parse import urlsplit

import icalendar
from flask import current_app
from flask_babel import gettext as _

from events.models import CourseSession, Event, EventStatus, Registration, utcnow
from events.timezone import WARSAW

PRODID = "-//Dzialamy Razem//Rejestracja na wydarzenia//PL"

REQUEST = "REQUEST"
CANCEL = "CANCEL"

# Europe/Warsaw since 1996 (the EU's summer time): the last Sunday of March at
# 02:00 local time to +02:00, the last Sunday of October at 03:00 local time
# (summer time) back to +01:00. DTSTART is the local time before each change
# (RFC 5545, 3.6.5).
WARSAW_VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Warsaw
X-LIC-LOCATION:Europe/Warsaw
BEGIN:DAYLIGHT
TZNAME:CEST
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZNAME:CET
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
""".replace("\n", "\r\n")


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


def session_uid(registration: Registration, session: CourseSession) -> str:
    """One calendar entry per session of a course, for one registration: stable when
    the session moves, so the entry is updated in place."""
    secret = f"calendar-uid:{registration.manage_token}:session:{session.id}"
    return f"registration-{hashlib.sha256(secret.encode()).hexdigest()[:32]}@{uid_domain()}"


def location_of(event: Event) -> str:
    place = ", ".join(part for part in (event.venue_name, event.venue_address) if part)
    if event.online_url:
        return f"{place} ({event.online_url})" if place else event.online_url
    return place


def event_component(
    event: Event,
    url: str,
    uid: str,
    now: datetime | None = None,
    tentative: bool = False,
    link_label: str = "",
):
    """A VEVENT for `event`, whose description ends with `url` (its page or a ticket link).

    `tentative` marks a place that is not confirmed yet (waiting list, application);
    `now` is the DTSTAMP (the time of an invite; a feed passes the event's last change).
    A cancelled event's summary starts with "Cancelled:", in the current language.
    """
    entry = icalendar.Event()
    entry.add("uid", uid)
    entry.add("dtstamp", now or utcnow())
    entry.add("dtstart", event.starts_at.astimezone(WARSAW))
    entry.add("dtend", event.ends_at.astimezone(WARSAW))
    if event.status == EventStatus.CANCELLED:
        entry.add("summary", _("Cancelled: %(title)s", title=event.title))
    else:
        entry.add("summary", event.title)
    if location_of(event):
        entry.add("location", location_of(event))
    link = f"{link_label} {url}".strip()
    entry.add("description", f"{event.description}\n\n{link}".strip())
    entry.add("url", url)
    entry.add("sequence", event.sequence)
    if event.status == EventStatus.CANCELLED:
        entry.add("status", "CANCELLED")
    else:
        entry.add("status", "TENTATIVE" if tentative else "CONFIRMED")
    return entry


def session_component(event: Event, session: CourseSession, number: int, **arguments):
    """A VEVENT for one session of a course: its own time, place and SEQUENCE (the
    event's plus the session's, so that both changes raise it)."""
    entry = event_component(event, **arguments)
    for name in ("dtstart", "dtend", "summary", "sequence", "location"):
        entry.pop(name, None)
    entry.add("dtstart", session.starts_at.astimezone(WARSAW))
    entry.add("dtend", session.ends_at.astimezone(WARSAW))
    name = session.title or _("session %(number)s", number=number)
    title = f"{event.title} ({name})"
    if event.status == EventStatus.CANCELLED:
        title = _("Cancelled: %(title)s", title=title)
    entry.add("summary", title)
    place = ", ".join(part for part in (session.venue_name, session.venue_address) if part)
    if place or location_of(event):
        entry.add("location", place or location_of(event))
    entry.add("sequence", event.sequence + session.sequence)
    return entry


def warsaw_timezone() -> icalendar.Timezone:
    return icalendar.Timezone.from_ical(WARSAW_VTIMEZONE)


def calendar_file(components, method: str | None = None, name: str | None = None) -> bytes:
    """A VCALENDAR holding the given VEVENTs and the VTIMEZONE they use.

    `name` is the calendar's name in subscribing clients (X-WR-CALNAME).
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("x-wr-timezone", "Europe/Warsaw")
    calendar.add_component(warsaw_timezone())
    for component in components:
        calendar.add_component(component)
    return calendar.to_ical()


def feed_components(event: Event, url: str) -> list[icalendar.Event]:
    """The VEVENTs of the public feed for one event (one per session of a course):
    stamped with the event's last change, so that the same programme always gives
    the same file (and ETag)."""
    changed = event.updated_at or event.created_at
    if event.sessions:
        entries = [
            session_component(
                event, session, number, url=url, now=changed,
                uid=f"event-{event.id}-session-{session.id}@{uid_domain()}",
            )
            for number, session in enumerate(event.sessions, start=1)
        ]  # fmt: skip
    else:
        entries = [event_component(event, url, event_uid(event), now=changed)]
    for entry in entries:
        entry.add("last-modified", changed)
    return entries


def registration_entries(
    registration: Registration, url: str, now: datetime | None = None, tentative: bool = False
) -> list[icalendar.Event]:
    """A registration's calendar entries: one, or one per session of a course (each
    with its own stable UID), linking to `url` (the ticket page)."""
    event = registration.event
    label = _("Your ticket:")
    if not event.sessions:
        uid = registration_uid(registration)
        return [event_component(event, url, uid, now, tentative=tentative, link_label=label)]
    return [
        session_component(
            event, session, number, url=url, uid=session_uid(registration, session), now=now,
            tentative=tentative, link_label=label,
        )
        for number, session in enumerate(event.sessions, start=1)
    ]  # fmt: skip


def invite(
    registration: Registration, ticket_url: str, method: str, stamp: datetime | None = None
) -> bytes:
    """An iTIP invite (RFC 5546) for one registration: REQUEST to add or update, CANCEL to withdraw.

    The entry links to the ticket page (`ticket_url`), never to the manage page.
    ORGANIZER is the configured sender (RFC 5546 requires it); the ATTENDEE has
    RSVP=FALSE so that calendar clients do not mail replies to it. A CANCEL
    carries a higher SEQUENCE than any REQUEST sent before it.
    """
    entries = registration_entries(registration, ticket_url, now=stamp)
    for entry in entries:
        _address(entry, registration, method)
    return calendar_file(entries, method=method)


def _address(entry, registration: Registration, method: str) -> None:
    """ORGANIZER and ATTENDEE of an invite's entry; a CANCEL withdraws it."""
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
        sequence = entry.pop("sequence")
        entry.pop("status")
        entry.add("sequence", int(sequence) + 1)
        entry.add("status", "CANCELLED")


def _param_text(value: str) -> str:
    """A parameter value (CN) may hold neither double quotes nor control characters."""
    cleaned = "".join(char for char in value if char >= " " and char not in '"\x7f')
    return cleaned[:200] or "-"


def removed_session(values: dict) -> CourseSession:
    """A deleted session, rebuilt (never added to a session) from a message's facts."""
    return CourseSession(**values)


def cancel_session(
    registration: Registration, session: CourseSession, ticket_url: str, stamp=None
) -> bytes:
    """METHOD:CANCEL for the calendar entry of one deleted session of a course."""
    event = registration.event
    number = 1 + sum(1 for other in event.sessions if other.starts_at < session.starts_at)
    entry = session_component(
        event, session, number, url=ticket_url, uid=session_uid(registration, session),
        now=stamp, link_label=_("Your ticket:"),
    )  # fmt: skip
    _address(entry, registration, CANCEL)
    return calendar_file([entry], method=CANCEL)
