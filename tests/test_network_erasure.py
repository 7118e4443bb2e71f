"""Erasure across the network: a coordinator handles a person's request to be forgotten
at every organization's events; a partner's organizer erases the person at their own
organization's events only, and never learns of the others."""

import sqlalchemy as sa

from events.extensions import db
from events.models import AuditEntry, Registration, RegistrationStatus, Role
from tests.conftest import csrf_token
from tests.factories import make_event, make_organization, make_registration, make_user

PASSWORD = "haslo-organizatora"
EMAIL = "jan.kowalski@example.org"


def _world(app):
    with app.app_context():
        p = make_organization("P", name="Stowarzyszenie Pomorskie")
        q = make_organization("Q", name="Fundacja Kwiatowa")
        p_event = make_event(title="Spotkanie w Pile", organization=p)
        q_event = make_event(title="Warsztaty w Kole", organization=q)
        confirmed = RegistrationStatus.CONFIRMED
        ids = [
            make_registration(event, confirmed, email=EMAIL, last_name="Kowalski").id
            for event in (p_event, q_event)
        ]
        make_user("p@example.org", PASSWORD, Role.ORGANIZER, p)
        make_user("coordinator@example.org", PASSWORD, Role.COORDINATOR)
        return p_event.id, ids


def _client(app, email):
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return client


def _names(app, ids):
    with app.app_context():
        return [db.session.get(Registration, i).last_name for i in ids]


def test_a_partner_erases_the_person_at_its_own_events_only(app):
    event_id, (at_p, at_q) = _world(app)
    organizer = _client(app, "p@example.org")
    page = organizer.get(f"/organizer/events/{event_id}/registrations/{at_p}/erase")
    text = page.get_data(as_text=True)
    assert "Spotkanie w Pile" in text and "Warsztaty w Kole" not in text
    assert "1 registration will be anonymized" in text and "coordinator of the network" in text
    token = csrf_token(organizer, f"/organizer/events/{event_id}/registrations/{at_p}/erase")
    organizer.post(
        f"/organizer/events/{event_id}/registrations/{at_p}/erase", data={"csrf_token": token}
    )
    assert _names(app, [at_p, at_q]) != ["Kowalski", "Kowalski"]
    assert _names(app, [at_q]) == ["Kowalski"]  # Q's person stays Q's to erase


def test_a_coordinator_erases_a_person_at_every_organizations_events(app):
    _event_id, ids = _world(app)
    coordinator = _client(app, "coordinator@example.org")
    token = csrf_token(coordinator, "/organizer/erasure")
    bad = coordinator.post("/organizer/erasure", data={"email": "jan@", "csrf_token": token})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 200 and 'id="email-error"' in text and 'href="#email"' in text
    found = coordinator.post(
        "/organizer/erasure", data={"email": EMAIL.upper(), "csrf_token": token}
    )
    text = found.get_data(as_text=True)
    assert "2 registrations will be anonymized" in text
    assert "Spotkanie w Pile</strong> (P)" in text and "Warsztaty w Kole</strong> (Q)" in text
    assert _names(app, ids) == ["Kowalski", "Kowalski"]  # finding erases nothing
    done = coordinator.post(
        "/organizer/erasure",
        data={"email": EMAIL, "confirm": "erase", "csrf_token": token},
        follow_redirects=True,
    )
    assert "erased from 2 registrations" in done.get_data(as_text=True)
    assert "Kowalski" not in _names(app, ids)
    with app.app_context():
        erased = db.session.scalars(
            sa.select(AuditEntry.registration_id).where(AuditEntry.action == "person_erased")
        ).all()
    assert sorted(erased) == sorted(ids)
    again = coordinator.post("/organizer/erasure", data={"email": EMAIL, "csrf_token": token})
    assert "0 registrations will be anonymized" in again.get_data(as_text=True)


def test_a_partners_organizer_has_no_erasure_page(app):
    _world(app)
    assert _client(app, "p@example.org").get("/organizer/erasure").status_code == 403
