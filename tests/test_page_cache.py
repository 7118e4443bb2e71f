"""Public pages come from a cache, yet show every change, and never someone else's page."""

from events.extensions import db
from events.models import Event
from events.services.registration import register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user


def test_a_registration_shows_on_the_cached_pages_at_once(app, client):
    with app.app_context():
        event = make_event(title="Seminarium w Pile", capacity=3)
        slug, event_id = event.slug, event.id
    for path in ("/", f"/events/{slug}"):
        assert "Zostały 3 miejsca" in client.get(path).get_data(as_text=True)
    with app.app_context():
        register_attendee(event_id, attendee(), notify=False)
    for path in ("/", f"/events/{slug}"):
        html = client.get(path).get_data(as_text=True)
        assert "Zostały 2 miejsca" in html and "Zostały 3 miejsca" not in html


def test_an_organizers_change_shows_at_once_and_renews_the_etag(app, client):
    with app.app_context():
        event = make_event(title="Seminarium w Pile")
        slug, event_id = event.slug, event.id
    first = client.get(f"/events/{slug}")
    assert first.headers["ETag"] and first.headers["Cache-Control"] == "no-cache"
    assert "Cookie" in first.headers["Vary"]
    again = client.get(f"/events/{slug}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    with app.app_context():
        db.session.get(Event, event_id).title = "Seminarium w Gnieźnie"
        db.session.commit()
    changed = client.get(f"/events/{slug}", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200
    assert "Seminarium w Gnieźnie" in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != first.headers["ETag"]


def test_each_language_has_its_own_page(app, client):
    with app.app_context():
        make_event(title="Seminarium w Pile")
    assert 'lang="pl"' in client.get("/").get_data(as_text=True)
    client.set_cookie("lang", "en")
    english = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in english and "seats left" in english


def test_a_logged_in_organizer_never_gets_the_visitors_page_nor_the_reverse(app, client):
    with app.app_context():
        make_event(title="Seminarium w Pile")
        make_user(email="org@example.org", password="bardzo-tajne-haslo")
    visitor = app.test_client()
    assert "Wyloguj" not in visitor.get("/").get_data(as_text=True)  # now cached
    token = csrf_token(client, "/login")
    login = {"email": "org@example.org", "password": "bardzo-tajne-haslo", "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302
    organizer_page = client.get("/").get_data(as_text=True)
    assert "Wyloguj" in organizer_page  # rendered for the organizer, not the cached one
    # The notice of the logout shows on the next page, which is not the cached one either.
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    after = client.get("/").get_data(as_text=True)
    assert "Wylogowano" in after
    assert "Wylogowano" not in visitor.get("/").get_data(as_text=True)
