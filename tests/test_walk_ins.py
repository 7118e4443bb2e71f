"""Walk-ins (issue 20, item 4): people who came without registering are added at
the door, checked in at once, merged by address, let in beyond the seats, online
and through offline sync, and counted in the reports."""

import csv
import io
import re
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from events.extensions import db
from events.models import (
    AuditEntry,
    Event,
    OutboxMessage,
    Presence,
    Registration,
    RegistrationStatus,
    Role,
    Scan,
    ScanMethod,
    User,
    utcnow,
)
from events.services.checkin.access import assign_staff, create_link
from events.services.checkin.door import Actor, door_request
from events.services.checkin.walk_ins import WalkIn, WalkInError, add_walk_in
from events.services.participants import erase
from events.services.registration import register_attendee
from events.services.reports import build_report
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user
from tests.test_checkin_api import PASSWORD, log_in
from tests.test_checkin_sync import sync

PERSON = {
    "first_name": "Halina",
    "last_name": "Żurawska",
    "organization": "KGW Brzezie",
    "county": "kaliski",
    "consent": "paper",
}


@pytest.fixture
def door(app):
    """An event at its door (starts in half an hour) with 2 seats, both taken, and a
    staff account assigned to it."""
    with app.app_context():
        event = make_event(title="Spotkanie w Brzeziu", capacity=2)
        for _ in range(2):
            register_attendee(event.id, attendee(), notify=False)
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        assign_staff("staff@example.org", event.slug)
        return {"slug": event.slug, "id": event.id}


def _add(client, token, slug, **person):
    return client.post(
        f"/api/checkin/{slug}/walk-in",
        json={**PERSON, **person},
        headers={"X-CSRFToken": token},
    )


def _walk_ins(app, event_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event_id, Registration.walk_in.is_(True))
            .order_by(Registration.id)
        ).all()


def test_a_walk_in_is_added_checked_in_at_once_beyond_the_seats_and_audited(app, client, door):
    token = log_in(client)
    answer = _add(client, token, door["slug"], nonce="walk-in-0001")
    assert answer.status_code == 200
    verdict = answer.get_json()
    assert verdict["result"] == "checked_in" and verdict["title"] == "Added and checked in"
    assert verdict["name"] == "Halina Żurawska"
    assert verdict["walk_in"]["beyond_capacity"] is True  # both seats were taken
    assert "beyond the limit" in verdict["detail"]
    assert verdict["walk_in"]["badge_url"].endswith(f"/{verdict['registration_id']}.pdf")
    assert verdict["counts"]["checked_in"] == 1
    [person] = _walk_ins(app, door["id"])
    assert person.status == RegistrationStatus.CONFIRMED and person.beyond_capacity
    assert person.checked_in_how == Presence.WALK_IN and person.checked_in_at is not None
    assert person.email is None and person.consent_on_paper
    with app.app_context():
        [scan] = db.session.scalars(sa.select(Scan).where(Scan.registration_id == person.id))
        assert scan.method == ScanMethod.WALK_IN
        [entry] = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "walk_in_added")
        ).all()
        assert entry.actor == "staff@example.org" and entry.after["beyond_capacity"] is True
        # No confirmation: the person is already in the room; nobody to write to anyway.
        assert (
            db.session.scalar(
                sa.select(sa.func.count()).where(OutboxMessage.registration_id == person.id)
            )
            == 0
        )
        report = build_report(door["id"])
        assert report.beyond_capacity == 1 and report.attended == 1
        assert report.attended_by_how[Presence.WALK_IN] == 1
        assert report.confirmed == 3
    # The same request again (a lost answer) adds nobody twice.
    again = _add(client, token, door["slug"], nonce="walk-in-0001").get_json()
    assert again["replayed"] is True and again["registration_id"] == verdict["registration_id"]
    assert len(_walk_ins(app, door["id"])) == 1


def test_walk_ins_without_an_address_never_clash_and_one_with_an_address_is_merged(
    app, client, door
):
    token = log_in(client)
    for name in ("Anna", "Ewa"):
        assert _add(client, token, door["slug"], first_name=name).status_code == 200
    first = _add(client, token, door["slug"], email="Jan.Nowak@Example.org", consent="device")
    assert first.get_json()["walk_in"]["merged"] is False
    second = _add(client, token, door["slug"], email="jan.nowak@example.org", first_name="J.")
    assert second.status_code == 200
    answer = second.get_json()
    assert answer["walk_in"]["merged"] is True and answer["result"] == "already"
    assert "registered already" in answer["detail"]
    people = _walk_ins(app, door["id"])
    assert [p.email for p in people] == [None, None, "jan.nowak@example.org"]
    assert people[2].consent_on_paper is False and people[2].first_name == "Halina"


def test_bad_input_names_its_field_and_adds_nobody(app, client, door):
    token = log_in(client)
    client.set_cookie("lang", "pl")
    cases = [
        ({"first_name": "  "}, "first_name", "Wpisz imię."),
        ({"last_name": ""}, "last_name", None),
        ({"first_name": "x" * 61}, "first_name", None),
        ({"county": "atlantyda"}, "county", None),
        ({"email": "nie-adres"}, "email", None),
        ({"consent": None}, "consent", None),
        ({"first_name": 12}, "first_name", None),
        ({"organization": "o" * 201}, "organization", None),
    ]
    for change, field, polish in cases:
        answer = _add(client, token, door["slug"], **change)
        assert answer.status_code == 400, change
        body = answer.get_json()
        assert body["field"] == field, change
        if polish:
            assert body["error"] == polish
    assert _walk_ins(app, door["id"]) == []


def test_a_link_adds_walk_ins_only_where_the_organizer_allowed_it(app, door):
    with app.app_context():
        creator = db.session.scalar(sa.select(User).where(User.email == "org@example.org"))
        _link, plain = create_link(door["id"], "Drzwi A", creator, 4)
        _link, allowed = create_link(door["id"], "Drzwi B", creator, 4, may_add_walk_ins=True)
        db.session.commit()
    for secret, status in ((plain, 400), (allowed, 200)):
        phone = app.test_client()
        phone.set_cookie("lang", "en")
        phone.get(f"/checkin/link/{secret}")
        token = csrf_token(phone, f"/checkin/{door['slug']}")
        answer = _add(phone, token, door["slug"])
        assert answer.status_code == status
    assert "may not add people" in _add_error(app, door, plain)
    [person] = _walk_ins(app, door["id"])
    assert person.checked_in_by == "Drzwi B"


def _add_error(app, door, secret):
    phone = app.test_client()
    phone.set_cookie("lang", "en")
    phone.get(f"/checkin/link/{secret}")
    token = csrf_token(phone, f"/checkin/{door['slug']}")
    return _add(phone, token, door["slug"]).get_json()["error"]


def test_outside_the_check_in_time_nobody_is_added(app, client):
    with app.app_context():
        event = make_event(**_in_two_days())
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
        assign_staff("staff@example.org", event.slug)
        slug, event_id = event.slug, event.id
    token = log_in(client)
    answer = _add(client, token, slug)
    assert answer.status_code == 400 and answer.get_json()["code"] == "outside_window"
    assert _walk_ins(app, event_id) == []


def _in_two_days():
    start = utcnow().replace(microsecond=0) + timedelta(days=2)
    return {"starts_at": start, "ends_at": start + timedelta(hours=3)}


def test_offline_walk_ins_sync_once_and_two_devices_with_one_address_make_one_person(
    app, client, door
):
    token = log_in(client)
    now = utcnow().isoformat().replace("+00:00", "Z")
    same = {**PERSON, "email": "zofia@example.org", "consent": "device"}
    items = [
        {"kind": "walk_in", "nonce": "offline-walk-1", "at": now, "person": same},
        {"kind": "walk_in", "nonce": "offline-walk-2", "at": now, "person": same},
        {"kind": "walk_in", "nonce": "offline-walk-3", "at": now, "person": {"first_name": ""}},
        {"kind": "walk_in", "nonce": "offline-walk-4", "at": now, "person": "Zofia"},
    ]
    results = sync(client, token, door["slug"], items).get_json()["results"]
    by_nonce = {r["nonce"]: r for r in results}
    assert by_nonce["offline-walk-1"]["verdict"]["result"] == "checked_in"
    assert by_nonce["offline-walk-2"]["verdict"]["result"] == "already"  # merged
    assert by_nonce["offline-walk-3"]["code"] == "no_first_name"
    assert by_nonce["offline-walk-4"]["code"] == "bad_item"
    again = sync(client, token, door["slug"], items[:2]).get_json()["results"]
    assert [r["verdict"]["replayed"] for r in again] == [True, True]
    [person] = _walk_ins(app, door["id"])
    assert person.email == "zofia@example.org"


def test_two_devices_adding_one_address_at_once_make_one_person(app, door):
    """Two phones at the door, the same person typed on both at the same moment."""
    barrier, verdicts, errors = threading.Barrier(2), [], []

    def phone(nonce):
        try:
            with app.app_context():
                event = db.session.get(Event, door["id"])
                user = db.session.scalar(sa.select(User).where(User.email == "staff@example.org"))
                request = door_request(
                    event, Actor(user_id=user.id), ScanMethod.WALK_IN, nonce=nonce
                )
                person = WalkIn(**_plain(PERSON), email="ola@example.org", consent_on_device=True)
                barrier.wait(timeout=10)
                verdicts.append(add_walk_in(request, person).verdict.result.value)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=phone, args=(f"race-nonce-{n}",)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(verdicts) == ["already", "checked_in"]
    assert len(_walk_ins(app, door["id"])) == 1


def _plain(person: dict) -> dict:
    return {key: person[key] for key in ("first_name", "last_name", "organization", "county")}


def test_a_walk_in_without_an_address_is_erased_from_the_table(app, door):
    with app.app_context():
        event = db.session.get(Event, door["id"])
        user = db.session.scalar(sa.select(User).where(User.email == "org@example.org"))
        outcome = add_walk_in(
            door_request(event, Actor(user_id=user.id), ScanMethod.WALK_IN),
            WalkIn(**_plain(PERSON), consent_on_paper=True),
        )
        person_id = outcome.verdict.registration.id
        erase(door["id"], person_id, user)
        erased = db.session.get(Registration, person_id)
        assert erased.anonymized_at is not None and erased.last_name != "Żurawska"
        assert erased.checked_in_at is not None  # the figure stays
        with pytest.raises(WalkInError) as refused:
            add_walk_in(
                door_request(event, Actor(user_id=user.id), ScanMethod.WALK_IN),
                WalkIn(**_plain(PERSON)),  # no consent either way
            )
        assert refused.value.field == "consent"


def test_the_organizer_lets_a_link_add_walk_ins_and_its_scanner_shows_the_form(app, door):
    organizer = app.test_client()
    organizer.set_cookie("lang", "en")
    token = csrf_token(organizer, "/login")
    organizer.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )
    url = f"/checkin/{door['slug']}/links"
    for label, allowed in (("Drzwi A", {}), ("Drzwi B", {"may_add_walk_ins": "y"})):
        form = {"label": label, "hours": "12", "csrf_token": csrf_token(organizer, url), **allowed}
        assert organizer.post(url, data=form).status_code == 302
        page = organizer.get(url).get_data(as_text=True)
        link = re.search(r'id="new-link-url"[^>]*value="[^"]*/checkin/link/([^"]+)"', page)
        phone = app.test_client()
        phone.get(f"/checkin/link/{link.group(1)}")
        scanner = phone.get(f"/checkin/{door['slug']}").get_data(as_text=True)
        assert ('id="walk-in-form"' in scanner) == bool(allowed), label
    assert organizer.get(url).get_data(as_text=True).count("may add people at the door") == 1
    # An account at the door always has the form.
    assert 'id="walk-in-form"' in organizer.get(f"/checkin/{door['slug']}").get_data(as_text=True)


def test_the_attendance_sheet_exports_and_report_show_a_walk_in_without_an_address(
    app, client, door
):
    token = log_in(client)
    assert _add(client, token, door["slug"], last_name="Bezadresowa").status_code == 200
    organizer = app.test_client()
    organizer.set_cookie("lang", "pl")
    login = csrf_token(organizer, "/login")
    organizer.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": login}
    )
    base = f"/organizer/events/{door['id']}"
    listed = organizer.get(f"{base}/participants.csv").text
    rows = list(csv.reader(io.StringIO(listed), delimiter=";"))
    [row] = [r for r in rows if "Bezadresowa" in r]
    assert "" in row and "Dopisana przy wejściu" in row and "None" not in row
    table = organizer.get(f"{base}/registrations").get_data(as_text=True)
    assert "brak adresu e-mail" in table
    sheet = PdfReader(io.BytesIO(organizer.get(f"{base}/attendance.pdf").data))
    text = " ".join(page.extract_text() for page in sheet.pages)
    assert "Bezadresowa" in " ".join(text.split())
    report = organizer.get(f"{base}/report").get_data(as_text=True)
    assert "Wpuszczeni ponad limit miejsc" in report
