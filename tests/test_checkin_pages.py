"""Check-in pages: the event picker, the scanner's access rules, organizers' links."""

import re

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import CheckInLink, Role
from events.services.checkin.access import assign_staff
from tests.conftest import csrf_token
from tests.factories import make_event, make_user

PASSWORD = "haslo-do-bramki"


@pytest.fixture
def people(app):
    with app.app_context():
        mine = make_event(title="Seminarium w Pile")
        make_event(title="Konsultacje w Turku")
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
        assign_staff("staff@example.org", mine.slug)
        return {"slug": mine.slug}


def log_in(client, email):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def test_staff_see_only_their_events_organizers_see_all(client, people):
    log_in(client, "staff@example.org")
    html = client.get("/checkin/").get_data(as_text=True)
    assert "Seminarium w Pile" in html and "Konsultacje w Turku" not in html
    assert "Checked in: 0 of 0" in html
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    log_in(client, "org@example.org")
    html = client.get("/checkin/").get_data(as_text=True)
    assert "Seminarium w Pile" in html and "Konsultacje w Turku" in html


def test_the_event_picker_needs_a_login(client):
    response = client.get("/checkin/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_organizer_makes_lists_and_withdraws_a_link(app, client, people):
    log_in(client, "org@example.org")
    url = f"/checkin/{people['slug']}/links"
    response = client.post(
        url,
        data={"label": "Wolontariuszka Ola", "hours": "12", "csrf_token": csrf_token(client, url)},
    )
    assert response.status_code == 302  # a reload of the next page makes no second link
    html = client.get(url).get_data(as_text=True)
    link_url = re.search(r'id="new-link-url"[^>]*value="([^"]+)"', html).group(1)
    assert link_url.startswith("https://rejestracja.example.org/checkin/link/")
    assert 'src="data:image/png;base64,' in html
    assert "Wolontariuszka Ola" in html and "org@example.org" in html and "Active" in html
    assert 'id="new-link-url"' not in client.get(url).get_data(as_text=True)  # shown once

    volunteer = app.test_client()
    token = link_url.rsplit("/", 1)[1]
    assert volunteer.get(f"/checkin/link/{token}").status_code == 302
    assert volunteer.get(f"/checkin/{people['slug']}").status_code == 200

    with app.app_context():
        link_id = db.session.scalar(sa.select(CheckInLink.id))
    revoke = f"/checkin/{people['slug']}/links/{link_id}/revoke"
    response = client.post(revoke, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    assert "Withdrawn" in client.get(url).get_data(as_text=True)
    # The volunteer is told that the link is gone, not asked to log in.
    gone = volunteer.get(f"/checkin/{people['slug']}")
    assert gone.status_code == 403 and "Ten link do rejestracji obecności nie działa" in gone.text
    assert volunteer.get(f"/checkin/{people['slug']}").status_code == 302  # then: log in


@pytest.mark.parametrize(
    ("label", "hours", "message"),
    [
        ("", "12", "Say who the link is for."),
        ("x" * 101, "12", "under 100"),
        ("Ola", "9999", "Not a valid choice"),
    ],
)
def test_link_form_errors_are_explained(client, people, label, hours, message):
    log_in(client, "org@example.org")
    url = f"/checkin/{people['slug']}/links"
    response = client.post(
        url, data={"label": label, "hours": hours, "csrf_token": csrf_token(client, url)}
    )
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_staff_cannot_manage_links(client, people):
    log_in(client, "staff@example.org")
    assert client.get(f"/checkin/{people['slug']}/links").status_code == 403
    assert client.post(f"/checkin/{people['slug']}/links/1/revoke").status_code in (400, 403)


def test_revoking_another_events_link_is_not_found(app, client, people):
    log_in(client, "org@example.org")
    url = f"/checkin/{people['slug']}/links"
    client.post(url, data={"label": "A", "hours": "4", "csrf_token": csrf_token(client, url)})
    with app.app_context():
        other = make_event()
        link_id = db.session.scalar(sa.select(CheckInLink.id))
        other_slug = other.slug
    response = client.post(
        f"/checkin/{other_slug}/links/{link_id}/revoke",
        data={"csrf_token": csrf_token(client, url)},
    )
    assert response.status_code == 404


def test_assign_staff_command(app, runner, people):
    with app.app_context():
        make_user(email="nowy@example.org", password=PASSWORD, role=Role.STAFF)
        slug = make_event().slug
    result = runner.invoke(args=["assign-staff", "nowy@example.org", slug])
    assert result.exit_code == 0 and "may now check people in" in result.output
    result = runner.invoke(args=["assign-staff", "nikt@example.org", slug])
    assert result.exit_code != 0 and "no account" in result.output


def test_the_scanner_installs_as_an_offline_app(client, people):
    worker = client.get("/checkin/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    body = worker.get_data(as_text=True)
    for asset in ("/static/js/scanner.js", "/static/vendor/zxing-wasm/reader/zxing_reader.wasm"):
        assert asset in body
    manifest = client.get(f"/checkin/{people['slug']}/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    assert manifest.get_json()["start_url"] == f"/checkin/{people['slug']}"
    assert client.get("/checkin/no-such-event/manifest.webmanifest").status_code == 404


def test_logging_out_tells_the_browser_to_erase_scanner_data(client, people):

    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )
    response = client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    assert response.headers["Clear-Site-Data"] == '"cache", "storage"'


def test_only_organizers_turn_offline_search_by_name_on(app, client, people):
    from events.models import AuditEntry

    url = f"/checkin/{people['slug']}/offline-search"
    assert client.post(url, data={"enabled": "1"}).status_code in (400, 302)
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "staff@example.org", "password": PASSWORD, "csrf_token": token}
    )
    assert (
        client.post(url, data={"enabled": "1", "csrf_token": csrf_token(client, "/")}).status_code
        == 403
    )
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )
    page = client.get(f"/checkin/{people['slug']}/links").get_data(as_text=True)
    assert "Turn offline search by name on" in page
    assert client.post(url, data={"enabled": "1"}).status_code == 400  # no CSRF token
    response = client.post(url, data={"enabled": "1", "csrf_token": csrf_token(client, "/")})
    assert response.status_code == 302
    page = client.get(f"/checkin/{people['slug']}/links").get_data(as_text=True)
    assert "Turn offline search by name off" in page
    with app.app_context():
        entry = db.session.scalar(
            sa.select(AuditEntry).where(AuditEntry.action == "offline_search_changed")
        )
        assert entry.after == {"offline_name_search": True}
