"""Factory functions: every test states the data it depends on."""

from datetime import timedelta

from events.extensions import db
from events.models import (
    CourseSession,
    Event,
    EventKind,
    EventStatus,
    OrganizationType,
    Role,
    User,
    utcnow,
)
from events.services.registration import Attendee

_counter = iter(range(1, 10**9))


def make_event(**overrides) -> Event:
    """A published, open event next week with 10 seats and a waiting list."""
    number = next(_counter)
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
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
    event = Event(**values)
    db.session.add(event)
    db.session.commit()
    return event


def make_course(hours=(4, 4, 2), **overrides) -> Event:
    """A published course next week: one session a week, 10:00 UTC, of the given hours,
    the second one elsewhere; 18 seats."""
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    values = {"title": "Szkolenie liderów lokalnych", "kind": EventKind.TRAINING, "capacity": 18}
    values.update(overrides)
    last = start + timedelta(days=7 * (len(hours) - 1), hours=hours[-1])
    event = make_event(starts_at=start, ends_at=last, **values)
    for number, length in enumerate(hours):
        begins = start + timedelta(days=7 * number)
        db.session.add(
            CourseSession(
                event_id=event.id,
                title=f"Moduł {number + 1}",
                starts_at=begins,
                ends_at=begins + timedelta(hours=length),
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


def make_user(email="organizator@example.org", password="bardzo-tajne-haslo", role=Role.ORGANIZER):
    user = User(email=email, role=role, active=True)
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
