"""What a shared calendar can reach, replies, and stopping organizer messages.

Calendar entries link to the ticket page (QR code, event, status) and never to
the manage page, which holds the person's details and the cancel button.
Organizer messages carry a one-click unsubscribe (RFC 8058) that stops them for
one registration and nothing else.
"""

import io
import re
from datetime import timedelta
from types import SimpleNamespace

import icalendar
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import Registration, User
from events.services.broadcast import Audience, send_to_registrants
from events.services.event_changes import Schedule
from events.services.privacy import erase_person
from events.services.registration import cancel_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user, reschedule

PERSON = {
    "first_name": "Bożena",
    "last_name": "Kwiatkowska",
    "email": "bozena.k@example.org",
    "phone": "+48 601 202 303",
    "organization": "Fundacja Tęcza",
    "needs": "dieta bezglutenowa",
}


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": smtp_server.hostname, "MAIL_PORT": smtp_server.port}


def plain(registration) -> SimpleNamespace:
    """What a test needs of a registration once its application context is gone."""
    names = ("id", "manage_token", "ticket_token", "ticket_code")
    return SimpleNamespace(**{name: getattr(registration, name) for name in names})


def register(app, notify=True, **changes):
    with app.app_context():
        event = make_event(**changes)
        registration = register_attendee(
            event.id, attendee(**PERSON, needs_consent=True), notify=notify
        )
        deliver_due()
        return plain(registration)


def invite_link(smtp_server) -> tuple[str, bytes]:
    [message] = smtp_server.inbox.to(PERSON["email"])
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    data = part.get_payload(decode=True)
    [entry] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    return str(entry["URL"]), data


def test_the_calendar_entry_links_to_the_ticket_and_the_ticket_shows_nothing_personal(
    app, client, smtp_server
):
    registration = register(app, title="Seminarium w Kaliszu")
    url, data = invite_link(smtp_server)
    assert url == f"https://rejestracja.example.org/t/{registration.ticket_token}"
    assert registration.manage_token.encode() not in data

    page = client.get(url.removeprefix("https://rejestracja.example.org"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-cache"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert "Seminarium w Kaliszu" in html and "Potwierdzona" in html
    for value in PERSON.values():
        assert value not in html
    assert registration.manage_token not in html
    assert "/cancel" not in html and "<form" not in html

    [image] = re.findall(r'<img src="([^"]+)"', html)
    png = client.get(image).data
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert code.text == registration.ticket_code

    manage = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    assert PERSON["phone"] in manage and "/cancel" in manage  # the manage link still works


def test_a_waiting_place_has_a_ticket_page_without_a_qr_code(app, client):
    with app.app_context():
        event = make_event(capacity=1)
        register_attendee(event.id, attendee(), notify=False)
        waiting = plain(register_attendee(event.id, attendee(), notify=False))
    html = client.get(f"/t/{waiting.ticket_token}").get_data(as_text=True)
    assert "Lista rezerwowa" in html or "liście rezerwowej" in html
    assert "<img" not in html
    assert client.get(f"/t/{waiting.ticket_token}/qr.png").status_code == 404


@pytest.mark.parametrize("token", ["nie-ma-takiego", "x" * 500, "a%00b"])
def test_unknown_ticket_links_are_not_found(client, token):
    expected = 400 if "%00" in token else 404  # NUL bytes are refused before the view
    assert client.get(f"/t/{token}").status_code == expected
    assert client.get(f"/t/{token}/qr.png").status_code == expected


def test_erasing_a_person_ends_their_ticket_link(app, client):
    registration = register(app, notify=False)
    with app.app_context():
        erase_person(PERSON["email"], None)
    assert client.get(f"/t/{registration.ticket_token}").status_code == 404


def test_the_reply_address_comes_from_the_settings_or_the_event(app, smtp_server):
    app.config["ORGANIZER_CONTACT"] = "Biuro Działamy Razem <biuro@example.org>"
    register(app, title="Bez własnego adresu")
    with app.app_context():
        event = make_event(contact_email="kalisz@example.org")
        register_attendee(event.id, attendee(email="own@example.org"))
        deliver_due()
    [general] = smtp_server.inbox.to(PERSON["email"])
    [own] = smtp_server.inbox.to("own@example.org")
    assert general["Reply-To"] == "Biuro Działamy Razem <biuro@example.org>"
    assert own["Reply-To"] == "kalisz@example.org"
    for message, address in ((general, "biuro@example.org"), (own, "kalisz@example.org")):
        for body in (message.get_body(("plain",)), message.get_body(("html",))):
            text = body.get_content()
            assert address in text and "Odpowiedz na tę wiadomość" in text
            assert "prosimy na nią nie odpowiadać" not in text


def test_without_a_reply_address_the_email_says_not_to_reply(app, smtp_server):
    register(app)
    [message] = smtp_server.inbox.to(PERSON["email"])
    assert message["Reply-To"] is None
    assert "prosimy na nią nie odpowiadać" in message.get_body(("plain",)).get_content()


def organizer_message(app, body="Spotykamy się w sali 12.", **person):
    with app.app_context():
        organizer = db.session.scalar(sa.select(User)) or make_user()
        event = make_event()
        registration = register_attendee(
            event.id, attendee(**person, needs_consent=True), notify=False
        )
        send_to_registrants(event.id, "Zmiana sali", body, Audience.CONFIRMED, organizer)
        deliver_due()
        return event.id, plain(registration)


def test_the_greeting_is_written_once_in_the_registrants_language(app, smtp_server):
    body = "Dzień dobry,\n\nspotykamy się w sali 12."
    organizer_message(app, body, email="pl@example.org", first_name="Anna")
    organizer_message(app, body, email="en@example.org", first_name="Anna", language="en")
    [polish] = smtp_server.inbox.to("pl@example.org")
    [english] = smtp_server.inbox.to("en@example.org")
    for message, greeting in ((polish, "Dzień dobry,"), (english, "Hello Anna,")):
        for part in ("plain", "html"):
            text = message.get_body((part,)).get_content()
            assert text.count(greeting) == 1
            assert text.count("Dzień dobry") == (1 if message is polish else 0)
            assert "spotykamy się w sali 12." in text


def test_one_click_unsubscribe_stops_organizer_messages_for_that_registration_only(
    app, client, smtp_server
):
    event_id, registration = organizer_message(app, email="stop@example.org")
    with app.app_context():
        other = plain(
            register_attendee(event_id, attendee(email="stays@example.org"), notify=False)
        )
    [message] = smtp_server.inbox.to("stop@example.org")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Folded inside its brackets, where RFC 2369 says white space is ignored.
    unfolded = re.sub(r"\s+", "", message["List-Unsubscribe"])
    url = re.fullmatch(r"<(https://\S+)>", unfolded).group(1)
    assert url in message.get_body(("plain",)).get_content()
    path = url.removeprefix("https://rejestracja.example.org")

    # What a mail provider sends (RFC 8058): a POST without cookies or CSRF token.
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200

    with app.app_context():
        organizer = db.session.scalar(sa.select(User))
        assert (
            send_to_registrants(event_id, "Drugi", "Druga wiadomość.", Audience.ACTIVE, organizer)
            == 1
        )
        event = db.session.get(Registration, registration.id).event
        later = event.starts_at + timedelta(days=1)
        reschedule(event_id, Schedule(later, later + timedelta(hours=1), "Sala B", "Adres"))
        deliver_due()
    subjects = [m["Subject"] for m in smtp_server.inbox.to("stop@example.org")]
    assert subjects[0] == "Zmiana sali" and "Drugi" not in subjects
    assert any(subject.startswith("Zmiana terminu") for subject in subjects)  # still told
    assert [m["Subject"] for m in smtp_server.inbox.to("stays@example.org")][0] == "Drugi"
    assert other.id != registration.id


def test_the_unsubscribe_page_asks_first_and_needs_its_csrf_token(app, client, smtp_server):
    _, registration = organizer_message(app, email="page@example.org")
    [message] = smtp_server.inbox.to("page@example.org")
    unfolded = re.sub(r"\s+", "", message["List-Unsubscribe"])  # folded inside its brackets
    path = unfolded.strip("<>").removeprefix("https://rejestracja.example.org")
    page = client.get(path).get_data(as_text=True)
    assert "Nie chcę wiadomości od organizatora" in page
    assert client.post(path, data={}).status_code == 400  # a form post without its token
    with app.app_context():
        assert db.session.get(Registration, registration.id).organizer_messages_stopped_at is None
    done = client.post(path, data={"csrf_token": csrf_token(client, path)})
    assert done.status_code == 200 and "Nie dostaniesz już" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Registration, registration.id).organizer_messages_stopped_at


def test_a_forged_unsubscribe_link_is_not_found(app, client):
    registration = register(app, notify=False)
    for signature in ("0" * 32, "x", "a" * 300):
        path = f"/stop/{registration.ticket_token}/{signature}"
        assert client.get(path).status_code == 404
        assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 404


def test_the_change_email_says_what_changed(app, smtp_server):
    registration = register(app, notify=False, venue_name="Sala A", venue_address="ul. Stara 1")
    with app.app_context():
        event = db.session.get(Registration, registration.id).event
        old_start = event.starts_at
        schedule = Schedule(old_start, event.ends_at, "Sala B", "ul. Nowa 2")
        reschedule(event.id, schedule)
        deliver_due()
    [message] = smtp_server.inbox.to(PERSON["email"])
    text = message.get_body(("plain",)).get_content()
    assert "Miejsce: Sala A, ul. Stara 1 → Sala B, ul. Nowa 2" in text
    assert "Termin:" not in text  # the time did not change


def test_a_cancellation_offers_neither_the_calendar_nor_cancelling(app, smtp_server):
    registration = register(app, notify=False)
    with app.app_context():
        cancel_registration(registration.id)
        deliver_due()
    [message] = smtp_server.inbox.to(PERSON["email"])
    for part in ("plain", "html"):
        text = message.get_body((part,)).get_content()
        assert "dodasz wydarzenie do kalendarza" not in text  # the HTML footer
        assert "kalendarz, anulowanie" not in text  # the plain text footer
        assert "Otwórz moją rejestrację" not in text  # the big button
        assert f"/r/{registration.manage_token}" in text  # the details stay reachable
