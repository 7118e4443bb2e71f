"""Lost links: the email goes through a real SMTP server; the page reveals nothing."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import OutboxMessage, OutboxStatus, utcnow
from events.services.registration import cancel_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_event


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": smtp_server.hostname, "MAIL_PORT": smtp_server.port}


def links_emails(smtp_server, address):
    """The "your links" messages received for `address` (not the other kinds)."""
    return [
        message
        for message in smtp_server.inbox.to(address)
        if message["Subject"].startswith(("Your registrations", "Twoje rejestracje"))
    ]


def ask_for_links(client, email):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/lost-link")
    with client.post("/lost-link", data={"email": email, "csrf_token": token}) as response:
        assert response.status_code == 302
    # Closing the response, as every WSGI server does, runs the delivery.
    return client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_registered_person_gets_their_links_by_email(app, client, smtp_server):
    with app.app_context():
        first = register_attendee(
            make_event(title="Seminarium w Pile").id,
            attendee(email="ewa@example.org", language="en"),
            notify=False,
        )
        second = register_attendee(
            make_event(title="Szkolenie liderów").id,
            attendee(email="ewa@example.org"),
            notify=False,
        )
        tokens = [first.manage_token, second.manage_token]

    html = ask_for_links(client, "  EWA@example.org ")

    # The page repeats the address, as it was stored (the person sees a typo).
    assert "If ewa@example.org has registrations" in html
    [message] = links_emails(smtp_server, "ewa@example.org")
    # In the language of the latest registration (Polish), not the page's (English).
    assert message["Subject"] == "Twoje rejestracje – Działamy Razem"
    text = message.get_body(("plain",)).get_content()
    html_part = message.get_body(("html",)).get_content()
    for token in tokens:
        assert f"https://rejestracja.example.org/r/{token}" in text
        assert f"https://rejestracja.example.org/r/{token}" in html_part
    assert "Seminarium w Pile" in text and "Szkolenie liderów" in html_part
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxMessage.status)) == OutboxStatus.SENT


def test_an_unknown_address_gets_the_same_answer_and_no_email(app, client, smtp_server):
    with app.app_context():
        register_attendee(make_event().id, attendee(email="ewa@example.org"), notify=False)
    known = ask_for_links(client, "ewa@example.org")
    unknown = ask_for_links(client, "nikt@example.org")
    # Only the CSRF tokens and the repeated address differ.
    strip = lambda html: re.sub(r'value="[^"]+"|\S+@example.org', "", html)  # noqa: E731
    assert strip(known) == strip(unknown)
    assert links_emails(smtp_server, "nikt@example.org") == []


def test_cancelled_and_past_registrations_are_not_sent(app, client, smtp_server):
    past = utcnow() - timedelta(days=2)
    with app.app_context():
        cancelled = register_attendee(
            make_event().id, attendee(email="jan@example.org"), notify=False
        )
        cancel_registration(cancelled.id)
        old_event = make_event()
        register_attendee(old_event.id, attendee(email="jan@example.org"), notify=False)
        old_event.starts_at, old_event.ends_at = past, past + timedelta(hours=2)
        db.session.commit()
    ask_for_links(client, "jan@example.org")
    assert links_emails(smtp_server, "jan@example.org") == []


def test_repeated_requests_do_not_flood_the_mailbox(app, client, smtp_server):
    with app.app_context():
        register_attendee(make_event().id, attendee(email="ola@example.org"), notify=False)
    for _ in range(3):
        ask_for_links(client, "ola@example.org")
    assert len(links_emails(smtp_server, "ola@example.org")) == 1


def test_lost_link_form_explains_a_malformed_address(client):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/lost-link")
    response = client.post("/lost-link", data={"email": "ewa@", "csrf_token": token})
    assert response.status_code == 200
    assert "Enter an email address like name@example.pl." in response.get_data(as_text=True)


def test_without_mail_server_messages_are_written_as_eml_files(tmp_path):
    from tests.conftest import make_app

    app = make_app(f"sqlite:///{tmp_path / 'eml.db'}", MAIL_SERVER=None)
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.create_all()
        register_attendee(make_event().id, attendee(email="ala@example.org"), notify=False)
        from events.messages.outbox import deliver_pending
        from events.services.lost_link import request_links

        assert request_links("ala@example.org")
        assert deliver_pending().sent == 1
        db.engine.dispose()
    [eml] = (tmp_path / "instance" / "mail").glob("*.eml")
    assert b"To: <ala@example.org>" in eml.read_bytes()  # no name known: the address alone
