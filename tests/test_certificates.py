"""Certificates of completion: only for those who attended enough, as a PDF in the
person's language sent through the outbox, verifiable in public, revocable, and
nameless after erasure."""

import io

import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image
from pypdf import PdfReader

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import AuditEntry, Certificate, Registration, RegistrationMode, Role
from events.services.checkin.door import Actor, check_in_registration
from events.services.courses.certificates import CertificateError, issue_certificates, set_rule
from events.services.privacy import erase_person
from events.services.registration import approve_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_course, make_event, make_user

PASSWORD = "haslo-do-zaswiadczen"


@pytest.fixture
def app_config(smtp_server):
    return {
        "MAIL_SERVER": smtp_server.hostname,
        "MAIL_PORT": smtp_server.port,
        "BASE_URL": "https://rejestracja.example.org",
    }


@pytest.fixture
def course(app):
    """A course of three 3-hour sessions: Łucja came to two, Bogdan to none; both were
    accepted once, for the whole course."""
    with app.app_context():
        course = make_course(hours=(3, 3, 3), mode=RegistrationMode.APPROVAL)
        organizer = make_user(email="org@example.org", password=PASSWORD, role=Role.ORGANIZER)
        lucja = register_attendee(
            course.id,
            attendee(first_name="Łucja", last_name="Gęślińska", email="lucja@example.org"),
            notify=False,
        )
        bogdan = register_attendee(
            course.id,
            attendee(first_name="Bogdan", last_name="Nieobecny", email="bogdan@example.org"),
            notify=False,
        )
        approve_registration(lucja.id)
        approve_registration(bogdan.id)
        first, second, _third = course.sessions
        for session in (first, second):
            check_in_registration(
                course.id, lucja.id, Actor(user_id=organizer.id), session_id=session.id
            )
        return {"id": course.id, "lucja": lucja.id, "bogdan": bogdan.id, "title": course.title}


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
    event = make_event()
    organizer = make_user()
    came = register_attendee(event.id, attendee(), notify=False)
    register_attendee(event.id, attendee(), notify=False)  # a no-show
    with pytest.raises(CertificateError) as refused:
        issue_certificates(event.id, organizer)
    assert refused.value.code == "no_rule"
    set_rule(event.id, 100, organizer)
    check_in_registration(event.id, came.id, Actor(user_id=organizer.id))
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
