"""Personal data: erasing a person keeps the figures; retention anonymizes past events."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import AuditEntry, OutboxMessage, Registration, Role, utcnow
from events.services.checkin.door import Actor, check_in_registration
from events.services.privacy import erase_person, registrations_of_person
from events.services.registration import cancel_registration, register_attendee
from events.services.reports import build_report
from tests.factories import attendee, make_event, make_user

pytestmark = pytest.mark.usefixtures("ctx")


def figures(event_id=None):
    report = build_report(event_id)
    counties = {code: (item.confirmed, item.attended) for code, item in report.by_county.items()}
    types = {kind: (item.confirmed, item.attended) for kind, item in report.by_type.items()}
    return (
        report.registered,
        report.confirmed,
        report.attended,
        report.dr_members,
        counties,
        types,
    )


def test_erasing_a_person_drops_identity_keeps_figures_and_kills_links():
    organizer = make_user(role=Role.COORDINATOR)
    past = make_event()
    coming = make_event(capacity=1)
    anna = register_attendee(
        past.id, attendee(first_name="Annabella", email="anna@example.org", county="pilski")
    )
    register_attendee(
        coming.id, attendee(first_name="Annabella", email="anna@example.org", county="pilski")
    )
    waiting = register_attendee(coming.id, attendee(email="jan@example.org"))
    check_in_registration(past.id, anna.id, Actor(user_id=organizer.id))
    cancel_registration(
        register_attendee(past.id, attendee(email="ewa@example.org")).id, by=organizer
    )
    past.starts_at, past.ends_at = utcnow() - timedelta(days=2), utcnow() - timedelta(days=1)
    db.session.commit()
    old_token = anna.manage_token
    before = figures(past.id)

    assert erase_person("Anna@example.org ", organizer) == 2

    assert figures(past.id) == before  # what happened at a past event stays counted
    people = db.session.scalars(
        sa.select(Registration).where(Registration.email.like("anonymized-%"))
    ).all()
    assert len(people) == 2
    for person in people:
        assert person.first_name == "—" and person.phone is None and person.needs is None
        assert person.county == "pilski"  # what the reports count stays
    db.session.refresh(waiting)
    assert waiting.status == "confirmed"  # the seat to come went to the waiting list
    assert db.session.scalar(sa.select(Registration).filter_by(manage_token=old_token)) is None
    assert db.session.scalar(sa.select(sa.func.count()).where(
        OutboxMessage.recipient == "anna@example.org")) == 0  # fmt: skip
    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [entry.action for entry in entries].count("person_erased") == 2
    logged = str([(entry.before, entry.after) for entry in entries])
    assert "anna@example.org" not in logged and "Annabella" not in logged, logged


def test_retention_anonymizes_only_events_that_ended_before_the_date(runner):
    past = utcnow() - timedelta(days=400)
    old = make_event(starts_at=past, ends_at=past + timedelta(hours=3), registration_closes_at=None)
    recent = make_event()
    for number in range(3):
        db.session.add(Registration(**{**_row(old.id, number)}))
    db.session.commit()
    keeper = register_attendee(recent.id, attendee(email="zostaje@example.org"))
    before = figures()

    cutoff = (utcnow() - timedelta(days=365)).strftime("%Y-%m-%d")
    result = runner.invoke(args=["anonymize", "--before", cutoff])

    assert result.exit_code == 0 and "3 registration(s) anonymized" in result.output
    assert figures() == before
    db.session.refresh(keeper)
    assert keeper.email == "zostaje@example.org"
    assert (
        "0 registration(s) anonymized"
        in runner.invoke(args=["anonymize", "--before", cutoff]).output
    )
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).first()
    assert entry.action == "retention_anonymized" and entry.actor == "command line"
    assert runner.invoke(args=["anonymize", "--before", "wczoraj"]).exit_code != 0


def _row(event_id, number):
    from events.models import OrganizationType, RegistrationStatus

    now = utcnow()
    return {
        "event_id": event_id, "status": RegistrationStatus.CONFIRMED, "first_name": "Ola",
        "last_name": f"Stara{number}", "email": f"stara{number}@example.org",
        "organization": "Fundacja", "organization_type": OrganizationType.NGO,
        "county": "kolski", "dr_member": True, "data_consent_at": now,
        "data_consent_version": "v1", "language": "pl", "manage_token": f"old-{number}",
        "ticket_code": f"OLD{number}",
    }  # fmt: skip


@pytest.mark.parametrize("typed", ["Anna@ŻÓŁW.pl", " anna@xn--w-uga1v8h.pl", "ANNA@żółw.PL"])
def test_a_person_with_a_polish_domain_is_found_and_erased_however_the_address_is_typed(typed):
    """Stored in the ASCII form of the domain; typed in Unicode, in capitals or in ASCII."""
    organizer = make_user(role=Role.COORDINATOR)
    event = make_event()
    anna = register_attendee(event.id, attendee(first_name="Anna", email="anna@żółw.pl"))
    assert anna.email == "anna@xn--w-uga1v8h.pl"

    assert [r.id for r in registrations_of_person(typed)] == [anna.id]
    assert erase_person(typed, organizer) == 1

    db.session.expire_all()
    erased = db.session.get(Registration, anna.id)
    assert erased.is_anonymized and "żółw" not in erased.email and "xn--" not in erased.email
    assert registrations_of_person("anna@żółw.pl") == []


def test_retention_forgets_invitations_of_past_events_and_old_counters_only():
    """Invitations of an ended event keep their answer and county and lose the person;
    an invitation to a coming event stays whole; attempt counters of long ago go."""
    from events.models import Invitation, InvitationStatus, ThrottleCounter
    from events.services.invitations.invite import invite_people
    from events.services.invitations.lists import ImportRow
    from events.services.privacy import anonymize_before

    past = utcnow() - timedelta(days=400)
    old = make_event(starts_at=past, ends_at=past + timedelta(hours=3), registration_closes_at=None)
    coming = make_event()
    [gone] = invite_people(
        old.id, [ImportRow(2, "Ola Stara", "ola@example.org", "", "kolski")], None
    )
    [kept] = invite_people(coming.id, [ImportRow(2, "Ola Stara", "ola@example.org")], None)
    db.session.add(ThrottleCounter(key="lost-link:ola@example.org", window_start=past, hits=1))
    db.session.add(ThrottleCounter(key="lost-link:jan@example.org", window_start=utcnow(), hits=1))
    db.session.commit()

    anonymize_before(utcnow() - timedelta(days=365))

    db.session.expire_all()
    gone, kept = db.session.get(Invitation, gone.id), db.session.get(Invitation, kept.id)
    assert (gone.name, gone.email, gone.county, gone.status) == (
        "—",
        f"anonymized-{gone.id}@invalid",
        "kolski",
        InvitationStatus.INVITED,
    )
    assert (kept.name, kept.email) == ("Ola Stara", "ola@example.org")
    assert db.session.scalars(sa.select(ThrottleCounter.key)).all() == ["lost-link:jan@example.org"]
