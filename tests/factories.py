"""Factory functions: every test states the data it depends on."""

from dataclasses import fields
from datetime import timedelta

import sqlalchemy as sa

from events.extensions import db
from events.models import (
    CourseSession,
    Event,
    EventKind,
    EventStatus,
    Organization,
    OrganizationKind,
    OrganizationType,
    OutboxMessage,
    Presence,
    Programme,
    Registration,
    Role,
    ScanMethod,
    SessionAttendance,
    User,
    utcnow,
)
from events.services.registration import Attendee

_counter = iter(range(1, 10**9))


def make_organization(short_name="DR", lead=None, **overrides) -> Organization:
    """An organization of the network (the one with this short name if it exists);
    "DR", the default, is the lead association."""
    found = db.session.scalar(sa.select(Organization).where(Organization.short_name == short_name))
    if found is not None:
        return found
    values = {
        "name": f"Stowarzyszenie {short_name}",
        "short_name": short_name,
        "kind": OrganizationKind.NGO,
        "counties": [],
        "is_lead": short_name == "DR" if lead is None else lead,
    }
    values.update(overrides)
    organization = Organization(**values)
    db.session.add(organization)
    db.session.commit()
    return organization


def make_event(**overrides) -> Event:
    """A published, open event of the lead organization with 10 seats and a waiting list,
    starting in half an hour: its door is open (the check-in window opens an hour
    before the start)."""
    number = next(_counter)
    start = utcnow().replace(microsecond=0) + timedelta(minutes=30)
    values = {
        "slug": f"seminarium-{number}",
        "title": f"Seminarium o partnerstwie lokalnym {number}",
        "kind": EventKind.SEMINAR,
        "description": "Jak budować partnerstwo lokalne.",
        "starts_at": start,
        "ends_at": start + timedelta(hours=4),
        "venue_name": "Centrum Kultury",
        "venue_address": "ul. Główna 1, 62-800 Kalisz",
        "county": "m-kalisz",
        "capacity": 10,
        "waitlist_enabled": True,
        "status": EventStatus.PUBLISHED,
    }
    values.update(overrides)
    if "organization" not in values and "organization_id" not in values:
        values["organization"] = make_organization()
    event = Event(**values)
    db.session.add(event)
    db.session.commit()
    return event


def make_programme(slug="partnerships", **overrides) -> Programme:
    """A partnership programme (the one with this slug if it exists), last in the order."""
    found = db.session.scalar(sa.select(Programme).where(Programme.slug == slug))
    if found is not None:
        return found
    last = db.session.scalar(sa.select(sa.func.max(Programme.position))) or 0
    values = {
        "name_pl": f"Program {slug}",
        "name_en": f"Programme {slug}",
        "description_pl": "",
        "description_en": "",
        "position": last + 1,
    }
    values.update(overrides)
    programme = Programme(slug=slug, **values)
    db.session.add(programme)
    db.session.commit()
    return programme


def next_week(hours: int = 4) -> dict:
    """The times of an event a week from now, for a test about what comes before it
    (registration, reminders, seats kept until a date)."""
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    return {"starts_at": start, "ends_at": start + timedelta(hours=hours)}


def make_course(hours=(4, 4, 2), weekly=False, start=None, **overrides) -> Event:
    """A published course of sessions of the given hours, the second one elsewhere;
    18 seats. Its sessions follow each other today, an hour apart, from half an hour
    from now, and check-in opens a day ahead: every session's door is open now.
    `weekly` (or a `start`): one session a week from next week (or from `start`),
    check-in as by default."""
    weekly = weekly or start is not None
    if weekly:
        start = start or next_week()["starts_at"]
        overrides.setdefault("checkin_opens_minutes", 60)
    else:
        start = utcnow().replace(microsecond=0) + timedelta(minutes=30)
    values = {
        "title": "Szkolenie liderów lokalnych",
        "kind": EventKind.TRAINING,
        "capacity": 18,
        "checkin_opens_minutes": 24 * 60,
    }
    values.update(overrides)
    begins, times = start, []
    for length in hours:
        times.append((begins, begins + timedelta(hours=length)))
        begins += timedelta(days=7) if weekly else timedelta(hours=length + 1)
    event = make_event(starts_at=start, ends_at=times[-1][1], **values)
    for number, (begins, ends) in enumerate(times):
        db.session.add(
            CourseSession(
                event_id=event.id,
                title=f"Moduł {number + 1}",
                starts_at=begins,
                ends_at=ends,
                venue_name="Dom Kultury w Śremie" if number == 1 else event.venue_name,
                venue_address="ul. Mickiewicza 3, 63-100 Śrem" if number == 1 else "",
            )
        )
    db.session.commit()
    return event


def attendee(**overrides) -> Attendee:
    number = next(_counter)
    values = {
        "first_name": "Zofia",
        "last_name": "Wiśniewska",
        "email": f"zofia.{number}@example.org",
        "organization": "Stowarzyszenie Razem",
        "organization_type": OrganizationType.NGO,
        "county": "gnieznienski",
        "dr_member": True,
        "data_consent": True,
    }
    values.update(overrides)
    return Attendee(**values)


def form_data(**overrides) -> dict:
    """What the registration form posts when filled in correctly."""
    number = next(_counter)
    values = {
        "first_name": "Zofia",
        "last_name": "Wiśniewska",
        "email": f"zofia.{number}@example.org",
        "phone": "+48 600 100 200",
        "organization": "Stowarzyszenie Razem",
        "organization_type": "ngo",
        "county": "gnieznienski",
        "dr_member": "yes",
        "needs": "",
        "language": "pl",
        "data_consent": "y",
    }
    values.update(overrides)
    return {key: value for key, value in values.items() if value is not None}


def make_user(
    email="organizator@example.org",
    password="bardzo-tajne-haslo",
    role=Role.COORDINATOR,
    organization=None,
):
    """An account; by default a coordinator of the lead organization (what every
    organizer was before the network had partners)."""
    user = User(
        email=email, role=role, active=True, organization=organization or make_organization()
    )
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_registration(event: Event, status, checked_in: bool = False, **overrides):
    """A registration in the given state, put straight into the database (no rules, no
    email): for tests that start from a state the rules would take several steps to reach."""
    from events.services.registration import new_registration

    registration = new_registration(event, attendee(**overrides), status, utcnow())
    if checked_in:
        registration.checked_in_at, registration.checked_in_by = utcnow(), "bramka@example.org"
    db.session.add(registration)
    db.session.commit()
    return registration


def reschedule(event_id: int, schedule, note: str | None = None, user: User | None = None) -> int:
    """Move an event as the organizer's event form does (`update_event` with the new
    time and place, everything else as it was); returns the change notices queued."""
    from events.services.event_admin import EventData, update_event

    event = db.session.get(Event, event_id)
    data = EventData(**{field.name: getattr(event, field.name) for field in fields(EventData)})
    data.starts_at, data.ends_at = schedule.starts_at, schedule.ends_at
    data.venue_name, data.venue_address = schedule.venue_name, schedule.venue_address
    data.online_url = schedule.online_url
    changes = sa.select(sa.func.count()).where(OutboxMessage.kind == "event_changed")
    before = db.session.scalar(changes)
    update_event(event_id, data, user, note=note)
    return db.session.scalar(changes) - before


def check_in_at(event: Event, registration_id: int, at, session=None, reason=None, user=None):
    """A check-in by name at the given time (at `session` of a course), through the door's
    one decision, as a device syncing late would make it; `reason`: an override, which
    needs an organizer (`user`) unless the event lets the door override."""
    from events.services.checkin.door import Actor, CheckInRequest, perform_check_in

    actor = Actor(user_id=user.id) if user else Actor()
    request = CheckInRequest(event, actor, ScanMethod.SEARCH, at=at, session=session, reason=reason)
    return perform_check_in(request, registration_id)


def old_presence(registration: Registration, at, session=None) -> None:
    """A presence written as the door wrote it before check-in windows (issue 20), at
    any time: the old records a check of certificates has to find."""
    if session is not None:
        db.session.add(
            SessionAttendance(
                session_id=session.id,
                registration_id=registration.id,
                checked_in_at=at,
                checked_in_by="bramka@example.org",
            )
        )
    if registration.checked_in_at is None:
        registration.checked_in_at, registration.checked_in_by = at, "bramka@example.org"
        registration.checked_in_how = Presence.DOOR
    db.session.commit()
