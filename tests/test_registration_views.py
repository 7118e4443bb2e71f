"""Registering through the form, the "my registration" page, cancelling.

Data is prepared and checked in application contexts of its own, so that each
request runs in a fresh one, as in production.
"""

import io
import re
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from events.extensions import db
from events.models import (
    Event,
    EventStatus,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    utcnow,
)
from events.services.registration import register_attendee
from tests.conftest import csrf_token, grouped
from tests.factories import attendee, form_data, make_event


def new_event(app, **changes) -> str:
    """Create an event; returns its slug."""
    with app.app_context():
        return make_event(**changes).slug


def registered(app, slug, **person) -> Registration:
    """Register someone directly through the service; returns the (detached) registration."""
    with app.app_context():
        event = db.session.scalar(sa.select(Event).filter_by(slug=slug))
        registration = register_attendee(event.id, attendee(**person))
        registration.event.title  # noqa: B018 - load before the session closes
        return registration


def registrations(app) -> list[Registration]:
    with app.app_context():
        return db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()


def post_registration(client, slug, ui_language="en", **fields):
    url = f"/events/{slug}/register"
    client.set_cookie("lang", ui_language)
    data = form_data(**fields)
    data["csrf_token"] = csrf_token(client, url)
    return client.post(url, data=data)


def test_registering_leads_to_the_my_registration_page(app, client):
    slug = new_event(app)
    response = post_registration(client, slug, email=" Anna.Nowak@Example.org")
    assert response.status_code == 302
    [registration] = registrations(app)
    assert response.headers["Location"] == f"/r/{registration.manage_token}"
    assert registration.email == "anna.nowak@example.org"
    assert registration.status == RegistrationStatus.CONFIRMED
    assert registration.dr_member is True
    assert registration.phone == "+48 600 100 200"

    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you! Your seat is confirmed." in html
    assert "Confirmed" in html
    text = re.sub(r"<[^>]+>", "", html)  # each group is its own span, kept whole on a phone
    assert grouped(registration.ticket_code) in text  # in groups of four


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("first_name", "", "Enter your first name."),
        ("first_name", "   ", "Enter your first name."),
        (
            "last_name",
            "x" * 61,
            "Enter your last name in letters (at most 60): spaces, hyphens and apostrophes "
            "may join them; no digits, links or other signs.",
        ),
        ("email", "", "Enter your email address."),
        ("email", "anna@", "Enter an email address like name@example.pl."),
        ("email", "anna at example.org", "Enter an email address like name@example.pl."),
        ("email", "<script>@x.pl", "Enter an email address like name@example.pl."),
        ("phone", "call me", "Enter a phone number of digits, e.g. +48 600 100 200."),
        ("organization", "", "Enter the name of your organization."),
        ("organization", "o" * 201, "The name can have at most 200 characters."),
        ("organization_type", "", "Choose the type of your organization."),
        ("county", "", "Choose your county."),
        ("dr_member", None, "Answer whether you are a network member."),
        ("needs", "n" * 1001, "Please keep this under 1000 characters."),
        ("data_consent", None, "Consent to the processing of personal data is required."),
    ],
)
def test_each_invalid_field_gets_its_message_next_to_it_and_in_the_summary(
    app, client, field, value, message
):
    response = post_registration(client, new_event(app), **{field: value})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    error_paragraph = html[html.index(f'id="{field}-error"') :].split("</p>")[0]
    assert message in error_paragraph
    # A group of radio buttons is reached through its first button, not the fieldset.
    target = f"{field}-0" if field == "dr_member" else field
    assert f'<li><a href="#{target}">{message}</a></li>' in html
    assert 'aria-invalid="true"' in html or field == "dr_member"
    assert registrations(app) == []


def test_a_rejected_form_keeps_what_was_typed(app, client):
    response = post_registration(client, new_event(app), first_name="Łucja", email="zle@")
    html = response.get_data(as_text=True)
    assert 'value="Łucja"' in html and 'value="zle@"' in html


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("organization_type", "ceo_of_the_world"),
        ("county", "mazowiecki"),
        ("dr_member", "maybe"),
        ("language", "de"),
    ],
)
def test_tampered_choices_are_refused_next_to_the_field(app, client, field, value):
    response = post_registration(client, new_event(app), **{field: value})
    assert response.status_code == 200
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert registrations(app) == []


def test_errors_are_shown_in_polish_by_default(app, client):
    response = post_registration(client, new_event(app), ui_language="pl", first_name="")
    html = response.get_data(as_text=True)
    assert "Enter your first name." not in html
    assert "Podaj swoje imię." in html
    assert "Popraw" in html  # the error summary's heading


def test_missing_csrf_token_gets_a_400_page_and_stores_nothing(app, client):
    slug = new_event(app)
    client.set_cookie("lang", "en")
    response = client.post(f"/events/{slug}/register", data=form_data())
    assert response.status_code == 400
    assert "The form expired" in response.get_data(as_text=True)
    assert registrations(app) == []


@pytest.mark.parametrize(
    ("name", "organization"),
    [
        ("Zażółć Gęślą-Jaźń", "Łucja 🎉"),
        ("محمد", "محمد"),  # right-to-left
        ("Anna", "<script>alert('x')</script>"),
        ("Anna", '"><img src=x onerror=alert(1)>'),
        ("O'Brien", "O'Brien & Söhne"),
        ("N" * 60, "N" * 200),
    ],
)
def test_unusual_names_are_stored_as_given_and_shown_escaped(app, client, name, organization):
    response = post_registration(client, new_event(app), first_name=name, organization=organization)
    assert response.status_code == 302
    [registration] = registrations(app)
    assert registration.first_name == name and registration.organization == organization
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    if not set("<&'\"") & set(organization):
        assert organization in html


def test_control_characters_and_line_breaks_are_removed_from_names(app, client):
    response = post_registration(client, new_event(app), first_name="An\x00na\r\nMaria\x07")
    assert response.status_code == 302
    assert registrations(app)[0].first_name == "Anna Maria"


def test_a_second_registration_with_the_same_email_offers_to_resend_the_link(app, client):
    slug = new_event(app)
    post_registration(client, slug, email="ewa@example.org")
    response = post_registration(client, slug, email="EWA@example.org")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You are already registered" in html
    assert 'action="/lost-link"' in html and 'value="ewa@example.org"' in html
    assert len(registrations(app)) == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"registration_closes_at": utcnow() - timedelta(hours=1)}, "Registration closed"),
        ({"registration_opens_at": utcnow() + timedelta(days=2)}, "Registration opens"),
        ({"status": EventStatus.CANCELLED}, "Event cancelled"),
    ],
)
def test_the_form_is_not_offered_when_registration_is_not_possible(app, client, changes, message):
    slug = new_event(app, **changes)
    client.set_cookie("lang", "en")
    html = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert message in html
    assert 'name="first_name"' not in html


def test_a_late_submission_of_an_open_form_is_refused_with_a_message(app, client):
    slug = new_event(app)
    url = f"/events/{slug}/register"
    client.set_cookie("lang", "en")
    token = csrf_token(client, url)
    with app.app_context():
        event = db.session.scalar(sa.select(Event).filter_by(slug=slug))
        event.registration_closes_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = client.post(url, data={**form_data(), "csrf_token": token})
    assert response.status_code == 200
    assert "Registration for this event is closed." in response.get_data(as_text=True)
    assert registrations(app) == []


def test_a_full_event_registers_on_the_waiting_list_with_the_position(app, client):
    slug = new_event(app, capacity=1)
    registered(app, slug)
    response = post_registration(client, slug)
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "The event is full: you are on the waiting list." in html
    assert "Your place on the waiting list: 1." in html
    assert "ticket.png" not in html  # no ticket until a seat is confirmed


def test_approval_mode_application_waits_for_the_organizer(app, client):
    response = post_registration(client, new_event(app, mode=RegistrationMode.APPROVAL))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "awaits the organizer" in html
    assert registrations(app)[0].status == RegistrationStatus.PENDING
    assert "ticket.png" not in html


def test_ticket_qr_code_holds_only_the_ticket_code(app, client):
    registration = registered(app, new_event(app))
    response = client.get(f"/r/{registration.manage_token}/ticket.png")
    assert response.mimetype == "image/png"
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.data)))
    assert result.text == registration.ticket_code
    assert result.format == zxingcpp.BarcodeFormat.QRCode


def test_calendar_file_has_the_event_in_warsaw_time_and_the_ticket_link_only(app, client):
    registration = registered(app, new_event(app))
    response = client.get(f"/r/{registration.manage_token}/calendar.ics")
    assert response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    [entry] = calendar.walk("VEVENT")
    assert entry["SUMMARY"] == registration.event.title
    assert entry.decoded("DTSTART") == registration.event.starts_at
    assert entry["DTSTART"].params["TZID"] == "Europe/Warsaw"
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Warsaw"
    ticket_url = f"https://rejestracja.example.org/t/{registration.ticket_token}"
    assert ticket_url in entry["DESCRIPTION"] and entry["URL"] == ticket_url
    assert registration.manage_token not in response.get_data(as_text=True)
    assert entry["STATUS"] == "CONFIRMED"
    assert re.fullmatch(r"registration-[0-9a-f]{32}@rejestracja\.example\.org", entry["UID"])


def test_calendar_file_of_an_unconfirmed_place_is_tentative(app, client):
    slug = new_event(app, capacity=1)
    registered(app, slug)
    waiting = registered(app, slug)
    response = client.get(f"/r/{waiting.manage_token}/calendar.ics")
    [entry] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert entry["STATUS"] == "TENTATIVE"


def test_wrong_tokens_are_not_found(client):
    for url in ("/r/nope", "/r/" + "a" * 300, "/r/nope/ticket.png", "/r/nope/calendar.ics"):
        assert client.get(url).status_code == 404
    assert client.get("/r/nope/cancel").status_code == 404


def test_my_registration_page_is_kept_by_no_shared_cache_and_leaks_no_referrer(app, client):
    registration = registered(app, new_event(app))
    response = client.get(f"/r/{registration.manage_token}")
    # The person's browser may keep it and ask again (ETag, 304); no proxy may.
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_cancelling_needs_a_confirmation_and_promotes_the_next_person(app, client):
    slug = new_event(app, capacity=1)
    holder = registered(app, slug)
    registered(app, slug)
    url = f"/r/{holder.manage_token}/cancel"
    client.set_cookie("lang", "en")

    confirmation = client.get(url).get_data(as_text=True)
    assert "Yes, cancel my registration" in confirmation
    assert registrations(app)[0].status == RegistrationStatus.CONFIRMED  # a GET changes nothing

    response = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your registration has been cancelled." in html
    assert "Cancel my registration" not in html
    assert [r.status for r in registrations(app)] == [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.CONFIRMED,
    ]


def test_cancel_without_csrf_token_changes_nothing(app, client):
    registration = registered(app, new_event(app))
    response = client.post(f"/r/{registration.manage_token}/cancel")
    assert response.status_code == 400
    assert registrations(app)[0].status == RegistrationStatus.CONFIRMED


def test_addresses_with_polish_letters_before_the_at_are_explained(app, client):
    response = post_registration(client, new_event(app), email="łucja@example.org")
    html = response.get_data(as_text=True)
    assert "letters such as ł or ą before the @" in html
    assert registrations(app) == []


def test_an_internationalized_domain_is_stored_in_its_ascii_form(app, client):
    response = post_registration(client, new_event(app), email="Lucja@Przykład.pl")
    assert response.status_code == 302
    assert registrations(app)[0].email == "lucja@xn--przykad-rjb.pl"


def test_after_cancelling_the_page_offers_to_register_again(app, client):
    slug = new_event(app)
    registration = registered(app, slug)
    url = f"/r/{registration.manage_token}/cancel"
    client.set_cookie("lang", "en")
    client.post(url, data={"csrf_token": csrf_token(client, url)})
    html = client.get(f"/r/{registration.manage_token}").get_data(as_text=True)
    assert "Changed your mind? Register again" in html
    assert f'href="/events/{slug}"' in html


def test_once_the_event_has_started_the_registrant_cannot_cancel(app, client):
    slug = new_event(app, capacity=1)
    holder = registered(app, slug)
    registered(app, slug)  # waiting
    url = f"/r/{holder.manage_token}/cancel"
    client.set_cookie("lang", "en")
    token = csrf_token(client, url)
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        event.starts_at = utcnow() - timedelta(minutes=5)
        event.ends_at = utcnow() + timedelta(hours=2)
        db.session.commit()
    page = client.get(f"/r/{holder.manage_token}").get_data(as_text=True)
    assert "Cancel my registration" not in page
    assert "The event has already started" in page
    assert client.get(url).status_code == 302  # no confirmation page to reach
    response = client.post(url, data={"csrf_token": token}, follow_redirects=True)
    assert "The event has already started" in response.get_data(as_text=True)
    assert [r.status for r in registrations(app)] == [
        RegistrationStatus.CONFIRMED,
        RegistrationStatus.WAITLISTED,
    ]
