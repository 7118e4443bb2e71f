"""The organizer area: events, capacity effects, actions on people, the audit log (who may
open each route: tests/test_access_matrix.py)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.messages.compose import render
from events.models import (
    AuditEntry,
    Event,
    EventStatus,
    OutboxMessage,
    Registration,
    RegistrationMode,
    Role,
    utcnow,
)
from events.services.registration import register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user

PASSWORD = "haslo-organizatora"


def log_in(client, email):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return csrf_token(client, "/lost-link")


@pytest.fixture
def accounts(app):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
        make_event()


@pytest.fixture
def organizer(app, accounts):
    client = app.test_client()
    client.token = log_in(client, "org@example.org")
    return client


WARSAW = ZoneInfo("Europe/Warsaw")
DAY = (utcnow() + timedelta(days=30)).astimezone(WARSAW).date()
START = datetime.combine(DAY, time(10, 0), tzinfo=WARSAW)
END = datetime.combine(DAY, time(14, 0), tzinfo=WARSAW)


def event_form(**changes):
    values = {
        "title": "Seminarium w Gnieźnie",
        "kind": "seminar",
        "description": "Opis",
        "starts_at": START.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": END.strftime("%Y-%m-%dT%H:%M"),
        "venue_name": "Starostwo",
        "venue_address": "ul. Jana Pawła II 9, Gniezno",
        "county": "gnieznienski",
        "capacity": "2",
        "mode": "open",
        "waitlist_enabled": "y",
    }
    values.update(changes)
    return {key: value for key, value in values.items() if value is not None}


def event_named(app, title) -> Event:
    with app.app_context():
        return db.session.scalar(sa.select(Event).where(Event.title == title))


def test_create_publish_and_find_the_event_in_the_programme(app, organizer):
    response = organizer.post(
        "/organizer/events/new", data={**event_form(), "csrf_token": organizer.token}
    )
    assert response.status_code == 302
    event = event_named(app, "Seminarium w Gnieźnie")
    assert event.status == EventStatus.DRAFT and event.slug == "seminarium-w-gnieznie"
    assert event.starts_at == START  # typed in Warsaw time, stored as the same instant
    organizer.post(f"/organizer/events/{event.id}/publish", data={"csrf_token": organizer.token})
    assert event_named(app, "Seminarium w Gnieźnie").status == EventStatus.PUBLISHED
    assert "Seminarium w Gnieźnie" in app.test_client().get("/").get_data(as_text=True)
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["event_created", "event_published"]


def test_an_event_can_have_its_own_contact_address(app, organizer):
    form = event_form(contact_email="  Kalisz@Example.org ")
    response = organizer.post("/organizer/events/new", data={**form, "csrf_token": organizer.token})
    assert response.status_code == 302
    event = event_named(app, "Seminarium w Gnieźnie")
    assert event.contact_email == "kalisz@example.org"
    page = organizer.get(f"/organizer/events/{event.id}/edit").get_data(as_text=True)
    assert 'value="kalisz@example.org"' in page


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"ends_at": "2020-01-01T10:00"}, "ends_at", "The end must be after the start."),
        ({"registration_closes_at": "2099-01-01T10:00"}, "registration_closes_at",
         "Registration must close before the event starts."),
        ({"capacity": "0"}, "capacity", "At least 1 seat."),
        ({"title": ""}, "title", "Enter a title."),
        ({"starts_at": "jutro"}, "starts_at", "Not a valid datetime value."),
        ({"online_url": "javascript:alert(1)"}, "online_url", "Enter a full address"),
        ({"county": "nowhere"}, "county", "Not a valid choice"),
        ({"contact_email": "biuro@"}, "contact_email", "Enter an email address"),
        ({"contact_email": "a@b@example.org"}, "contact_email", "Enter an email address"),
    ],
)  # fmt: skip
def test_event_form_errors_are_explained_next_to_the_field(app, organizer, changes, field, message):
    response = organizer.post(
        "/organizer/events/new", data={**event_form(**changes), "csrf_token": organizer.token}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html[html.index(f'id="{field}-error"') :][:400]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Event)) == 1  # fixture's


@pytest.fixture
def full_event(app):
    """Published, 2 seats, 2 confirmed and 2 waiting."""
    with app.app_context():
        event = make_event(
            title="Pełne spotkanie",
            capacity=2,
            starts_at=START,
            ends_at=END,
            venue_name="Starostwo",
            venue_address="ul. Jana Pawła II 9, Gniezno",
        )
        for number in range(4):
            register_attendee(event.id, attendee(email=f"p{number}@example.org"), notify=False)
        return event.id


def edit(organizer, event_id, **changes):
    form = event_form(title="Pełne spotkanie", **changes)
    return organizer.post(
        f"/organizer/events/{event_id}/edit", data={**form, "csrf_token": organizer.token}
    )


def statuses(app, event_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(Registration.status)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        ).all()


def test_more_seats_promote_people_from_the_waiting_list(app, organizer, full_event):
    assert edit(organizer, full_event, capacity="3").status_code == 302
    assert statuses(app, full_event) == ["confirmed"] * 3 + ["waitlisted"]


def test_fewer_seats_than_confirmed_people_asks_who_leaves_by_name(app, organizer, full_event):
    first, second, _, _ = ids(app, full_event)
    response = edit(organizer, full_event, capacity="1")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 confirmed people do not fit" in page
    # Both confirmed people are named; the latest registered is chosen for the organizer.
    assert f'value="{second}" id="leaving-{second}" checked' in page
    assert f'value="{first}" id="leaving-{first}">' in page
    assert statuses(app, full_event) == ["confirmed"] * 2 + ["waitlisted"] * 2  # unchanged

    # The organizer picks the first person instead.
    response = edit(organizer, full_event, capacity="1", overflow="waitlist", leaving=str(first))
    assert response.status_code == 302
    assert statuses(app, full_event) == ["waitlisted", "confirmed", "waitlisted", "waitlisted"]


def test_a_choice_of_the_wrong_number_of_people_is_asked_again(app, organizer, full_event):
    first, second, _, _ = ids(app, full_event)
    both = edit(
        organizer, full_event, capacity="1", overflow="waitlist", leaving=[str(first), str(second)]
    )
    assert both.status_code == 200
    assert "1 confirmed people do not fit" in both.get_data(as_text=True)
    assert statuses(app, full_event) == ["confirmed"] * 2 + ["waitlisted"] * 2


def test_lowering_seats_never_moves_a_checked_in_person(app, organizer, full_event):
    """The defect: a person checked in at 15:22 showed as waitlisted after a capacity cut."""
    first, second, _, _ = ids(app, full_event)
    with app.app_context():
        db.session.get(Registration, second).checked_in_at = utcnow()
        db.session.commit()
    page = edit(organizer, full_event, capacity="1").get_data(as_text=True)
    assert f'id="leaving-{second}"' not in page  # not offered
    assert f'value="{first}" id="leaving-{first}" checked' in page
    # Even when asked for by a crafted form, the checked-in person stays.
    forced = edit(organizer, full_event, capacity="1", overflow="waitlist", leaving=str(second))
    assert forced.status_code == 200
    assert statuses(app, full_event) == ["confirmed"] * 2 + ["waitlisted"] * 2
    # Below the number of people inside: refused with a reason next to the field.
    with app.app_context():
        db.session.get(Registration, first).checked_in_at = utcnow()
        db.session.commit()
    refused = edit(organizer, full_event, capacity="1").get_data(as_text=True)
    assert "More people are already checked in than this." in refused
    assert statuses(app, full_event) == ["confirmed"] * 2 + ["waitlisted"] * 2


def test_cancelling_extra_people_tells_them(app, organizer, full_event):
    _, second, _, _ = ids(app, full_event)
    response = edit(organizer, full_event, capacity="1", overflow="cancel", leaving=str(second))
    assert response.status_code == 302
    assert statuses(app, full_event) == ["confirmed", "cancelled", "waitlisted", "waitlisted"]
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert kinds == ["cancelled"]


def test_a_new_time_tells_every_registrant(app, organizer, full_event):
    later = (utcnow() + timedelta(days=40)).strftime("%Y-%m-%d")
    response = edit(
        organizer, full_event, starts_at=f"{later}T09:00", ends_at=f"{later}T12:00",
        change_note="Nowy termin.",
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
        event = db.session.get(Event, full_event)
        assert event.sequence == 1
    assert kinds == ["event_changed"] * 4


def test_cancel_the_event_after_a_confirmation_step(app, organizer, full_event):
    page = organizer.get(f"/organizer/events/{full_event}/cancel").get_data(as_text=True)
    assert "4 registered people will get an email" in page
    assert event_named(app, "Pełne spotkanie").status == EventStatus.PUBLISHED
    organizer.post(f"/organizer/events/{full_event}/cancel", data={"csrf_token": organizer.token})
    assert event_named(app, "Pełne spotkanie").status == EventStatus.CANCELLED


def test_duplicate_makes_a_draft_copy_without_registrations(app, organizer, full_event):
    response = organizer.post(
        f"/organizer/events/{full_event}/duplicate",
        data={
            "csrf_token": organizer.token,
            "title": "Pełne spotkanie – drugi termin",
            "day": (START + timedelta(days=7)).date().isoformat(),
            "starts": "10:00",
            "ends": "12:00",
            "county": "gnieznienski",
            "venue_name": "Starostwo",
        },
    )
    assert response.status_code == 302
    copy = event_named(app, "Pełne spotkanie – drugi termin")
    assert copy.status == EventStatus.DRAFT and copy.capacity == 2
    assert statuses(app, copy.id) == []


def act(organizer, event_id, registration_id, action):
    return organizer.post(
        f"/organizer/events/{event_id}/registrations/{registration_id}/{action}",
        data={"csrf_token": organizer.token},
    )


def ids(app, event_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(Registration.id)
            .where(Registration.event_id == event_id)
            .order_by(Registration.id)
        ).all()


def test_actions_on_people_are_applied_and_audited(app, organizer, full_event):
    first, second, waiting, _last = ids(app, full_event)
    with app.app_context():  # in half an hour: the door is open (checkin.windows)
        event = db.session.get(Event, full_event)
        event.starts_at = utcnow() + timedelta(minutes=30)
        event.ends_at = event.starts_at + timedelta(hours=2)
        db.session.commit()
    assert act(organizer, full_event, first, "cancel").status_code == 302
    assert statuses(app, full_event)[:3] == ["cancelled", "confirmed", "confirmed"]
    assert act(organizer, full_event, second, "checkin").status_code == 302
    assert act(organizer, full_event, second, "undo").status_code == 302
    assert act(organizer, full_event, second, "resend").status_code == 302
    a_get = organizer.get(f"/organizer/events/{full_event}/registrations/{waiting}/promote")
    assert a_get.status_code == 405  # actions change things: POST only
    with app.app_context():
        entries = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.event_id == full_event).order_by(AuditEntry.id)
        ).all()
        assert [entry.action for entry in entries] == [
            "cancelled_by_organizer",
            "checked_in_by_organizer",
            "check_in_undone_by_organizer",
            "confirmation_resent",
        ]
        assert entries[0].before["status"] == "confirmed"
        assert entries[0].after["status"] == "cancelled"
        assert entries[0].actor == "org@example.org"
    history = organizer.get(f"/organizer/events/{full_event}/audit").get_data(as_text=True)
    assert "Registration cancelled" in history and "org@example.org" in history
    assert "Confirmed → Cancelled" in history  # statuses in words, not codes
    assert "confirmed → cancelled" not in history


def test_approving_and_declining_applications(app, organizer):
    with app.app_context():
        event = make_event(mode=RegistrationMode.APPROVAL, capacity=18)
        applications = [register_attendee(event.id, attendee()).id for _ in range(2)]
        event_id = event.id
    act(organizer, event_id, applications[0], "approve")
    act(organizer, event_id, applications[1], "decline")
    assert statuses(app, event_id) == ["confirmed", "declined"]
    response = act(organizer, event_id, applications[1], "approve")  # already decided
    assert response.status_code == 302
    assert statuses(app, event_id) == ["confirmed", "declined"]


def test_actions_on_another_events_registration_are_not_found(app, organizer, full_event):
    with app.app_context():
        other_id = make_event().id
        stranger = register_attendee(other_id, attendee(), notify=False).id
    assert act(organizer, full_event, stranger, "cancel").status_code == 404
    assert act(organizer, full_event, 999999, "cancel").status_code == 404
    assert act(organizer, full_event, ids(app, full_event)[0], "explode").status_code == 404
    assert statuses(app, other_id) == ["confirmed"]


def test_an_action_without_csrf_token_changes_nothing(app, organizer, full_event):
    first = ids(app, full_event)[0]
    response = organizer.post(f"/organizer/events/{full_event}/registrations/{first}/cancel")
    assert response.status_code == 400
    assert statuses(app, full_event)[0] == "confirmed"


def test_a_registration_taken_by_phone(app, organizer, full_event):
    from tests.factories import form_data

    url = f"/organizer/events/{full_event}/registrations/new"
    data = {**form_data(email="telefon@example.org"), "csrf_token": organizer.token}
    response = organizer.post(url, data=data)
    assert response.status_code == 302
    assert statuses(app, full_event)[-1] == "waitlisted"  # the same rules as online
    again = organizer.post(url, data=data)
    assert "already registered" in again.get_data(as_text=True)


def test_the_table_searches_filters_sorts_and_pages(app, organizer):
    with app.app_context():
        event = make_event(capacity=None)
        for number in range(120):
            register_attendee(
                event.id,
                attendee(
                    last_name=f"Nazwisko{number:03d}", county="pilski" if number % 2 else "kolski"
                ),
                notify=False,
            )
        event_id = event.id
    base = f"/organizer/events/{event_id}/registrations"
    html = organizer.get(base).get_data(as_text=True)
    assert "120 registrations" in html and "Page 1 of 3" in html
    html = organizer.get(base + "?county=pilski&sort=name&page=2").get_data(as_text=True)
    assert "60 registrations" in html and "Page 2 of 2" in html
    assert "Nazwisko101" in html and "Nazwisko100" not in html
    html = organizer.get(base + "?q=nazwisko007").get_data(as_text=True)
    assert "1 registration" in html
    html = organizer.get(base + "?page=99999&status=nonsense&sort=x").get_data(as_text=True)
    assert "Page 3 of 3" in html


def test_a_message_to_registrants_is_previewed_then_sent(app, organizer, full_event):
    url = f"/organizer/events/{full_event}/message"
    data = {"audience": "active", "subject": "Zmiana sali", "body": "Sala 12.",
            "csrf_token": organizer.token}  # fmt: skip
    preview = organizer.post(url, data={**data, "confirm": "preview"}).get_data(as_text=True)
    assert "It will be sent to 4 people" in preview
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0
    assert organizer.post(url, data={**data, "confirm": "send"}).status_code == 302
    with app.app_context():
        messages = db.session.scalars(sa.select(OutboxMessage)).all()
        bodies = [render(message).body_text for message in messages]
    assert len(bodies) == 4 and all("Sala 12." in body for body in bodies)
    empty = organizer.post(url, data={**data, "subject": "", "confirm": "send"})
    assert "Enter a subject." in empty.get_data(as_text=True)


def test_the_dashboard_reads_its_figures_in_a_fixed_number_of_queries(app, organizer):
    def queries_for_dashboard() -> int:
        statements = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            assert organizer.get("/organizer/").status_code == 200
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    with app.app_context():
        make_event()
    few = queries_for_dashboard()
    with app.app_context():
        for _ in range(15):
            register_attendee(make_event().id, attendee(), notify=False)
    assert queries_for_dashboard() == few


def test_erasing_a_person_goes_through_a_page_that_names_them(app, organizer, full_event):
    first = ids(app, full_event)[0]
    with app.app_context():
        other = make_event(title="Szkolenie w Pile")
        register_attendee(other.id, attendee(email="p0@example.org"), notify=False)
    table = organizer.get(f"/organizer/events/{full_event}/registrations").get_data(as_text=True)
    page_url = f"/organizer/events/{full_event}/registrations/{first}/erase"
    assert f'href="{page_url}?back=' in table  # a link to the page, no browser confirm()
    page = organizer.get(page_url).get_data(as_text=True)
    assert "Erase the personal data of Zofia Wiśniewska?" in page
    assert "p0@example.org" in page and "Szkolenie w Pile" in page and "Pełne spotkanie" in page
    assert "2 registrations will be anonymized" in page and "cannot be undone" in page
    assert f'action="{page_url}"' in page  # the form posts to the "erase" action
    assert statuses(app, full_event)[0] == "confirmed"  # looking changes nothing

    assert act(organizer, full_event, first, "erase").status_code == 302
    with app.app_context():
        erased = db.session.get(Registration, first)
        assert erased.anonymized_at is not None and erased.email != "p0@example.org"
    again = organizer.get(page_url)
    assert again.status_code == 302  # nothing left to erase: back to the table
