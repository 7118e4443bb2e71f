"""Who runs an event, as organizers set it and people read it: the event form asks a
coordinator for the organization and the event's own organization for its
co-organizers (nobody else can set them, even by posting the fields); the event page
names them and links the privacy notice, which names the network's organizations in
the configured wording; a coordinator's programme may be cut to one organization."""

import re

import pytest
import sqlalchemy as sa

from events.config import ConfigError, check_production
from events.extensions import db
from events.models import AuditEntry, Event, EventStatus, Organization, Role
from tests.conftest import csrf_token
from tests.factories import make_event, make_organization, make_user
from tests.test_organizer import event_form

PASSWORD = "haslo-organizatora"


@pytest.fixture
def network(app):
    """Partners P and Q, C (a county office); a coordinator and P's and C's organizers."""
    with app.app_context():
        ids = {}
        for short, name in (("P", "Stowarzyszenie Pomorskie"), ("Q", "Fundacja Kwiatowa"),
                            ("C", "Starostwo Powiatowe w Czarnkowie")):  # fmt: skip
            ids[short] = make_organization(short, name=name, contact_email=f"{short}@org.pl").id
        make_user("coordinator@example.org", PASSWORD, Role.COORDINATOR)
        for short in ("P", "C"):
            organization = db.session.get_one(Organization, ids[short])
            make_user(f"{short.lower()}@example.org", PASSWORD, Role.ORGANIZER, organization)
    return ids


def _client(app, email):
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    client.token = csrf_token(client, "/lost-link")
    return client


def _event(app, title) -> Event:
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.title == title))
        return (
            event,
            event.organization.short_name,
            sorted(c.short_name for c in event.coorganizers),
        )


def test_a_coordinator_gives_an_event_to_a_partner_with_a_co_organizer(app, network):
    coordinator = _client(app, "coordinator@example.org")
    page = coordinator.get("/organizer/events/new").get_data(as_text=True)
    assert 'name="organization_id"' in page and 'name="coorganizers"' in page
    form = event_form(organization_id=str(network["P"]), coorganizers=str(network["C"]))
    response = coordinator.post(
        "/organizer/events/new", data={**form, "csrf_token": coordinator.token}
    )
    assert response.status_code == 302
    event, owner, partners = _event(app, "Seminarium w Gnieźnie")
    assert (owner, partners) == ("P", ["C"])
    with app.app_context():
        db.session.get(Event, event.id).status = EventStatus.PUBLISHED
        db.session.commit()
    public = app.test_client()
    public.set_cookie("lang", "en")
    text = public.get(f"/events/{event.slug}").get_data(as_text=True)
    assert "Run by" in text and "Stowarzyszenie Pomorskie" in text
    assert "Starostwo Powiatowe w Czarnkowie" in text and "/privacy#organizations" in text
    assert "mailto:P@org.pl" in text  # no contact of its own: its organization's
    coordinator.post(
        f"/organizer/events/{event.id}/edit",
        data={**form, "organization_id": str(network["Q"]), "csrf_token": coordinator.token},
    )
    assert _event(app, "Seminarium w Gnieźnie")[1:] == ("Q", ["C"])
    history = coordinator.get(f"/organizer/events/{event.id}/audit").get_data(as_text=True)
    assert re.search(r"Organization.*P.*Q", history, re.S), "the move is in the history"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 2


def test_a_partner_makes_events_of_its_own_whatever_it_posts(app, network):
    organizer = _client(app, "p@example.org")
    page = organizer.get("/organizer/events/new").get_data(as_text=True)
    assert 'name="organization_id"' not in page and "Stowarzyszenie Pomorskie" in page
    form = event_form(organization_id=str(network["Q"]), coorganizers=str(network["C"]))
    organizer.post("/organizer/events/new", data={**form, "csrf_token": organizer.token})
    event, owner, partners = _event(app, "Seminarium w Gnieźnie")
    assert (owner, partners) == ("P", ["C"])  # its own, and the co-organizer it chose
    co_organizer = _client(app, "c@example.org")
    page = co_organizer.get(f"/organizer/events/{event.id}/edit").get_data(as_text=True)
    assert 'name="coorganizers"' not in page and "Co-organizers" in page
    form = event_form(title="Seminarium C", coorganizers=str(network["Q"]))
    response = co_organizer.post(
        f"/organizer/events/{event.id}/edit", data={**form, "csrf_token": co_organizer.token}
    )
    assert response.status_code == 302
    assert _event(app, "Seminarium C")[1:] == ("P", ["C"])  # the title changed, not who runs it


def test_an_unknown_co_organizer_is_named_next_to_the_field(app, network):
    coordinator = _client(app, "coordinator@example.org")
    form = event_form(coorganizers=["999", "x"])
    response = coordinator.post(
        "/organizer/events/new", data={**form, "csrf_token": coordinator.token}
    )
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="coorganizers-error"' in text and "Choose organizations from the list." in text
    assert 'href="#coorganizers-0"' in text  # the error summary links to the field
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Event.id))) == 0


def test_a_coordinator_cuts_the_programme_to_one_organization(app, network):
    with app.app_context():
        p = db.session.get_one(Organization, network["P"])
        make_event(title="Spotkanie P", organization=p)
        make_event(title="Spotkanie DR")
        co_run = make_event(title="Spotkanie współprowadzone")
        co_run.coorganizers = [p]
        db.session.commit()
    coordinator = _client(app, "coordinator@example.org")
    whole = coordinator.get("/organizer/?organization=nonsense").get_data(as_text=True)
    assert all(
        title in whole for title in ("Spotkanie P", "Spotkanie DR", "Spotkanie współprowadzone")
    )
    cut = coordinator.get("/organizer/?organization=P").get_data(as_text=True)
    assert "Spotkanie P" in cut and "Spotkanie współprowadzone" in cut and "Spotkanie DR" not in cut
    partner = (
        _client(app, "p@example.org").get("/organizer/?organization=DR").get_data(as_text=True)
    )
    assert "Spotkanie DR" not in partner and "co-organized" in partner
    assert 'name="organization"' not in partner and "Partnership programmes" not in partner


@pytest.mark.parametrize(
    ("role", "wording"),
    [("recipient", "They receive the data"), ("co-controller", "joint controllers")],
)
def test_the_privacy_notice_names_the_organizations_as_configured(app, role, wording):
    app.config["PARTNER_ROLE_IN_PRIVACY"] = role
    with app.app_context():
        make_organization("P", name="Stowarzyszenie Pomorskie", contact_email="biuro@pomorskie.pl")
    client = app.test_client()
    client.set_cookie("lang", "en")
    text = client.get("/privacy").get_data(as_text=True)
    assert 'id="organizations"' in text and wording in text
    assert "Stowarzyszenie Pomorskie" in text and "biuro@pomorskie.pl" in text


def test_production_refuses_an_unknown_wording_of_the_partners_role():
    with pytest.raises(ConfigError, match="PARTNER_ROLE_IN_PRIVACY"):
        check_production({"APP_ENV": "production", "PARTNER_ROLE_IN_PRIVACY": "partner"})
