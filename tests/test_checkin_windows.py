"""Check-in windows (issue 20): nothing is recorded as attended outside its time
without a recorded reason, at the scanner's API, the organizer's table, the session
chooser and offline sync alike."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import (
    AuditEntry,
    CourseSession,
    Event,
    Registration,
    Role,
    Scan,
    ScanResult,
    SessionAttendance,
    User,
    utcnow,
)
from events.services.checkin.access import assign_staff, create_link
from events.services.checkin.door import default_session
from events.services.registration import register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_course, make_event, make_user
from tests.test_checkin_api import PASSWORD, log_in
from tests.test_checkin_sync import item, sync

MINUTE = timedelta(minutes=1)


def _door(app, starts_in: timedelta, **event):
    """An event starting in `starts_in` (4 hours long), a staff account assigned to it,
    an organizer, and two confirmed people."""
    with app.app_context():
        made = make_event(**event)
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        assign_staff("staff@example.org", made.slug)
        people = [
            register_attendee(made.id, attendee(first_name=name), notify=False)
            for name in ("Anna", "Jan")
        ]  # registered first: an event that has begun takes no registrations
        made.starts_at = utcnow().replace(microsecond=0) + starts_in
        made.ends_at = made.starts_at + timedelta(hours=4)
        db.session.commit()
        return made.slug, made.id, [(p.id, p.ticket_code) for p in people]


def _scan(client, token, slug, code, **extra):
    return client.post(
        f"/api/checkin/{slug}/scan",
        json={"code": code, "method": "scanner", **extra},
        headers={"X-CSRFToken": token},
    )


def _checked_in(app, registration_id):
    with app.app_context():
        return db.session.get(Registration, registration_id).checked_in_at


def test_a_minute_before_the_window_opens_is_refused_and_a_minute_after_is_accepted(app, client):
    # Opens 60 minutes before the start: starting in 61 minutes, it opens in one.
    slug, event_id, [(anna, anna_code), (jan, jan_code)] = _door(app, 61 * MINUTE)
    token = log_in(client)
    refused = _scan(client, token, slug, anna_code).get_json()
    assert refused["result"] == "outside_window"
    assert refused["title"] == "Not the time for check-in"
    assert refused["detail"].startswith("This session is on ")
    assert "Check-in opens at" in refused["detail"]
    assert refused["name"] == "Anna Wiśniewska" and refused["may_override"] is False
    assert refused["counts"]["checked_in"] == 0
    assert _checked_in(app, anna) is None  # nothing recorded as attended
    with app.app_context():
        event = db.session.get(Event, event_id)
        event.starts_at -= 2 * MINUTE  # now the window opened a minute ago
        event.ends_at -= 2 * MINUTE
        db.session.commit()
    assert _scan(client, token, slug, jan_code).get_json()["result"] == "checked_in"
    assert _checked_in(app, jan) is not None


def test_after_the_window_closed_the_verdict_says_when_the_event_was(app, client):
    # Four hours long, closes 30 minutes after the end: started 4 h 31 min ago.
    slug, _event_id, [(anna, code), _jan] = _door(app, -(4 * 60 + 31) * MINUTE)
    client.set_cookie("lang", "pl")
    token = log_in(client)
    client.set_cookie("lang", "pl")
    refused = _scan(client, token, slug, code).get_json()
    assert refused["result"] == "outside_window"
    assert refused["title"] == "To nie jest czas potwierdzania obecności"
    assert "(już minął). Potwierdzanie obecności zakończyło się" in refused["detail"]
    assert _checked_in(app, anna) is None


def test_staff_may_override_only_where_the_organizer_allows_it(app, client):
    slug, event_id, [(anna, code), _jan] = _door(app, timedelta(days=1))
    token = log_in(client)
    answer = _scan(client, token, slug, code, reason="Przyszła dzień wcześniej")
    assert answer.status_code == 409
    assert "Only an organizer may" in answer.get_json()["error"]
    assert _checked_in(app, anna) is None
    with app.app_context():
        db.session.get(Event, event_id).door_may_override = True
        db.session.commit()
    assert _scan(client, token, slug, code).get_json()["may_override"] is True
    answer = _scan(client, token, slug, code, reason="  Przyszła dzień wcześniej  ")
    assert answer.get_json()["result"] == "checked_in"
    _assert_override_recorded(app, anna, "Przyszła dzień wcześniej", "staff@example.org")


def test_an_organizer_overrides_with_a_reason_recorded_with_the_scan_and_in_the_audit_log(
    app, client
):
    slug, _event_id, [(anna, _code), _jan] = _door(app, -timedelta(days=1))
    token = log_in(client, "org@example.org")
    without = client.post(
        f"/api/checkin/{slug}/checkin",
        json={"registration_id": anna},
        headers={"X-CSRFToken": token},
    ).get_json()
    assert without["result"] == "outside_window" and without["may_override"] is True
    answer = client.post(
        f"/api/checkin/{slug}/checkin",
        json={"registration_id": anna, "reason": "Lista podpisana na miejscu, skaner padł"},
        headers={"X-CSRFToken": token},
    ).get_json()
    assert answer["result"] == "checked_in"
    _assert_override_recorded(
        app, anna, "Lista podpisana na miejscu, skaner padł", "org@example.org"
    )


def _assert_override_recorded(app, registration_id, reason, who):
    with app.app_context():
        assert db.session.get(Registration, registration_id).checked_in_at is not None
        scans = db.session.scalars(
            sa.select(Scan).where(Scan.registration_id == registration_id).order_by(Scan.id)
        ).all()
        assert scans[-1].result == ScanResult.CHECKED_IN and scans[-1].reason == reason
        assert all(scan.reason is None for scan in scans[:-1])
        [entry] = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "check_in_window_overridden")
        ).all()
        assert entry.registration_id == registration_id and entry.after["reason"] == reason
        assert entry.actor == who


def test_the_organizer_s_table_refuses_outside_the_window_and_says_why(app, client):
    slug, event_id, [(anna, _code), _jan] = _door(app, timedelta(days=2))
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )
    token = csrf_token(client, f"/organizer/events/{event_id}/registrations")
    page = client.post(
        f"/organizer/events/{event_id}/registrations/{anna}/checkin",
        data={"csrf_token": token},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Not checked in: check-in is open only around the time of the event" in page
    assert _checked_in(app, anna) is None


def test_the_chooser_opens_the_session_whose_window_is_open_and_marks_the_others(app, client):
    with app.app_context():
        course = make_course(weekly=True)
        first, second, third = course.sessions
        # The second session is today: it starts in half an hour.
        start = utcnow().replace(microsecond=0) + 30 * MINUTE
        second.starts_at, second.ends_at = start, start + timedelta(hours=4)
        first.starts_at -= timedelta(days=14)
        first.ends_at -= timedelta(days=14)
        db.session.commit()
        assert default_session(course, utcnow()).id == second.id
        assert default_session(course, start - 61 * MINUTE).id == second.id  # today's, shut
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        slug, ids = course.slug, (first.id, second.id, third.id)
    log_in(client, "org@example.org")
    page = client.get(f"/checkin/{slug}").get_data(as_text=True)
    assert f'<option value="{ids[1]}" selected>' in page
    assert page.count("check-in open</option>") == 1
    assert page.count("check-in closed now</option>") == 2
    assert 'id="door-closed"' not in page
    shut = client.get(f"/checkin/{slug}?session={ids[2]}").get_data(as_text=True)
    assert 'id="door-closed"' in shut and "Check-in is not open now." in shut


def test_a_course_session_of_tomorrow_is_not_checked_in_today(app, client):
    with app.app_context():
        course = make_course(weekly=True)
        tomorrow = utcnow().replace(microsecond=0) + timedelta(days=1)
        later = course.sessions[1]
        later.starts_at, later.ends_at = tomorrow, tomorrow + timedelta(hours=4)
        db.session.commit()
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
        assign_staff("staff@example.org", course.slug)
        person = register_attendee(course.id, attendee(), notify=False)
        slug, code, session_id = course.slug, person.ticket_code, later.id
    token = log_in(client)
    answers = [
        client.post(
            f"/api/checkin/{slug}/scan?session={session_id}",
            json={"code": code},
            headers={"X-CSRFToken": token},
        ).get_json()
        for _ in range(3)
    ]
    assert [a["result"] for a in answers] == ["outside_window"] * 3
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionAttendance)) == 0
        session = db.session.get(CourseSession, session_id)
        assert session.starts_at > utcnow()


# Offline: device times that cannot rewrite history.


@pytest.fixture
def started(app):
    """An event that started 30 minutes ago (its window opened 90 minutes ago),
    a check-in link made 40 minutes ago for it, and two people."""
    slug, event_id, people = _door(app, -30 * MINUTE)
    with app.app_context():
        creator = db.session.scalar(sa.select(User).where(User.email == "org@example.org"))
        link, secret = create_link(event_id, "Drzwi A", creator, 4)
        link.created_at = utcnow() - 40 * MINUTE
        db.session.commit()
    return slug, event_id, people, secret


def _volunteer(app, slug, secret):
    phone = app.test_client()
    phone.set_cookie("lang", "en")
    assert phone.get(f"/checkin/link/{secret}").status_code == 302
    return phone, csrf_token(phone, f"/checkin/{slug}")


def test_offline_times_before_the_link_in_the_future_or_47_hours_back_are_refused(app, started):
    slug, _event_id, [(anna, anna_code), (jan, jan_code)], secret = started
    phone, token = _volunteer(app, slug, secret)
    results = sync(
        phone,
        token,
        slug,
        [
            item(anna_code, "before-link-1", minutes_ago=45),  # the link is 40 minutes old
            item(anna_code, "ahead-clock-1", minutes_ago=-10),  # ten minutes ahead
            item(jan_code, "two-days-ago", minutes_ago=47 * 60),
            item(jan_code, "naive-time-01", at="2026-12-01T10:00:00"),
        ],
    ).get_json()["results"]
    by_nonce = {result["nonce"]: result for result in results}
    assert by_nonce["before-link-1"]["code"] == "before_link"
    assert by_nonce["ahead-clock-1"]["code"] == "future_time"
    assert by_nonce["naive-time-01"]["code"] == "bad_item"
    # 47 hours back (before the event began) passes the link's age only for an account;
    # from this link it is before the link too.
    assert by_nonce["two-days-ago"]["code"] == "before_link"
    assert _checked_in(app, anna) is None and _checked_in(app, jan) is None


def test_an_offline_time_outside_the_window_never_displaces_an_online_check_in(app, client):
    slug, _event_id, [(anna, code), _jan] = _door(app, -30 * MINUTE)
    token = log_in(client)
    assert _scan(client, token, slug, code).get_json()["result"] == "checked_in"
    online = _checked_in(app, anna)
    results = sync(
        client, token, slug, [item(code, "ancient-scan-1", minutes_ago=47 * 60)]
    ).get_json()["results"]
    assert results[0]["verdict"]["result"] == "outside_window"
    assert _checked_in(app, anna) == online  # the online check-in stands
    # An offline time inside the window and earlier than the online one does stand.
    results = sync(client, token, slug, [item(code, "earlier-scan-1", minutes_ago=20)]).get_json()
    assert results["results"][0]["verdict"]["result"] == "checked_in"
    assert _checked_in(app, anna) < online


def test_the_device_list_carries_the_window(app, client):
    slug, _event_id, _people = _door(app, 61 * MINUTE)
    token = log_in(client)
    data = client.get(f"/api/checkin/{slug}/dataset", headers={"X-CSRFToken": token}).get_json()
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
        opens = event.starts_at - timedelta(minutes=60)
        closes = event.ends_at + timedelta(minutes=30)
    assert data["window"] == {
        "opens": opens.isoformat().replace("+00:00", "Z"),
        "closes": closes.isoformat().replace("+00:00", "Z"),
    }


# The organizer's setting.


def _organizer(app, client, lang="en"):
    client.set_cookie("lang", lang)
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )


def test_the_organizer_sets_the_window_and_bad_input_is_told_next_to_the_field(app, client):
    slug, event_id, _people = _door(app, 3 * 60 * MINUTE)
    _organizer(app, client, "pl")
    token = csrf_token(client, f"/checkin/{slug}/links")
    for opens in ("-5", "2000", "pół godziny", ""):
        answer = client.post(
            f"/checkin/{slug}/window",
            data={"csrf_token": token, "opens_minutes": opens, "closes_minutes": "30"},
        )
        page = answer.get_data(as_text=True)
        assert answer.status_code == 400, opens
        assert 'href="#opens_minutes"' in page and 'id="opens_minutes-error"' in page, opens
        assert 'aria-invalid="true"' in page
    with app.app_context():
        assert db.session.get(Event, event_id).checkin_opens_minutes == 60  # unchanged
    saved = client.post(
        f"/checkin/{slug}/window",
        data={
            "csrf_token": token,
            "opens_minutes": "240",
            "closes_minutes": "15",
            "door_may_override": "y",
        },
    )
    assert saved.status_code == 302
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.checkin_opens_minutes, event.checkin_closes_minutes) == (240, 15)
        assert event.door_may_override is True
        [entry] = db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == "checkin_window_changed")
        ).all()
        assert entry.before["checkin_opens_minutes"] == 60
        assert entry.after == {
            "checkin_opens_minutes": 240,
            "checkin_closes_minutes": 15,
            "door_may_override": True,
        }
    # Opened four hours ahead, the event starting in three is at its door now.
    staff = app.test_client()
    staff_token = log_in(staff)
    with app.app_context():
        code = db.session.scalars(
            sa.select(Registration.ticket_code).where(Registration.event_id == event_id)
        ).first()
    assert _scan(staff, staff_token, slug, code).get_json()["result"] == "checked_in"


def test_door_staff_may_not_change_the_window(app, client):
    slug, event_id, _people = _door(app, 3 * 60 * MINUTE)
    token = log_in(client)
    answer = client.post(
        f"/checkin/{slug}/window",
        data={"csrf_token": token, "opens_minutes": "1440", "closes_minutes": "1440"},
    )
    assert answer.status_code == 403
    with app.app_context():
        assert db.session.get(Event, event_id).checkin_opens_minutes == 60
