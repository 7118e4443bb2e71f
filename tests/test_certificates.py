"""Certificates of completion: only for those who attended enough, as a PDF in the
person's language sent through the outbox, verifiable in public, revocable, and
nameless after erasure."""

import io
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
import zxingcpp
from flask_babel import force_locale, format_date
from PIL import Image
from pypdf import PdfReader

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import (
    AuditEntry,
    Certificate,
    Event,
    Registration,
    RegistrationMode,
    Role,
    User,
    utcnow,
)
from events.services.checkin.corrections import correct_presence
from events.services.courses.certificate_check import breaking_certificates
from events.services.courses.certificates import (
    CertificateError,
    issue_certificates,
    set_rule,
    standings,
)
from events.services.privacy import erase_person
from events.services.registration import approve_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import (
    attendee,
    check_in_at,
    make_course,
    make_event,
    make_user,
    old_presence,
)

PASSWORD = "haslo-do-zaswiadczen"


@pytest.fixture
def app_config(smtp_server):
    return {
        "MAIL_SERVER": smtp_server.hostname,
        "MAIL_PORT": smtp_server.port,
        "BASE_URL": "https://rejestracja.example.org",
    }


def _weeks_ago(weeks: int):
    return utcnow().replace(microsecond=0) - timedelta(weeks=weeks)


@pytest.fixture
def course(app):
    """A course of three 3-hour sessions, over (the last one a week ago): Łucja came to
    two, checked in at the door as each began, Bogdan to none; both were accepted once,
    for the whole course."""
    with app.app_context():
        course = make_course(hours=(3, 3, 3), start=_weeks_ago(3), mode=RegistrationMode.APPROVAL)
        organizer = make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        applied = course.starts_at - timedelta(days=7)
        lucja = register_attendee(
            course.id,
            attendee(first_name="Łucja", last_name="Gęślińska", email="lucja@example.org"),
            notify=False,
            now=applied,
        )
        bogdan = register_attendee(
            course.id,
            attendee(first_name="Bogdan", last_name="Nieobecny", email="bogdan@example.org"),
            notify=False,
            now=applied,
        )
        approve_registration(lucja.id, now=applied)
        approve_registration(bogdan.id, now=applied)
        first, second, _third = course.sessions
        for session in (first, second):
            check_in_at(course, lucja.id, session.starts_at - timedelta(minutes=10), session)
        organizer_id = organizer.id
        return {"id": course.id, "lucja": lucja.id, "bogdan": bogdan.id, "title": course.title,
                "organizer": organizer_id}  # fmt: skip


def _log_in(client):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )
    return csrf_token(client, "/")


def _set_rule(client, token, course_id, percent):
    return client.post(
        f"/organizer/events/{course_id}/certificates/rule",
        data={"csrf_token": token, "certificate_min_percent": str(percent)},
        follow_redirects=True,
    )


def _issue(client, token, course_id, **one):
    return client.post(
        f"/organizer/events/{course_id}/certificates/issue",
        data={"csrf_token": token, **one},
        follow_redirects=True,
    )


def _certificates(app):
    with app.app_context():
        return db.session.scalars(sa.select(Certificate).order_by(Certificate.id)).all()


def test_two_of_three_sessions_meet_a_60_percent_rule_but_not_80(app, client, course):
    token = _log_in(client)
    page = _set_rule(client, token, course["id"], 80).text
    assert "The certificate rule was saved." in page and "66%" in page
    assert "Issue and email" not in page  # nobody meets 80%
    refused = _issue(client, token, course["id"], registration_id=str(course["lucja"]))
    assert "This person does not meet the rule for a certificate." in refused.text
    assert _certificates(app) == []

    page = _set_rule(client, token, course["id"], 60).text
    assert "Issue and email 1 certificate" in page
    issued = _issue(client, token, course["id"])
    assert "1 certificate was issued and is being emailed." in issued.text
    [certificate] = _certificates(app)
    assert certificate.registration_id == course["lucja"]  # never the no-show
    assert certificate.holder_name == "Łucja Gęślińska"
    assert (certificate.minutes_attended, certificate.minutes_total) == (360, 540)
    assert (certificate.sessions_attended, certificate.sessions_total) == (2, 3)
    refused = _issue(client, token, course["id"], registration_id=str(course["bogdan"]))
    assert "does not meet the rule" in refused.text
    # Issuing again gives nobody a second one.
    assert "0 certificates were issued" in _issue(client, token, course["id"]).text
    assert len(_certificates(app)) == 1


def test_the_certificate_pdf_arrives_by_email_in_polish_with_a_qr_code_to_verify(
    app, client, course, smtp_server
):
    token = _log_in(client)
    _set_rule(client, token, course["id"], 60)
    _issue(client, token, course["id"])
    [certificate] = _certificates(app)
    with app.app_context():
        deliver_due()
    subject = f"Zaświadczenie o ukończeniu: {course['title']}"

    def certificates_to(address):
        return [m for m in smtp_server.inbox.to(address) if m["Subject"] == subject]

    assert certificates_to("bogdan@example.org") == []  # nothing for a no-show
    [message] = certificates_to("lucja@example.org")
    [attachment] = [part for part in message.walk() if part.get_filename()]
    assert attachment.get_filename() == f"zaswiadczenie-{certificate.number}.pdf"
    assert attachment.get_content_type() == "application/pdf"
    reader = PdfReader(io.BytesIO(attachment.get_payload(decode=True)))
    text = reader.pages[0].extract_text()
    for expected in (
        "Zaświadczenie o ukończeniu szkolenia",
        "Łucja Gęślińska",
        "Szkolenie liderów lokalnych",
        "Moduł 1",
        "Moduł 2",
        certificate.number,
        "6 z 9",
    ):
        assert expected in text, expected
    assert "Moduł 3" not in text  # only the sessions attended are listed
    verify_url = f"https://rejestracja.example.org/verify/{certificate.number}"
    assert verify_url in text
    [image] = reader.pages[0].images
    [code] = zxingcpp.read_barcodes(Image.open(io.BytesIO(image.data)))
    assert code.text == verify_url
    body = message.get_body(("plain",)).get_content()
    assert verify_url in body


def test_verification_before_and_after_revocation_and_after_erasure(app, client, course):
    token = _log_in(client)
    _set_rule(client, token, course["id"], 60)
    _issue(client, token, course["id"])
    [certificate] = _certificates(app)
    public = app.test_client()
    public.set_cookie("lang", "en")
    page = public.get(f"/verify/{certificate.number.lower().replace('-', '')}")
    assert page.status_code == 200
    assert "This certificate is genuine and valid." in page.text
    assert "Łucja Gęślińska" in page.text and course["title"] in page.text
    assert public.get("/verify/AAAA-BBBB-CCCC-DDDD").status_code == 404
    polish = app.test_client().get(f"/verify/{certificate.number}").text
    assert "Numer zaświadczenia" in polish and "<dt>Szkolenie</dt>" in polish
    assert "Liczba" not in polish and "Dla kogo" not in polish
    # A rule changed after issuing: said, and the certificate stands.
    changed = _set_rule(client, token, course["id"], 90)
    assert "1 certificate was already issued under the earlier rule: it stays valid." in (
        changed.text
    )
    assert "genuine and valid" in public.get(f"/verify/{certificate.number}").text
    client.post(
        f"/organizer/events/{course['id']}/certificates/{certificate.id}/revoke",
        data={"csrf_token": token},
    )
    page = public.get(f"/verify/{certificate.number}").text
    assert "was revoked on" in page and "genuine and valid" not in page
    with app.app_context():
        actions = db.session.scalars(
            sa.select(AuditEntry.action).where(AuditEntry.action.like("certificate%"))
        ).all()
        assert actions == [
            "certificate_rule_changed",
            "certificate_issued",
            "certificate_rule_changed",
            "certificate_revoked",
        ]
        erase_person("lucja@example.org", None)
    page = public.get(f"/verify/{certificate.number}").text
    assert "Łucja" not in page and "Gęślińska" not in page
    assert "name removed at the person's request" in page


def test_the_person_finds_the_certificate_on_their_page(app, client, course):
    token = _log_in(client)
    _set_rule(client, token, course["id"], 60)
    _issue(client, token, course["id"])
    [certificate] = _certificates(app)
    with app.app_context():
        manage = db.session.get(Registration, course["lucja"]).manage_token
        other = db.session.get(Registration, course["bogdan"]).manage_token
    person = app.test_client()
    person.set_cookie("lang", "en")
    page = person.get(f"/r/{manage}").text
    link = f"/r/{manage}/certificates/{certificate.number}.pdf"
    assert link in page
    pdf = person.get(link)
    assert pdf.mimetype == "application/pdf"
    assert "Łucja Gęślińska" in PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    # Another person's link does not open it.
    assert person.get(f"/r/{other}/certificates/{certificate.number}.pdf").status_code == 404
    assert "certificate" not in person.get(f"/r/{other}").text.lower()


def test_a_single_event_certifies_only_people_checked_in(ctx):
    ended = utcnow().replace(microsecond=0) - timedelta(hours=1)
    event = make_event(starts_at=ended - timedelta(hours=4), ends_at=ended)
    organizer = make_user()
    applied = event.starts_at - timedelta(days=3)
    came = register_attendee(event.id, attendee(), notify=False, now=applied)
    register_attendee(event.id, attendee(), notify=False, now=applied)  # a no-show
    with pytest.raises(CertificateError) as refused:
        issue_certificates(event.id, organizer)
    assert refused.value.code == "no_rule"
    set_rule(event.id, 100, organizer)
    check_in_at(event, came.id, event.starts_at)
    [certificate] = issue_certificates(event.id, organizer)
    assert certificate.registration_id == came.id
    assert certificate.minutes_attended == certificate.minutes_total == 240


def test_the_certificate_is_in_the_language_the_person_registered_in(app, client, course):
    with app.app_context():
        person = db.session.get(Registration, course["lucja"])
        person.language = "en"
        db.session.commit()
        manage = person.manage_token
    token = _log_in(client)
    _set_rule(client, token, course["id"], 60)
    _issue(client, token, course["id"])
    [certificate] = _certificates(app)
    assert certificate.language == "en"
    pdf = app.test_client().get(f"/r/{manage}/certificates/{certificate.number}.pdf")
    text = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Certificate of completion" in text and "Hours attended: 6 of 9." in text
    assert "Zaświadczenie" not in text and "Łucja Gęślińska" in text


# Only after the fact: once it has ended, from presences that count ----------------


def _attendance_page(client, course_id):
    return client.get(f"/organizer/events/{course_id}/attendance").text


def test_issuing_before_the_course_has_ended_is_refused_in_words_not_a_500(app, client):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        course = make_course(hours=(3, 3, 3))  # next week
        person = register_attendee(course.id, attendee(), notify=False)
        first = course.sessions[0]
        check_in_at(course, person.id, first.starts_at, first)  # inside the window
        course_id, person_id = course.id, person.id
    token = _log_in(client)
    page = _set_rule(client, token, course_id, 30).text
    assert "Certificates can be issued once the course has ended: from" in page
    assert "Issue and email" not in page and "meets the rule; after the end" in page
    for one in ({}, {"registration_id": str(person_id)}):
        refused = _issue(client, token, course_id, **one)
        assert refused.status_code == 200
        assert "Certificates can be issued only after the course has ended." in refused.text
    assert _certificates(app) == []
    client.set_cookie("lang", "pl")
    polish = _issue(client, token, course_id).text
    assert "Zaświadczenia można wydać dopiero po zakończeniu szkolenia." in polish


def test_a_single_event_issues_nothing_before_its_end(ctx):
    event = make_event()
    organizer = make_user()
    person = register_attendee(event.id, attendee(), notify=False)
    check_in_at(event, person.id, event.starts_at)
    set_rule(event.id, 100, organizer)
    with pytest.raises(CertificateError) as refused:
        issue_certificates(event.id, organizer)
    assert refused.value.code == "not_ended"
    with force_locale("en"):
        assert "only after the event has ended" in str(refused.value.message)


def test_only_presences_inside_their_windows_overridden_or_from_the_sheet_count(app, course):
    with app.app_context():
        event = db.session.get(Event, course["id"])
        first, second, third = event.sessions
        organizer = db.session.get(User, course["organizer"])
        set_rule(event.id, 30, organizer)
        late = [register_attendee(event.id, attendee(), notify=False, now=event.starts_at
                                  - timedelta(days=1)) for _ in range(3)]  # fmt: skip
        for person in late:
            approve_registration(person.id, now=event.starts_at - timedelta(days=1))
        day_before = first.starts_at - timedelta(days=1)
        # The bug, as the door recorded it before windows: counts for nothing.
        old_presence(late[0], day_before, first)
        check_in_at(event, late[1].id, day_before, first, reason="Przyszła dzień wcześniej",
                    user=organizer)  # fmt: skip
        # Today, long after the course, from the signed paper sheet of the third session.
        correct_presence(event.id, late[2].id, organizer, present=True,
                         reason="Lista obecności podpisana", session_id=third.id)  # fmt: skip
        meets = {s.registration.id: s.eligible for s in standings(event)}
        assert meets[late[0].id] is False  # outside the window, no override
        assert meets[late[1].id] is True and meets[late[2].id] is True
        issued = {c.registration_id: c for c in issue_certificates(event.id, organizer)}
        assert set(issued) == {course["lucja"], late[1].id, late[2].id}
        # It states the dates attended, none after its issue date.
        lucja = issued[course["lucja"]]
        assert lucja.details["attended_from"] == first.starts_at.isoformat()
        assert lucja.details["attended_until"] == second.ends_at.isoformat()
        assert datetime.fromisoformat(lucja.details["attended_until"]) <= lucja.issued_at
        assert breaking_certificates(event) == []


def _old_certificate(event, registration, issued_at) -> Certificate:
    """A certificate as the first version issued it (no check of the end, every
    presence counted, the course's dates on it): the data the check has to find."""
    sessions = [
        {"title": s.title, "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
         "attended": True}
        for s in event.sessions[:1]
    ] + [
        {"title": s.title, "starts_at": s.starts_at.isoformat(), "ends_at": s.ends_at.isoformat(),
         "attended": False}
        for s in event.sessions[1:]
    ]  # fmt: skip
    certificate = Certificate(
        event_id=event.id,
        registration_id=registration.id,
        holder_name=registration.full_name,
        minutes_attended=event.sessions[0].minutes,
        minutes_total=sum(s.minutes for s in event.sessions),
        sessions_attended=1,
        sessions_total=len(event.sessions),
        rule_percent=event.certificate_min_percent or 10,
        details={"title": event.title, "starts_at": event.starts_at.isoformat(),
                 "ends_at": event.ends_at.isoformat(), "sessions": sessions, "issuer": "DR"},
        issued_at=issued_at,
        issued_by="org@example.org",
    )  # fmt: skip
    db.session.add(certificate)
    db.session.commit()
    return certificate


def test_certificates_that_break_the_rule_are_listed_by_the_command_and_on_the_page(
    app, client, runner, course
):
    token = _log_in(client)
    _set_rule(client, token, course["id"], 60)
    _issue(client, token, course["id"])  # Łucja's, issued after the end: it stands
    with app.app_context():
        # What users saw: checked in the day before a session, issued that day.
        early = make_course(hours=(3, 3, 3), weekly=True)
        person = register_attendee(early.id, attendee(last_name="Pośpieszna"), notify=False)
        old_presence(person, utcnow(), early.sessions[0])  # as the door did before windows
        too_soon = _old_certificate(early, person, utcnow())
        # Issued after the end, but from a presence made after its window had closed.
        ended = db.session.get(Event, course["id"])
        bogdan = db.session.get(Registration, course["bogdan"])
        old_presence(bogdan, ended.ends_at + timedelta(days=1), ended.sessions[0])
        unfounded = _old_certificate(ended, bogdan, ended.ends_at + timedelta(days=2))
        early_id, numbers = early.id, (too_soon.number, unfounded.number)

    result = runner.invoke(args=["certificates", "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    [soon_line] = [line for line in lines if numbers[0] in line]
    assert "issued before the end" in soon_line
    assert "states a date after its issue date" in soon_line
    assert "outside its check-in window" in soon_line
    [unfounded_line] = [line for line in lines if numbers[1] in line]
    assert "outside its check-in window" in unfounded_line
    assert "before the end" not in unfounded_line
    assert "2 certificate(s) break the rule" in result.output
    [standing] = [c for c in _certificates(app) if c.registration_id == course["lucja"]]
    assert standing.number not in result.output

    page = _attendance_page(client, early_id)
    assert "Certificates that break the rule" in page and numbers[0] in page
    # The matrix shows the presence, and that it does not count.
    assert page.count("outside the check-in window: does not count for a certificate") == 1
    assert "issued before the end" in page
    page = _attendance_page(client, course["id"])
    assert page.count("outside the check-in window: does not count for a certificate") == 1
    assert numbers[1] in page.split('id="breaking"')[1] and standing.number in page
    assert standing.number not in page.split('id="breaking"')[1].split("</ul>")[0]
    polish = app.test_client()
    polish.set_cookie("lang", "pl")
    _log_in(polish)
    polish.set_cookie("lang", "pl")
    assert "Zaświadczenia niezgodne z zasadą" in _attendance_page(polish, early_id)

    # Revoked from the list: the check finds nothing more, the page lists nothing more.
    for event_id, number in ((early_id, numbers[0]), (course["id"], numbers[1])):
        [certificate] = [c for c in _certificates(app) if c.number == number]
        client.post(
            f"/organizer/events/{event_id}/certificates/{certificate.id}/revoke",
            data={"csrf_token": token},
        )
    result = runner.invoke(args=["certificates", "check"])
    assert result.exit_code == 0 and "No issued certificate breaks the rule." in result.output
    assert "Certificates that break the rule" not in _attendance_page(client, early_id)
    public = app.test_client()
    public.set_cookie("lang", "en")
    assert "was revoked on" in public.get(f"/verify/{numbers[0]}").text


def test_the_certificate_states_the_dates_attended_not_the_course_s(app, client, course):
    token = _log_in(client)
    _set_rule(client, token, course["id"], 60)
    _issue(client, token, course["id"])
    [certificate] = _certificates(app)
    with app.test_request_context(), force_locale("en"):
        first, second, third = db.session.get(Event, course["id"]).sessions
        came, until, last = (format_date(at, "d MMMM y") for at in
                             (first.starts_at, second.ends_at, third.ends_at))  # fmt: skip
    public = app.test_client()
    public.set_cookie("lang", "en")
    when = public.get(f"/verify/{certificate.number}").text.split("<dt>When</dt>")[1]
    when = when.split("</dd>")[0]
    assert came in when and until in when and last not in when
    assert certificate.issued_at >= datetime.fromisoformat(certificate.details["attended_until"])
