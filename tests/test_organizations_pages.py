"""The network's pages: coordinators keep the organizations; coordinators and each
organization's organizers make and change its accounts, and send its door staff to
its events."""

import json

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import AuditEntry, Event, Organization, OrganizationKind, Role, User
from events.services.organizations.members import (
    AccountChange,
    MemberError,
    NewAccount,
    change_account,
    create_account,
)
from tests.conftest import csrf_token
from tests.factories import make_event, make_organization, make_user

PASSWORD = "bardzo-tajne-haslo"
NEW_PASSWORD = "zielona herbata z cytryna"


def log_in(client, email, password=PASSWORD) -> None:
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    assert client.get("/checkin/").status_code == 200, email


def post(client, url, **data):
    return client.post(url, data={"csrf_token": csrf_token(client, url), **data})


@pytest.fixture
def network(app):
    """Partners P and Q with an event each, the lead's event, a coordinator, Q's organizer."""
    with app.app_context():
        p, q = make_organization("P"), make_organization("Q")
        make_event(title="Warsztat P", organization=p)
        make_event(title="Warsztat Q", organization=q)
        make_event(title="Seminarium DR")
        make_user("coordinator@example.org", PASSWORD, Role.COORDINATOR)
        make_user("q@example.org", PASSWORD, Role.ORGANIZER, q)
        return {"P": p.id, "Q": q.id}


def _account(email) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _audit(action) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)))


def test_a_coordinator_adds_a_partner_after_correcting_the_form(app, client, network):
    log_in(client, "coordinator@example.org")
    bad = post(
        client,
        "/organizer/organizations/new",
        name="",
        short_name="p",
        kind="ngo",
        counties=["m-poznan", "atlantyda"],
        contact_email="not an address",
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    for field, message in (
        ("name", "Enter the organization&#39;s name"),
        ("short_name", "Another organization has this short name."),
        ("contact_email", "This is not a valid email address."),
    ):
        assert f'id="{field}-error"><span class="visually-hidden">Error:</span> {message}' in html
        assert f'<a href="#{field}">{message}' in html  # the summary links to the field
    assert '<a href="#counties-0">Choose counties from the list.</a>' in html
    assert 'checked id="counties-' in html  # the ticked county stays ticked
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organization)) == 3

    good = post(
        client,
        "/organizer/organizations/new",
        name="Gmina Kórnik",
        short_name="Kórnik",
        kind="local_government",
        counties=["poznanski"],
        contact_email="gmina@example.org",
        contact_phone="61 000 00 00",
    )
    assert good.status_code == 302
    listing = client.get("/organizer/organizations").get_data(as_text=True)
    assert "Gmina Kórnik" in listing and "Local government unit" in listing
    assert "Poznań County" in listing and "gmina@example.org" in listing
    with app.app_context():
        added = db.session.scalar(
            sa.select(Organization).where(Organization.short_name == "Kórnik")
        )
        assert added.kind == OrganizationKind.LOCAL_GOVERNMENT and not added.is_lead
        [entry] = _audit("organization_created")
        assert entry.after["counties"] == ["poznanski"] and entry.actor == "coordinator@example.org"


def test_a_coordinator_changes_an_organization(app, client, network):
    log_in(client, "coordinator@example.org")
    url = f"/organizer/organizations/{network['P']}/edit"
    assert 'value="Stowarzyszenie P"' in client.get(url).get_data(as_text=True)
    response = post(client, url, name="Stowarzyszenie Pomorskie", short_name="P", kind="other")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Organization, network["P"]).name == "Stowarzyszenie Pomorskie"
        [entry] = _audit("organization_changed")
        assert entry.before["name"] == "Stowarzyszenie P"
    assert client.get("/organizer/organizations/9999/edit").status_code == 404


def test_an_organizer_made_by_a_coordinator_sees_only_their_organization(app, network):
    coordinator = app.test_client()
    log_in(coordinator, "coordinator@example.org")
    made = post(
        coordinator,
        "/organizer/accounts/new",
        email="Anna@Example.org",
        organization_id=network["P"],
        role="organizer",
        password=NEW_PASSWORD,
    )
    assert made.status_code == 302
    assert "anna@example.org" in coordinator.get("/organizer/accounts").get_data(as_text=True)

    anna = app.test_client()
    log_in(anna, "anna@example.org", NEW_PASSWORD)
    dashboard = anna.get("/organizer/").get_data(as_text=True)
    assert "Warsztat P" in dashboard
    assert "Warsztat Q" not in dashboard and "Seminarium DR" not in dashboard
    assert "/organizer/organizations" not in dashboard  # a coordinator's page
    assert anna.get("/organizer/organizations").status_code == 403
    with app.app_context():
        [entry] = _audit("account_created")
        assert entry.after == {
            "email": "anna@example.org",
            "role": "organizer",
            "active": True,
            "organization_id": network["P"],
        }
        assert entry.organization_id == network["P"]
        assert NEW_PASSWORD not in json.dumps([entry.before, entry.after])


def test_a_coordinator_is_made_only_in_the_lead_organization(app, client, network):
    log_in(client, "coordinator@example.org")
    refused = post(
        client,
        "/organizer/accounts/new",
        email="koordynator@example.org",
        organization_id=network["P"],
        role="coordinator",
        password=NEW_PASSWORD,
    )
    assert "Coordinators belong to the lead organization" in refused.get_data(as_text=True)
    with app.app_context():
        assert _account("koordynator@example.org") is None


@pytest.fixture
def organizer_p(app, network):
    with app.app_context():
        make_user(
            "p@example.org", PASSWORD, Role.ORGANIZER, db.session.get(Organization, network["P"])
        )
    client = app.test_client()
    log_in(client, "p@example.org")
    return client


def test_a_partners_organizer_makes_door_staff_and_sends_them_to_an_event(
    app, network, organizer_p
):
    form = organizer_p.get("/organizer/accounts/new").get_data(as_text=True)
    assert 'value="coordinator"' not in form and "Stowarzyszenie Q" not in form
    made = post(
        organizer_p,
        "/organizer/accounts/new",
        email="bramka@example.org",
        organization_id=network["P"],
        role="staff",
        password=NEW_PASSWORD,
    )
    assert made.status_code == 302
    page_url = made.headers["Location"]
    page = organizer_p.get(page_url).get_data(as_text=True)
    assert "Warsztat P" in page and "Warsztat Q" not in page and "Seminarium DR" not in page
    with app.app_context():
        event_p = db.session.scalar(sa.select(Event.id).where(Event.title == "Warsztat P"))
    saved = post(organizer_p, page_url, role="staff", active="y", events=[event_p])
    assert saved.status_code == 302
    with app.app_context():
        staff = _account("bramka@example.org")
        assert staff.organization_id == network["P"] and staff.role == Role.STAFF
        assert [event.id for event in staff.events] == [event_p]
        [entry] = _audit("account_changed")
        assert entry.before["events"] == [] and entry.after["events"] == [event_p]
        for entry in _audit("account_created") + _audit("account_changed"):
            assert NEW_PASSWORD not in json.dumps([entry.before, entry.after])
    door = app.test_client()
    log_in(door, "bramka@example.org", NEW_PASSWORD)
    assert "Warsztat P" in door.get("/checkin/").get_data(as_text=True)


def test_a_partners_organizer_keeps_to_their_own_organization(app, network, organizer_p):
    with app.app_context():
        q_account = _account("q@example.org").id
        coordinator = _account("coordinator@example.org").id
    assert organizer_p.get(f"/organizer/accounts/{q_account}").status_code == 404
    assert organizer_p.get(f"/organizer/accounts/{coordinator}").status_code == 404
    url = f"/organizer/accounts/{q_account}"
    token = csrf_token(organizer_p, "/organizer/accounts")
    changed = organizer_p.post(url, data={"role": "staff", "csrf_token": token})
    assert changed.status_code == 404
    with app.app_context():
        assert _account("q@example.org").role == Role.ORGANIZER
    listing = organizer_p.get("/organizer/accounts").get_data(as_text=True)
    assert "p@example.org" in listing
    assert "q@example.org" not in listing and "coordinator@example.org" not in listing
    for role, organization, field in (
        ("coordinator", network["P"], "role"),
        ("staff", network["Q"], "organization_id"),
    ):
        email = f"{role}-{organization}@example.org"
        refused = post(
            organizer_p,
            "/organizer/accounts/new",
            email=email,
            organization_id=organization,
            role=role,
            password=NEW_PASSWORD,
        )
        assert refused.status_code == 200
        assert f'id="{field}-error"' in refused.get_data(as_text=True)
        with app.app_context():
            assert _account(email) is None


def test_the_service_refuses_what_the_form_does_not_offer(app, network):
    with app.app_context():
        p_organizer = make_user(
            "p@example.org", PASSWORD, Role.ORGANIZER, db.session.get(Organization, network["P"])
        )
        new = NewAccount("k@example.org", NEW_PASSWORD, Role.COORDINATOR, network["P"])
        with pytest.raises(MemberError) as refused:
            create_account(new, p_organizer)
        assert set(refused.value.field_errors) == {"role"}
        weak = NewAccount("x", "krotkie", Role.STAFF, network["Q"])
        with pytest.raises(MemberError) as refused:
            create_account(weak, p_organizer)
        assert set(refused.value.field_errors) == {"organization_id", "email", "password"}
        with pytest.raises(MemberError) as refused:
            change_account(p_organizer.id, AccountChange(Role.STAFF, False), p_organizer)
        assert set(refused.value.field_errors) == {"role", "active"}
        assert _audit("account_created") == [] and _audit("account_changed") == []


def test_switching_an_account_off_logs_the_person_out(app, network, organizer_p):
    with app.app_context():
        colleague = make_user(
            "ola@example.org", PASSWORD, Role.ORGANIZER, db.session.get(Organization, network["P"])
        ).id
        me = _account("p@example.org").id
    ola = app.test_client()
    log_in(ola, "ola@example.org")
    url = f"/organizer/accounts/{colleague}"
    assert post(organizer_p, url, role="organizer").status_code == 302  # "active" unticked
    assert "/login" in ola.get("/organizer/").headers["Location"]
    token = csrf_token(ola, "/login")
    ola.post("/login", data={"email": "ola@example.org", "password": PASSWORD, "csrf_token": token})
    assert ola.get("/organizer/").status_code == 302  # nor can she log in again
    with app.app_context():
        assert _account("ola@example.org").active is False
        [entry] = _audit("account_changed")
        assert (entry.before["active"], entry.after["active"]) == (True, False)
        assert entry.actor == "p@example.org"

    own = post(organizer_p, f"/organizer/accounts/{me}", role="organizer")
    assert "You cannot switch off your own account." in own.get_data(as_text=True)
    assert organizer_p.get("/organizer/").status_code == 200


def test_a_new_role_logs_the_person_out(app, network, organizer_p):
    with app.app_context():
        colleague = make_user(
            "ola@example.org", PASSWORD, Role.ORGANIZER, db.session.get(Organization, network["P"])
        ).id
    ola = app.test_client()
    log_in(ola, "ola@example.org")
    changed = post(organizer_p, f"/organizer/accounts/{colleague}", role="staff", active="y")
    assert changed.status_code == 302
    assert "/login" in ola.get("/checkin/").headers["Location"]
    with app.app_context():
        assert _account("ola@example.org").role == Role.STAFF
