"""Courses of several sessions: one application for the course, check-in per session,
calendar entries per session that move in place, and attendance that is never lost."""

from datetime import timedelta
from io import BytesIO

import icalendar
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from events.extensions import db
from events.messages import ics
from events.messages.outbox import deliver_due
from events.models import (
    Event,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    Role,
    Scan,
    SessionAttendance,
    utcnow,
)
from events.services.audit import event_log
from events.services.checkin.door import Actor, check_in_registration, undo_check_in
from events.services.courses.sessions import (
    CourseError,
    SessionData,
    attendance_matrix,
    delete_session,
    update_session,
)
from events.services.registration import approve_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_course, make_event, make_user

PASSWORD = "haslo-kursu-liderow"


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": smtp_server.hostname, "MAIL_PORT": smtp_server.port}


def _log_in(client, email="org@example.org"):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return csrf_token(client, "/")


def _calendar(message):
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_one_application_and_one_acceptance_cover_the_course_and_seats_count_people(
    app, smtp_server
):
    with app.app_context():
        course = make_course(mode=RegistrationMode.APPROVAL, capacity=2)
        people = [register_attendee(course.id, attendee(), notify=False) for _ in range(3)]
        for person in people:
            approve_registration(person.id)
        statuses = [db.session.get(type(p), p.id).status for p in people]
        # Two seats for three sessions: still two people, the third waits.
        assert statuses == [
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.WAITLISTED,
        ]
        deliver_due()
        accepted = [m for m in smtp_server.inbox.to(people[0].email)]
        assert [m["Subject"].startswith("Zgłoszenie zaakceptowane") for m in accepted] == [True]
        entries = _calendar(accepted[0]).walk("VEVENT")
        assert len(entries) == 3  # one calendar entry per session, in one invite
        assert len({str(entry["UID"]) for entry in entries}) == 3
        assert [entry.decoded("DTSTART") for entry in entries] == [
            s.starts_at for s in course.sessions
        ]
        assert "Dom Kultury w Śremie" in str(entries[1]["LOCATION"])
        body = accepted[0].get_body(("plain",)).get_content()
        assert "Moduł 1" in body and "Moduł 3" in body


def test_a_moved_session_updates_its_own_calendar_entry_in_place(app, smtp_server):
    with app.app_context():
        course = make_course()
        person = register_attendee(course.id, attendee(email="lider@example.org"))
        deliver_due()
        [first] = smtp_server.inbox.to("lider@example.org")
        before = {str(e["UID"]): e for e in _calendar(first).walk("VEVENT")}
        second = course.sessions[1]
        new_start = second.starts_at + timedelta(days=1, hours=2)
        told = update_session(
            course.id,
            second.id,
            SessionData(new_start, new_start + timedelta(hours=4), "Biblioteka", "ul. Polna 1"),
            None,
        )
        assert told == 1
        deliver_due()
        [_, change] = smtp_server.inbox.to("lider@example.org")
        assert change["Subject"].startswith("Zmiana terminu lub miejsca")
        text = change.get_body(("plain",)).get_content()
        assert "Biblioteka, ul. Polna 1" in text and "Dom Kultury w Śremie" in text
        after = {str(e["UID"]): e for e in _calendar(change).walk("VEVENT")}
        assert set(after) == set(before)  # the same entries: updated, not added
        for uid, entry in after.items():
            assert entry["SEQUENCE"] > before[uid]["SEQUENCE"]
        moved = [e for e in after.values() if e.decoded("DTSTART") == new_start]
        assert len(moved) == 1 and "Biblioteka" in str(moved[0]["LOCATION"])
        # The course's own times still span its sessions; the person stays confirmed.
        db.session.refresh(course)
        assert course.ends_at == max(s.ends_at for s in course.sessions)
        assert db.session.get(type(person), person.id).status == RegistrationStatus.CONFIRMED


def test_check_in_per_session_with_the_same_ticket_through_the_scanner_api(app, client):
    with app.app_context():
        course = make_course()
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        person = register_attendee(course.id, attendee(first_name="Zenon"), notify=False)
        sessions = [s.id for s in course.sessions]
        slug, code = course.slug, person.ticket_code
    token = _log_in(client)

    def scan(session_id=None):
        query = f"?session={session_id}" if session_id else ""
        return client.post(
            f"/api/checkin/{slug}/scan{query}",
            json={"code": code, "method": "scanner"},
            headers={"X-CSRFToken": token},
        ).get_json()

    # Without a session the scanner works at today's or else the next session: the first.
    assert scan()["result"] == "checked_in"
    assert scan(sessions[0])["result"] == "already"
    assert scan(sessions[2])["result"] == "checked_in"
    answer = scan(sessions[2])
    assert answer["result"] == "already" and answer["counts"] == {"checked_in": 1, "confirmed": 1}
    assert client.get(f"/api/checkin/{slug}/counts?session={sessions[1]}").get_json() == {
        "checked_in": 0,
        "confirmed": 1,
    }
    other = make_other_event_session(app)
    assert (
        client.post(
            f"/api/checkin/{slug}/scan?session={other}",
            json={"code": code},
            headers={"X-CSRFToken": token},
        ).status_code
        == 404
    )
    # The scanner page offers the sessions, the chosen one selected.
    page = client.get(f"/checkin/{slug}?session={sessions[2]}").get_data(as_text=True)
    assert f'<option value="{sessions[2]}" selected>' in page
    assert f"/api/checkin/{slug}/scan?session={sessions[2]}" in page
    with app.app_context():
        attended = db.session.scalars(
            sa.select(SessionAttendance.session_id).where(
                SessionAttendance.registration_id == person.id
            )
        ).all()
        assert sorted(attended) == [sessions[0], sessions[2]]
        scans = db.session.scalars(sa.select(Scan.session_id).order_by(Scan.id)).all()
        assert scans == [sessions[0], sessions[0], sessions[2], sessions[2]]
        matrix = attendance_matrix(db.session.get(Event, course.id))
        [row] = matrix.rows
        assert row.attended == {sessions[0], sessions[2]}
        assert row.hours() == 6 and matrix.percent(row) == 60


def make_other_event_session(app) -> int:
    with app.app_context():
        return make_course(title="Inny kurs").sessions[0].id


def test_undo_at_one_session_keeps_the_others(ctx):
    course = make_course()
    user = make_user()
    person = register_attendee(course.id, attendee(), notify=False)
    first, second, _third = (s.id for s in course.sessions)
    actor = Actor(user_id=user.id)
    check_in_registration(course.id, person.id, actor, session_id=first)
    check_in_registration(course.id, person.id, actor, session_id=second)
    undo_check_in(course.id, person.id, actor, session_id=first)
    db.session.refresh(person)
    remaining = db.session.scalars(sa.select(SessionAttendance)).all()
    assert [a.session_id for a in remaining] == [second]
    assert person.checked_in_at == remaining[0].checked_in_at  # still came to the course
    undo_check_in(course.id, person.id, actor, session_id=second)
    db.session.refresh(person)
    assert person.checked_in_at is None


def test_a_session_with_check_ins_is_never_deleted(ctx):
    course = make_course()
    user = make_user()
    person = register_attendee(course.id, attendee(), notify=False)
    first, second, third = (s.id for s in course.sessions)
    check_in_registration(course.id, person.id, Actor(user_id=user.id), session_id=first)
    with pytest.raises(CourseError) as refused:
        delete_session(course.id, first, user)
    assert refused.value.code == "has_attendance"
    with force_locale("pl"):
        assert "Na tej sesji odnotowano obecność 1 osoby" in str(refused.value.message)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionAttendance)) == 1
    delete_session(course.id, third, user)  # nobody came yet: it may go
    db.session.expire_all()
    course = db.session.get(Event, course.id)
    assert [s.id for s in course.sessions] == [first, second]
    assert course.ends_at == course.sessions[-1].ends_at


def test_a_single_event_keeps_its_one_calendar_entry(ctx):
    event = make_event()
    person = register_attendee(event.id, attendee(), notify=False)
    calendar = icalendar.Calendar.from_ical(ics.invite(person, "https://x/t/y", ics.REQUEST))
    [entry] = calendar.walk("VEVENT")
    assert str(entry["UID"]) == ics.registration_uid(person)


def _course_with_attendance(app):
    """A course, an organizer, and Zenon checked in at the first session only."""
    with app.app_context():
        course = make_course()
        user = make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        person = register_attendee(
            course.id, attendee(first_name="Zenon", last_name="Żółtowski"), notify=False
        )
        register_attendee(course.id, attendee(first_name="Halina"), notify=False)
        first = course.sessions[0].id
        check_in_registration(course.id, person.id, Actor(user_id=user.id), session_id=first)
        return course.id, [s.id for s in course.sessions]


def test_the_organizer_adds_moves_and_may_not_delete_an_attended_session(app, client):
    course_id, (first, second, third) = _course_with_attendance(app)
    token = _log_in(client)
    page = client.get(f"/organizer/events/{course_id}/sessions").get_data(as_text=True)
    assert "Moduł 1" in page and "kept: people were checked in" in page
    # Deleting the attended session: refused, said, nothing lost.
    response = client.post(
        f"/organizer/events/{course_id}/sessions/{first}/delete",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "1 person was checked in at this session, so it cannot be deleted" in response.text
    # A new session, with an end before its start: the error is next to the field.
    bad = client.post(
        f"/organizer/events/{course_id}/sessions",
        data={"csrf_token": token, "starts_at": "2031-05-04T10:00", "ends_at": "2031-05-04T09:00"},
    )
    assert 'href="#ends_at"' in bad.text and "The end must be after the start." in bad.text
    added = client.post(
        f"/organizer/events/{course_id}/sessions",
        data={
            "csrf_token": token,
            "title": "Moduł 4",
            "starts_at": "2031-05-04T10:00",
            "ends_at": "2031-05-04T14:00",
        },
        follow_redirects=True,
    )
    assert "The session was added." in added.text and "Moduł 4" in added.text
    moved = client.post(
        f"/organizer/events/{course_id}/sessions/{second}",
        data={
            "csrf_token": token,
            "title": "Moduł 2",
            "starts_at": "2031-05-01T10:00",
            "ends_at": "2031-05-01T12:00",
            "venue_name": "Biblioteka",
        },
        follow_redirects=True,
    )
    assert "The session was saved; 2 people are being told." in moved.text
    with app.app_context():
        course = db.session.get(Event, course_id)
        assert [s.title for s in course.sessions] == ["Moduł 1", "Moduł 3", "Moduł 2", "Moduł 4"]
        assert course.ends_at == course.sessions[-1].ends_at
        actions = [entry.action for entry in course_log(course_id)]
        assert actions == ["session_changed", "session_added"]


def course_log(event_id):
    return event_log(event_id)


def test_matrix_sheet_per_session_and_report_count_the_course(app, client):
    course_id, (first, second, _third) = _course_with_attendance(app)
    _log_in(client)
    matrix = client.get(f"/organizer/events/{course_id}/attendance").get_data(as_text=True)
    assert "Żółtowski" in matrix and "Halina" in matrix
    assert "40%" in matrix and "0%" in matrix  # 4 of 10 hours; nothing
    sheet = client.get(f"/organizer/events/{course_id}/sessions/{second}/attendance.pdf")
    assert sheet.mimetype == "application/pdf"
    text = PdfReader(BytesIO(sheet.data)).pages[0].extract_text()
    assert "Moduł 2" in text and "Dom Kultury w Śremie" in text and "Żółtowski" in text
    report = client.get(f"/organizer/events/{course_id}/report").get_data(as_text=True)
    assert "Presences at sessions" in report
    csv_text = client.get(f"/organizer/events/{course_id}/report.csv").get_data(as_text=True)
    assert "Courses;Sessions;3;" in csv_text
    assert "Courses;Presences at sessions;;1" in csv_text
    assert "Courses;Hours attended (person-hours);;4" in csv_text
    # The person's page lists the sessions and marks the one attended.
    with app.app_context():
        token = db.session.scalar(
            sa.select(Registration.manage_token).where(Registration.first_name == "Zenon")
        )
    page = client.get(f"/r/{token}").get_data(as_text=True)
    assert page.count("Moduł ") == 3 and page.count("(present)") == 1


def test_a_deleted_session_leaves_the_calendars_of_the_people_registered(app, smtp_server):
    with app.app_context():
        course = make_course()
        register_attendee(course.id, attendee(email="kalendarz@example.org"))
        deliver_due()
        [invite] = smtp_server.inbox.to("kalendarz@example.org")
        entries = _calendar(invite).walk("VEVENT")
        third = course.sessions[2]
        delete_session(course.id, third.id, make_user())
        deliver_due()
        [_, notice] = smtp_server.inbox.to("kalendarz@example.org")
    assert notice["Subject"].startswith("Sesja odwołana")
    calendar = _calendar(notice)
    assert calendar["METHOD"] == "CANCEL"
    [withdrawn] = calendar.walk("VEVENT")
    assert str(withdrawn["UID"]) == str(entries[2]["UID"])  # the third session's entry
    assert withdrawn["SEQUENCE"] > entries[2]["SEQUENCE"]
    assert withdrawn["STATUS"] == "CANCELLED"
    text = notice.get_body(("plain",)).get_content()
    assert "Moduł 3" in text and "Moduł 1" in text  # what went, and what stays


def test_offline_scans_at_a_session_sync_to_that_session_only(app, client):
    with app.app_context():
        course = make_course()
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        person = register_attendee(course.id, attendee(), notify=False)
        first, second, _third = (s.id for s in course.sessions)
        slug, code = course.slug, person.ticket_code
    token = _log_in(client)
    at = (utcnow() - timedelta(minutes=10)).isoformat()
    batch = {
        "event": slug,
        "items": [{"kind": "scan", "code": code, "method": "camera", "nonce": "n" * 20, "at": at}],
    }
    url = f"/api/checkin/{slug}/sync?session={second}"
    answer = client.post(url, json=batch, headers={"X-CSRFToken": token}).get_json()
    assert answer["results"][0]["verdict"]["result"] == "checked_in"
    assert answer["counts"] == {"checked_in": 1, "confirmed": 1}
    # The same batch again: answered from its nonce, counted once.
    again = client.post(url, json=batch, headers={"X-CSRFToken": token}).get_json()
    assert again["results"][0]["verdict"]["replayed"] is True
    # Each session's ticket list and changes are its own.
    at_second = client.get(f"/api/checkin/{slug}/dataset?session={second}").get_json()
    at_first = client.get(f"/api/checkin/{slug}/dataset?session={first}").get_json()
    assert [entry["c"] is not None for entry in at_second["entries"]] == [True]
    assert [entry["c"] for entry in at_first["entries"]] == [None]
    assert (
        client.get(f"/api/checkin/{slug}/changes?session={first}&since=0").get_json()["changes"]
        == []
    )
    with app.app_context():
        [attendance] = db.session.scalars(sa.select(SessionAttendance)).all()
        assert attendance.session_id == second
        assert attendance.checked_in_at.isoformat() == at  # the device's time


def test_each_later_session_of_a_course_gets_its_own_reminder(app, smtp_server):
    from events.services.reminders import send_reminders

    with app.app_context():
        course = make_course(weekly=True)
        register_attendee(course.id, attendee(email="przypomnij@example.org"), notify=False)
        first, second, _third = course.sessions
        before_first = first.starts_at - timedelta(hours=2)
        assert send_reminders(now=before_first) == 1
        assert send_reminders(now=before_first + timedelta(minutes=30)) == 0  # once
        before_second = second.starts_at - timedelta(hours=3)
        assert send_reminders(now=before_second) == 1
        assert send_reminders(now=before_second + timedelta(hours=1)) == 0
        deliver_due()
    [_, reminder] = smtp_server.inbox.to("przypomnij@example.org")
    text = reminder.get_body(("plain",)).get_content()
    assert "Moduł 2" in text and "Przypomnienie" in reminder["Subject"]
