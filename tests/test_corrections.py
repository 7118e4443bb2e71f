"""Corrections on the record: presence entered afterwards from the signed paper sheet,
audited, shown in the table, the matrix, the exports and the reports, and counted."""

import csv
import io
import re
from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from events.extensions import db
from events.models import (
    AuditEntry,
    CourseSession,
    Event,
    Presence,
    Registration,
    RegistrationStatus,
    Role,
    Scan,
    ScanMethod,
    ScanResult,
    SessionAttendance,
    utcnow,
)
from events.services.checkin.corrections import CorrectionError, correct_presence
from events.services.checkin.door import (
    Actor,
    check_in_registration,
    door_request,
    perform_check_in,
)
from events.services.courses.sessions import attendance_matrix
from events.services.registration import register_attendee
from events.services.reports import build_report
from tests.conftest import csrf_token
from tests.factories import attendee, make_course, make_event, make_registration, make_user

REASON = "Podpisała listę obecności; telefon przy wejściu nie miał zasięgu."


def into_the_past(event_id: int, days: int = 30) -> None:
    """Move an event (and the sessions of a course) `days` back: it is over."""
    event = db.session.get(Event, event_id)
    shift = timedelta(days=days)
    event.starts_at, event.ends_at = event.starts_at - shift, event.ends_at - shift
    for session in event.sessions:
        session.starts_at, session.ends_at = session.starts_at - shift, session.ends_at - shift
    db.session.commit()


def test_a_presence_from_the_sheet_is_written_recorded_and_audited(ctx):
    organizer = make_user()
    event = make_event()
    person = register_attendee(event.id, attendee(), notify=False)
    into_the_past(event.id)
    verdict = correct_presence(event.id, person.id, organizer, present=True, reason=REASON)
    assert verdict.result == ScanResult.CHECKED_IN
    person = db.session.get(Registration, person.id)
    assert person.checked_in_how == Presence.SHEET
    assert person.checked_in_by == organizer.email and person.checked_in_at is not None
    scan = db.session.scalars(sa.select(Scan)).one()
    assert (scan.method, scan.reason, scan.user_id) == (ScanMethod.SHEET, REASON, organizer.id)
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert entry.action == "corrected_from_sheet" and entry.actor == organizer.email
    assert entry.registration_id == person.id
    assert entry.before == {"present": False, "how": None}
    assert entry.after == {"present": True, "how": "sheet", "reason": REASON}


def test_a_presence_is_taken_back_from_the_sheet_door_check_in_included(ctx):
    organizer = make_user()
    event = make_event()
    person = register_attendee(event.id, attendee(), notify=False)
    check_in_registration(event.id, person.id, Actor(user_id=organizer.id))
    into_the_past(event.id)
    verdict = correct_presence(
        event.id, person.id, organizer, present=False, reason="Nie ma podpisu na liście."
    )
    assert verdict.result == ScanResult.UNDONE
    person = db.session.get(Registration, person.id)
    assert person.checked_in_at is None and person.checked_in_how is None
    entry = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.before == {"present": True, "how": "door"}
    assert entry.after["present"] is False and entry.after["reason"] == "Nie ma podpisu na liście."
    # Absent twice is refused, and says so.
    with pytest.raises(CorrectionError) as refused:
        correct_presence(event.id, person.id, organizer, present=False, reason="Jeszcze raz.")
    assert refused.value.code == "not_present" and refused.value.field == "present"


@pytest.mark.parametrize(
    ("reason", "code", "field"),
    [("", "no_reason", "reason"), ("  ", "no_reason", "reason"),
     ("x" * 501, "reason_too_long", "reason")],
)  # fmt: skip
def test_a_correction_needs_a_reason_of_at_most_500_characters(ctx, reason, code, field):
    organizer = make_user()
    event = make_event()
    person = register_attendee(event.id, attendee(), notify=False)
    into_the_past(event.id)
    with pytest.raises(CorrectionError) as refused:
        correct_presence(event.id, person.id, organizer, present=True, reason=reason)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 0
    assert db.session.get(Registration, person.id).checked_in_at is None
    correct_presence(event.id, person.id, organizer, present=True, reason="x" * 500)


def test_no_correction_before_the_start_nor_by_someone_not_an_organizer(ctx):
    organizer = make_user()
    staff = make_user(email="bramka@example.org", role=Role.STAFF)
    event = make_event()
    person = register_attendee(event.id, attendee(), notify=False)
    with pytest.raises(CorrectionError) as refused:
        correct_presence(event.id, person.id, organizer, present=True, reason=REASON)
    assert refused.value.code == "not_started"
    into_the_past(event.id)
    with pytest.raises(CorrectionError) as refused:
        correct_presence(event.id, person.id, staff, present=True, reason=REASON)
    assert refused.value.code == "not_organizer"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_person_without_a_seat_is_not_marked_present_and_nothing_is_audited(ctx):
    organizer = make_user()
    event = make_event()
    waiting = make_registration(event, RegistrationStatus.WAITLISTED)
    into_the_past(event.id)
    verdict = correct_presence(event.id, waiting.id, organizer, present=True, reason=REASON)
    assert verdict.result == ScanResult.NOT_CONFIRMED
    assert db.session.get(Registration, waiting.id).checked_in_at is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_a_form_sent_twice_counts_once(ctx):
    organizer = make_user()
    event = make_event()
    person = register_attendee(event.id, attendee(), notify=False)
    into_the_past(event.id)
    for _attempt in range(2):
        verdict = correct_presence(
            event.id, person.id, organizer, present=True, reason=REASON, nonce="formularz-1"
        )
        assert verdict.result == ScanResult.CHECKED_IN
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Scan)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 1


def test_a_course_is_corrected_per_session_once_that_session_has_started(ctx):
    organizer = make_user()
    course = make_course(weekly=True)
    person = register_attendee(course.id, attendee(), notify=False)
    first, second, third = (session.id for session in course.sessions)
    # Only the first session is over, the second is today: the third is still to come.
    into_the_past(course.id, days=10)
    today = db.session.get(CourseSession, second)
    today.starts_at = utcnow() + timedelta(minutes=30)
    today.ends_at = today.starts_at + timedelta(hours=4)
    db.session.commit()
    with pytest.raises(CorrectionError) as refused:
        correct_presence(course.id, person.id, organizer, present=True, reason=REASON)
    assert (refused.value.code, refused.value.field) == ("no_session", "session")
    with pytest.raises(CorrectionError) as refused:
        correct_presence(
            course.id, person.id, organizer, present=True, reason=REASON, session_id=third
        )
    assert refused.value.code == "not_started"
    check_in_registration(course.id, person.id, Actor(user_id=organizer.id), session_id=second)
    correct_presence(course.id, person.id, organizer, present=True, reason=REASON, session_id=first)
    kinds = dict(
        db.session.execute(
            sa.select(SessionAttendance.session_id, SessionAttendance.checked_in_how)
        ).all()
    )
    assert kinds == {first: Presence.SHEET, second: Presence.DOOR}
    entry = db.session.scalars(sa.select(AuditEntry)).one()
    assert entry.after["session"] == first


# The page: a form next to the table, refusals next to their field, never a 500.

PASSWORD = "haslo-organizatora"


def log_in(client, email="org@example.org", language="pl"):
    client.set_cookie("lang", language)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


@pytest.fixture
def past_event(app):
    """An event that is over, one person with a seat, and an organizer."""
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
        make_user(email="bramka@example.org", password=PASSWORD, role=Role.STAFF)
        event = make_event()
        person = register_attendee(event.id, attendee(last_name="Kowalska"), notify=False)
        into_the_past(event.id)
        return event.id, person.id


def _post(client, url, **fields):
    token = csrf_token(client, url)
    return client.post(url, data={"csrf_token": token, **fields})


def test_the_organizer_corrects_from_the_page_and_the_table_shows_how(app, client, past_event):
    event_id, person_id = past_event
    log_in(client)
    table = client.get(f"/organizer/events/{event_id}/registrations").get_data(as_text=True)
    url = f"/organizer/events/{event_id}/registrations/{person_id}/correction"
    assert url in table
    page = client.get(url).get_data(as_text=True)
    nonce = re.search(r'name="nonce" type="hidden" value="([^"]+)"', page).group(1)
    response = _post(client, url, present="yes", reason=REASON, nonce=nonce)
    assert response.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "Wpisana później z papierowej listy obecności" in page and REASON in page
    table = client.get(f"/organizer/events/{event_id}/registrations").get_data(as_text=True)
    assert "Wpisana później z papierowej listy obecności" in table
    history = client.get(f"/organizer/events/{event_id}/audit").get_data(as_text=True)
    assert "Poprawiono obecność z papierowej listy" in history


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"present": "yes", "reason": ""}, "reason", "Napisz, dlaczego"),
        ({"present": "yes", "reason": "x" * 501}, "reason", "najwyżej 500 znaków"),
        ({"reason": REASON}, "present", "Wybierz"),
    ],
)
def test_a_refused_correction_says_why_next_to_the_field(
    app, client, past_event, fields, field, message
):
    event_id, person_id = past_event
    log_in(client)
    url = f"/organizer/events/{event_id}/registrations/{person_id}/correction"
    response = _post(client, url, **fields)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    error = re.search(rf'id="{field}-error">(.*?)</p>', page, re.S).group(1)
    assert message in error
    with app.app_context():
        assert db.session.get(Registration, person_id).checked_in_at is None


def test_before_the_start_the_page_refuses_in_english_too(app, client):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
        event = make_event()
        person = register_attendee(event.id, attendee(), notify=False)
        event_id, person_id = event.id, person.id
    log_in(client, language="en")
    url = f"/organizer/events/{event_id}/registrations/{person_id}/correction"
    assert "It has not started yet" in client.get(url).get_data(as_text=True)
    response = _post(client, url, present="yes", reason=REASON)
    assert response.status_code == 409
    error = re.search(r'id="present-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert "It has not started yet" in error.group(1)


def test_someone_not_an_organizer_may_not_open_the_page(app, client, past_event):
    event_id, person_id = past_event
    log_in(client, email="bramka@example.org")
    url = f"/organizer/events/{event_id}/registrations/{person_id}/correction"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"present": "yes", "reason": REASON}).status_code in (400, 403)
    with app.app_context():
        assert db.session.get(Registration, person_id).checked_in_at is None


def test_another_events_person_is_not_found(app, client, past_event):
    event_id, _person_id = past_event
    with app.app_context():
        other = make_event()
        stranger = register_attendee(other.id, attendee(), notify=False).id
    log_in(client)
    url = f"/organizer/events/{event_id}/registrations/{stranger}/correction"
    assert client.get(url).status_code == 404


# How each presence was recorded: shown, exported and counted, the kinds adding up.


def _three_kinds_at_a_past_event():
    """An event that is over: one person scanned at the door, one added at the door,
    one entered from the sheet, one who did not come."""
    organizer = make_user(email="org@example.org", password=PASSWORD)
    event = make_event(capacity=None)
    door, walk_in, sheet, _absent = (
        register_attendee(event.id, attendee(last_name=name), notify=False)
        for name in ("Drzwiowa", "Dopisana", "Papierowa", "Nieobecna")
    )
    actor = Actor(user_id=organizer.id)
    check_in_registration(event.id, door.id, actor)
    check_in_registration(event.id, walk_in.id, actor)
    walked = db.session.get(Registration, walk_in.id)
    walked.walk_in, walked.checked_in_how = True, Presence.WALK_IN  # as checkin.walk_ins does
    db.session.commit()
    into_the_past(event.id)
    correct_presence(event.id, sheet.id, organizer, present=True, reason=REASON)
    return event.id


def test_the_report_counts_each_kind_and_the_kinds_add_up(app, client):
    with app.app_context():
        event_id = _three_kinds_at_a_past_event()
        for report in (build_report(event_id), build_report()):
            assert report.attended == 3
            assert report.attended_by_how == {
                Presence.DOOR: 1,
                Presence.WALK_IN: 1,
                Presence.SHEET: 1,
            }
            assert sum(report.attended_by_how.values()) == report.attended
            assert report.no_shows == 1
    log_in(client)
    page = client.get(f"/organizer/events/{event_id}/report").get_data(as_text=True)
    kinds = re.search(r'id="attended-by-how">(.*?)</dl>', page, re.S).group(1)
    for label in ("Potwierdzona przy wejściu", "Dopisana przy wejściu", "Wpisana później z"):
        assert label in kinds
    rows = client.get(f"/organizer/events/{event_id}/report.csv").get_data(as_text=True)
    rows = [line.split(";") for line in rows.lstrip("\ufeff").splitlines()]
    by_item = {row[1]: row for row in rows}
    kinds = [
        int(by_item[label][3])
        for label in (
            "Potwierdzona przy wejściu",
            "Dopisana przy wejściu",
            "Wpisana później z papierowej listy obecności",
        )
    ]
    assert kinds == [1, 1, 1] and sum(kinds) == int(by_item["Potwierdzeni / obecni"][3])


def test_exports_say_how_each_person_was_present(app, client):
    with app.app_context():
        event_id = _three_kinds_at_a_past_event()
    log_in(client)
    data = client.get(f"/organizer/events/{event_id}/participants.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data), delimiter=";"))
    header, body = rows[0], rows[1:]
    how = {
        row[header.index("Nazwisko")]: row[header.index("Jak odnotowano obecność")] for row in body
    }
    assert how == {
        "Drzwiowa": "Potwierdzona przy wejściu",
        "Dopisana": "Dopisana przy wejściu",
        "Papierowa": "Wpisana później z papierowej listy obecności",
        "Nieobecna": "",
    }
    response = client.get(f"/organizer/events/{event_id}/participants.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    column = rows[0].index("Jak odnotowano obecność")
    assert sorted(str(row[column] or "") for row in rows[1:]) == sorted(how.values())


def test_the_matrix_shows_how_and_links_each_started_session_to_a_correction(app, client):
    with app.app_context():
        organizer = make_user(email="org@example.org", password=PASSWORD)
        course = make_course(weekly=True)
        person = register_attendee(course.id, attendee(), notify=False)
        first, second, third = (session.id for session in course.sessions)
        into_the_past(course.id, days=17)  # two sessions are over, the third is to come
        # Scanned at the first session, in its time (a device syncing afterwards).
        at_first = db.session.get(CourseSession, first)
        perform_check_in(
            door_request(
                course,
                Actor(user_id=organizer.id),
                ScanMethod.CAMERA,
                at=at_first.starts_at,
                session=at_first,
            ),
            person.id,
        )
        correct_presence(
            course.id, person.id, organizer, present=True, reason=REASON, session_id=second
        )
        matrix = attendance_matrix(db.session.get(Event, course.id))
        [row] = matrix.rows
        assert row.how == {first: Presence.DOOR, second: Presence.SHEET}
        assert matrix.kinds(course.sessions[1])[Presence.SHEET] == 1
        course_id, person_id = course.id, person.id
    log_in(client)
    page = client.get(f"/organizer/events/{course_id}/attendance").get_data(as_text=True)
    link = f"/organizer/events/{course_id}/registrations/{person_id}/correction?session="
    assert f"{link}{first}" in page and f"{link}{second}" in page
    assert f"{link}{third}" not in page
    assert "Wpisana później z papierowej listy obecności" in page
    # The correction page opens at the session asked for, and lists the correction.
    page = client.get(f"{link}{second}").get_data(as_text=True)
    assert f'<option selected value="{second}">' in page or f'value="{second}" selected' in page
    assert REASON in page


def test_the_printable_sheet_marks_people_added_at_the_door(app, client):
    with app.app_context():
        _three_kinds_at_a_past_event()
        event_id = db.session.scalar(sa.select(Event.id))
    log_in(client)
    response = client.get(f"/organizer/events/{event_id}/attendance.pdf")
    pages = PdfReader(io.BytesIO(response.data)).pages
    text = " ".join(" ".join(page.extract_text() for page in pages).split())  # lines joined
    assert text.count("(dopisana przy wejściu)") == 1


def test_odd_values_posted_by_hand_are_refused_never_a_500(app, client):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD)
        course = make_course()
        person = register_attendee(course.id, attendee(), notify=False)
        into_the_past(course.id)
        course_id, person_id = course.id, person.id
    log_in(client)
    url = f"/organizer/events/{course_id}/registrations/{person_id}/correction"
    for session in ("99999999999999999999", "-1", "abc", ""):
        response = _post(client, url, present="yes", reason=REASON, session=session)
        assert response.status_code == 409
        error = re.search(r'id="session-error">(.*?)</p>', response.get_data(as_text=True), re.S)
        assert "Wybierz sesję" in error.group(1)
    response = _post(client, url, present="tak", reason=REASON, nonce="n" * 500)
    assert response.status_code == 400
    with app.app_context():
        first = db.session.get(Event, course_id).sessions[0].id
    response = _post(client, url, present="yes", reason=REASON, session=str(first), nonce="n" * 500)
    assert response.status_code == 302


def test_the_page_says_when_the_decision_refuses(app, client, past_event):
    event_id, person_id = past_event
    with app.app_context():
        cancelled = make_registration(
            db.session.get(Event, event_id), RegistrationStatus.CANCELLED
        ).id
    log_in(client)
    for registration_id, message in ((cancelled, "anulowane"), (person_id, None)):
        url = f"/organizer/events/{event_id}/registrations/{registration_id}/correction"
        response = _post(client, url, present="yes", reason=REASON)
        if message is None:  # made; marked present once more: already
            assert response.status_code == 302
            response = _post(client, url, present="yes", reason=REASON)
            message = "ma już odnotowaną obecność"
        assert response.status_code == 409
        error = re.search(r'id="present-error">(.*?)</p>', response.get_data(as_text=True), re.S)
        assert message in error.group(1)
