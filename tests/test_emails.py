"""Every email a registrant can get, received by a real SMTP server and taken apart.

Each message is parsed with Python's email package; its calendar with
icalendar and, independently, with vobject; its QR code with zxing-cpp.
"""

import io
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import vobject
import zxingcpp
from PIL import Image

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import EventStatus, RegistrationMode, RegistrationStatus
from events.services.event_changes import Schedule, cancel_event
from events.services.lost_link import request_links
from events.services.registration import (
    approve_registration,
    cancel_registration,
    decline_registration,
    register_attendee,
)
from events.services.reminders import send_reminders
from tests.conftest import grouped
from tests.factories import attendee, make_event, reschedule

pytestmark = pytest.mark.usefixtures("ctx")

QR_CID = "<ticket-qr@dzialamy-razem>"


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": smtp_server.hostname, "MAIL_PORT": smtp_server.port}


def received(smtp_server, address, subject_start=""):
    """Deliver the outbox, then the messages `address` got whose subject starts so."""
    deliver_due()
    return [
        message
        for message in smtp_server.inbox.to(address)
        if message["Subject"].startswith(subject_start)
    ]


def only(messages):
    assert len(messages) == 1, [m["Subject"] for m in messages]
    return messages[0]


def calendar_parts(message):
    """Every text/calendar part (an invite is one part: the alternative with its METHOD)."""
    return [part for part in message.walk() if part.get_content_type() == "text/calendar"]


def invite_of(message, method):
    """Check the one calendar part carries `method` and parse it twice."""
    parts = calendar_parts(message)
    assert len(parts) == 1, "one calendar representation per message"
    [part] = parts
    assert part.get_param("method") == method
    assert part.get_content_disposition() is None  # an alternative, not an attachment
    data = part.get_payload(decode=True)
    calendar = icalendar.Calendar.from_ical(data)
    assert calendar["METHOD"] == method
    second_opinion = vobject.readOne(data.decode())
    assert second_opinion.method.value == method
    return calendar.walk("VEVENT")[0], second_opinion.vevent


def data_of(message) -> str:
    [part] = calendar_parts(message)
    return part.get_payload(decode=True).decode()


def qr_text(message) -> str:
    """Decode the QR code that the HTML shows by its Content-ID."""
    html = message.get_body(("html",)).get_content()
    assert f'src="cid:{QR_CID.strip("<>")}"' in html
    [image] = [p for p in message.walk() if p["Content-ID"] == QR_CID]
    assert image.get_content_type() == "image/png"
    [attachment] = [p for p in message.walk() if p.get_filename() == "bilet.png"]
    assert attachment.get_payload(decode=True) == image.get_payload(decode=True)
    [result] = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.get_payload(decode=True))))
    return result.text


def test_confirmation_has_both_bodies_the_qr_code_and_an_invite(smtp_server):
    event = make_event(title="Seminarium w Kaliszu", online_url=None)
    registration = register_attendee(event.id, attendee(email="ala@example.org", first_name="Ala"))

    message = only(received(smtp_server, "ala@example.org"))

    assert message["Subject"] == "Potwierdzenie rejestracji: Seminarium w Kaliszu"
    assert message["From"] == "Działamy Razem <no-reply@example.org>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    manage_url = f"https://rejestracja.example.org/r/{registration.manage_token}"
    for body in (text, html):
        # "Dzień dobry, Ala," would need the vocative ("Alu"): the Polish greeting has no name.
        assert "Dzień dobry," in body and "Dzień dobry, Ala" not in body
        assert manage_url in body
        assert "Centrum Kultury, ul. Główna 1, 62-800 Kalisz" in body
        assert grouped(registration.ticket_code) in body  # in groups of four
        # Every email says who holds the data, where to read about it and whom to ask.
        assert "https://rejestracja.example.org/privacy" in body
        assert "Administrator Twoich danych osobowych: Stowarzyszenie Działamy Razem" in body
        assert "example controller" not in body  # a Polish demo controller, not a placeholder
        assert "kontakt@example.org" in body
        # One line for questions, not one from the footer and another from the layout.
        assert body.count("Pytania") == 1
    assert "openstreetmap.org/search" in html
    assert qr_text(message) == registration.ticket_code

    entry, second = invite_of(message, "REQUEST")
    assert entry.decoded("DTSTART") == event.starts_at
    assert entry["DTSTART"].params["TZID"] == "Europe/Warsaw"
    assert entry["ORGANIZER"] == "mailto:no-reply@example.org"
    assert entry["ATTENDEE"] == "mailto:ala@example.org"
    assert entry["ATTENDEE"].params["RSVP"] == "FALSE"
    assert entry["SEQUENCE"] == 0 and entry["STATUS"] == "CONFIRMED"
    ticket_url = f"https://rejestracja.example.org/t/{registration.ticket_token}"
    assert ticket_url in entry["DESCRIPTION"] and entry["URL"] == ticket_url
    assert registration.manage_token not in data_of(message)  # the calendar is shared
    assert "Kalisz" in entry["LOCATION"]
    assert second.uid.value == entry["UID"]
    assert second.dtstart.value == event.starts_at


def test_an_english_registrant_gets_english_mail(smtp_server):
    event = make_event(title="Seminarium")
    register_attendee(event.id, attendee(email="john@example.org", language="en"))
    message = only(received(smtp_server, "john@example.org"))
    assert message["Subject"] == "Registration confirmed: Seminarium"
    assert "Open my registration" in message.get_body(("html",)).get_content()


def test_waiting_list_and_promotion_emails(smtp_server):
    event = make_event(capacity=1, title="Spotkanie")
    holder = register_attendee(event.id, attendee(email="first@example.org", language="en"))
    waiting = register_attendee(event.id, attendee(email="second@example.org", language="en"))

    notice = only(received(smtp_server, "second@example.org"))
    assert notice["Subject"] == "Waiting list: Spotkanie"
    assert "in place 1" in notice.get_body(("plain",)).get_content()
    assert calendar_parts(notice) == []  # no invite without a seat

    cancel_registration(holder.id)
    cancelled = only(received(smtp_server, "first@example.org", "Registration cancelled"))
    entry, _ = invite_of(cancelled, "CANCEL")
    assert entry["SEQUENCE"] == 1 and entry["STATUS"] == "CANCELLED"

    promoted = only(received(smtp_server, "second@example.org", "A seat is yours"))
    assert qr_text(promoted) == waiting.ticket_code
    invite_of(promoted, "REQUEST")


def test_cancelling_a_waiting_place_sends_no_calendar_cancel(smtp_server):
    event = make_event(capacity=1)
    register_attendee(event.id, attendee())
    waiting = register_attendee(event.id, attendee(email="w@example.org", language="en"))
    cancel_registration(waiting.id)
    message = only(received(smtp_server, "w@example.org", "Registration cancelled"))
    assert calendar_parts(message) == []


def test_application_emails(smtp_server):
    event = make_event(mode=RegistrationMode.APPROVAL, title="Szkolenie liderów")
    accepted = register_attendee(event.id, attendee(email="yes@example.org", language="en"))
    declined = register_attendee(event.id, attendee(email="no@example.org", language="en"))
    assert only(received(smtp_server, "yes@example.org"))["Subject"] == (
        "Application received: Szkolenie liderów"
    )

    approve_registration(accepted.id)
    decline_registration(declined.id)

    message = only(received(smtp_server, "yes@example.org", "Application accepted"))
    assert qr_text(message) == accepted.ticket_code
    invite_of(message, "REQUEST")
    refusal = only(received(smtp_server, "no@example.org", "Application not accepted"))
    assert calendar_parts(refusal) == []


def test_a_change_of_time_updates_the_same_calendar_entry_with_a_higher_sequence(smtp_server):
    event = make_event(title="Konsultacje")
    confirmed = register_attendee(event.id, attendee(email="c@example.org", language="en"))
    first_invite, _ = invite_of(only(received(smtp_server, "c@example.org")), "REQUEST")
    event = db.session.get(type(event), event.id)

    sequences = []
    for hours in (2, 3):
        new_start = event.starts_at + timedelta(hours=hours)
        schedule = Schedule(
            new_start, new_start + timedelta(hours=2), "Sala B", "ul. Nowa 2, Kalisz"
        )
        assert reschedule(event.id, schedule, note="Sala na parterze.") == 1
        update = received(smtp_server, "c@example.org", "Change of time or place")[-1]
        entry, second = invite_of(update, "REQUEST")
        assert entry["UID"] == first_invite["UID"]
        assert entry.decoded("DTSTART") == new_start == second.dtstart.value
        assert "Sala B" in entry["LOCATION"]
        assert "Sala na parterze." in update.get_body(("plain",)).get_content()
        sequences.append(entry["SEQUENCE"])
    assert sequences == [1, 2]
    assert confirmed.status == RegistrationStatus.CONFIRMED


def test_people_waiting_hear_about_a_change_without_an_invite(smtp_server):
    event = make_event(capacity=1)
    register_attendee(event.id, attendee())
    register_attendee(event.id, attendee(email="wait@example.org", language="en"))
    start = event.starts_at + timedelta(days=1)
    reschedule(event.id, Schedule(start, start + timedelta(hours=1), "Sala", "Adres"))
    update = only(received(smtp_server, "wait@example.org", "Change of time"))
    assert calendar_parts(update) == []


def test_an_unchanged_schedule_sends_nothing(smtp_server):
    event = make_event()
    register_attendee(event.id, attendee(email="same@example.org"), notify=False)
    schedule = Schedule(event.starts_at, event.ends_at, event.venue_name, event.venue_address)
    assert reschedule(event.id, schedule) == 0
    assert received(smtp_server, "same@example.org") == []


def test_cancelling_the_event_withdraws_every_invite(smtp_server):
    event = make_event(title="Seminarium odwołane")
    register_attendee(event.id, attendee(email="x@example.org", language="en"))
    assert cancel_event(event.id) == 1
    assert cancel_event(event.id) == 0  # twice sends nothing more
    message = only(received(smtp_server, "x@example.org", "Event cancelled"))
    entry, second = invite_of(message, "CANCEL")
    assert entry["STATUS"] == "CANCELLED" and second.status.value == "CANCELLED"
    assert db.session.get(type(event), event.id).status == EventStatus.CANCELLED


def test_reminders_go_once_to_confirmed_people_of_events_starting_soon(smtp_server):
    from events.models import utcnow

    soon = utcnow() + timedelta(hours=20)
    event = make_event(starts_at=soon, ends_at=soon + timedelta(hours=2), capacity=1)
    confirmed = register_attendee(event.id, attendee(email="r1@example.org"), notify=False)
    register_attendee(event.id, attendee(email="r2@example.org"), notify=False)  # waiting
    gone = register_attendee(
        make_event(starts_at=soon, ends_at=soon + timedelta(hours=1)).id,
        attendee(email="r3@example.org"),
        notify=False,
    )
    cancel_registration(gone.id)
    later = utcnow() + timedelta(days=5)
    register_attendee(
        make_event(starts_at=later, ends_at=later + timedelta(hours=1)).id,
        attendee(email="r4@example.org"),
        notify=False,
    )

    assert send_reminders(hours_before=24) == 1
    assert send_reminders(hours_before=24) == 0  # a second run sends nothing

    reminder = only(received(smtp_server, "r1@example.org", "Przypomnienie"))
    assert qr_text(reminder) == confirmed.ticket_code
    for other in ("r2@example.org", "r3@example.org", "r4@example.org"):
        assert received(smtp_server, other, "Przypomnienie") == []


def test_the_lost_link_email(smtp_server):
    registration = register_attendee(make_event().id, attendee(email="l@example.org"))
    assert request_links("l@example.org", "en")
    message = only(received(smtp_server, "l@example.org", "Twoje rejestracje"))
    assert registration.manage_token in message.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    "name",
    [
        'Anna "Ania"\r\nBcc: victim@example.org',
        "<b>Jan</b> <script>alert(1)</script>",
        "Ł" * 100,
        "محمد; ROLE=CHAIR:mailto:evil@example.org",
    ],
)
def test_odd_names_break_neither_headers_nor_calendars_nor_layout(smtp_server, name):
    event = make_event(title="Spotkanie\r\nBcc: victim@example.org")
    register_attendee(
        event.id, attendee(email="odd@example.org", first_name=name, organization=name)
    )
    message = only(received(smtp_server, "odd@example.org"))
    assert message["Bcc"] is None and "victim@example.org" not in smtp_server.inbox.messages[0][0]
    assert "\n" not in message["Subject"]
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>Jan</b>" not in html
    entry, second = invite_of(message, "REQUEST")
    assert entry["ATTENDEE"] == "mailto:odd@example.org"
    assert second.attendee.value == "mailto:odd@example.org"
    assert entry["ATTENDEE"].params.get("ROLE") == "REQ-PARTICIPANT"


def test_long_polish_subjects_arrive_exactly_as_written(smtp_server):
    title = "Seminarium: partnerstwo lokalne w praktyce – Poznań, Kalisz, Piła i Leszno (2026/27)"
    register_attendee(make_event(title=title).id, attendee(email="s@example.org"))
    message = only(received(smtp_server, "s@example.org"))
    assert message["Subject"] == f"Potwierdzenie rejestracji: {title}"


def test_a_new_date_means_a_new_reminder(smtp_server):
    from events.models import utcnow

    soon = utcnow() + timedelta(hours=20)
    event = make_event(starts_at=soon, ends_at=soon + timedelta(hours=2))
    register_attendee(event.id, attendee(email="again@example.org"), notify=False)
    assert send_reminders() == 1
    later = soon + timedelta(days=7)
    reschedule(
        event.id, Schedule(later, later + timedelta(hours=2), event.venue_name, event.venue_address)
    )
    assert send_reminders() == 0  # a week ahead: not yet
    assert send_reminders(now=later - timedelta(hours=20)) == 1


def test_links_of_cancelled_events_are_not_sent(smtp_server):
    event = make_event()
    register_attendee(event.id, attendee(email="c2@example.org"), notify=False)
    cancel_event(event.id)
    assert request_links("c2@example.org") is False


def test_the_qr_code_from_the_email_checks_in_its_own_registration(smtp_server):
    from events.models import ScanMethod, ScanResult, User
    from events.services.checkin.door import Actor, scan_code

    event = make_event()
    register_attendee(event.id, attendee(email="other@example.org"))
    mine = register_attendee(event.id, attendee(email="qr@example.org"))
    code = qr_text(only(received(smtp_server, "qr@example.org")))
    staff = User(
        email="s@example.org", password_hash="x", role="staff", organization=event.organization
    )
    db.session.add(staff)
    db.session.commit()
    verdict = scan_code(event.id, code, ScanMethod.CAMERA, Actor(user_id=staff.id))
    assert verdict.result == ScanResult.CHECKED_IN
    assert verdict.registration.id == mine.id


def test_a_two_day_training_reads_with_both_dates(smtp_server):
    start = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)  # Saturday 10:00 in Warsaw
    event = make_event(starts_at=start, ends_at=start + timedelta(days=1, hours=6))
    register_attendee(event.id, attendee(email="dwa@example.org"))
    message = only(received(smtp_server, "dwa@example.org"))
    text = message.get_body(("plain",)).get_content()
    assert "sobota, 1 czerwca 2030, 10:00 – niedziela, 2 czerwca 2030, 16:00" in text


def test_what_is_sent_is_what_was_true_when_the_change_was_committed(smtp_server):
    """Mail is rendered at delivery from facts frozen at commit: a later change of the
    event (or an erasure of the person) does not rewrite a message already queued."""
    event = make_event(title="Seminarium w Lesznie")
    register_attendee(event.id, attendee(email="fakty@example.org", first_name="Ola"))
    event.title, event.venue_name = "Inny tytuł", "Inne miejsce"
    db.session.commit()
    message = only(received(smtp_server, "fakty@example.org"))
    assert message["Subject"].endswith("Seminarium w Lesznie")
    assert "Centrum Kultury" in message.get_body(("plain",)).get_content()
