"""Invitations: a list imported with a preview (nothing saved before the
confirmation), personal links that pre-fill the form, invitation-only events,
one-click decline and opt-out, one reminder, the download."""

import io
import re

import pytest
import sqlalchemy as sa
from openpyxl import Workbook

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import (
    Event,
    Invitation,
    InvitationStatus,
    OutboxMessage,
    Registration,
    Role,
    User,
)
from events.services.checkin.door import Actor, check_in_registration
from events.services.registration import cancel_registration, register_attendee
from events.timezone import WARSAW
from tests.conftest import csrf_token
from tests.factories import attendee, form_data, make_event, make_user, next_week

PASSWORD = "haslo-do-zaproszen"
HEADING = ["Imię i nazwisko", "E-mail", "Organizacja", "Powiat"]


@pytest.fixture
def app_config(smtp_server):
    return {"MAIL_SERVER": smtp_server.hostname, "MAIL_PORT": smtp_server.port}


@pytest.fixture
def seminar(app):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        event = make_event(
            title="Seminarium w Lesznie", invitation_only=True, capacity=40, **next_week()
        )
        return {"id": event.id, "slug": event.slug}


def _log_in(client):
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post(
        "/login", data={"email": "org@example.org", "password": PASSWORD, "csrf_token": token}
    )
    return csrf_token(client, "/")


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client, token, event_id, name, data):
    return client.post(
        f"/organizer/events/{event_id}/invitations/preview",
        data={"csrf_token": token, "list": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def _invitations(app):
    with app.app_context():
        return db.session.scalars(sa.select(Invitation).order_by(Invitation.id)).all()


def _send(client, token, event_id, preview):
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text).group(1)
    return client.post(
        f"/organizer/events/{event_id}/invitations/send",
        data={"csrf_token": token, "payload": payload},
        follow_redirects=True,
    )


def test_an_xlsx_list_is_previewed_with_its_problems_and_saved_only_when_confirmed(
    app, client, seminar, smtp_server
):
    token = _log_in(client)
    data = _xlsx(
        [
            HEADING,
            ["Grażyna Żurawska", "grazyna@example.org", "Stowarzyszenie Ślężanie", "leszczyński"],
            ["Bez Adresu", "to-nie-adres", "Fundacja", "m-leszno"],
            ["Druga Grażyna", "GRAZYNA@example.org", "", ""],
            ["Jan Nieznany", "jan@example.org", "", "Atlantyda"],
            ['=HYPERLINK("http://x")', "formula@example.org", "", ""],
            ["Ola Kowal", "ola@example.org", "KGW Osieczna", "Leszno (miasto na prawach powiatu)"],
        ]
    )
    preview = _upload(client, token, seminar["id"], "lista.xlsx", data)
    assert preview.status_code == 200
    text = preview.text
    assert "2 rows will be invited." in text and "4 rows have a problem" in text
    assert "Not a valid email address." in text
    assert "The same address as in line 2." in text
    assert "Unknown county: Atlantyda." in text
    assert "A cell holds a formula" in text
    assert _invitations(app) == []  # nothing saved by the preview
    sent = _send(client, token, seminar["id"], preview)
    assert "2 invitations are being sent." in sent.text
    invited = _invitations(app)
    assert [(i.email, i.county) for i in invited] == [
        ("grazyna@example.org", "leszczynski"),
        ("ola@example.org", "m-leszno"),
    ]
    with app.app_context():
        deliver_due()
    [message] = smtp_server.inbox.to("grazyna@example.org")
    assert message["Subject"] == "Zaproszenie: Seminarium w Lesznie"
    html = message.get_body(("html",)).get_content()
    assert "<img" not in html  # no tracking pixel, no images at all
    body = message.get_body(("plain",)).get_content()
    assert f"/i/{invited[0].token}" in body and f"/i/{invited[0].token}/decline" in body
    # The same list again: everyone is already invited, nothing is sent twice.
    again = _upload(client, token, seminar["id"], "lista.xlsx", data)
    assert "Already invited to this event." in again.text
    assert "Send " not in again.text


def test_a_windows_1250_csv_keeps_its_polish_letters(app, client, seminar):
    token = _log_in(client)
    text = (
        "Imię i nazwisko;E-mail;Organizacja;Powiat\r\n"
        "Łucja Źdźbło;lucja@example.org;Koło Gospodyń w Żerkowie;jarociński\r\n"
    )
    preview = _upload(client, token, seminar["id"], "lista.csv", text.encode("cp1250"))
    assert "Łucja Źdźbło" in preview.text and "Koło Gospodyń w Żerkowie" in preview.text
    assert "1 row will be invited." in preview.text
    _send(client, token, seminar["id"], preview)
    [invitation] = _invitations(app)
    assert invitation.name == "Łucja Źdźbło" and invitation.county == "jarocinski"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("lista.xlsx", b"Imie;E-mail\r\nJan;jan@example.org\r\n", "is not an Excel workbook"),
        ("lista.csv", b"Nazwa;Telefon\r\nJan;600\r\n", "Missing: name, email"),
        ("lista.pdf", b"%PDF-1.4", "Upload a CSV file (.csv) or an Excel workbook"),
        ("lista.csv", b"\x00\x01\x02binary", "not a text (CSV) file"),
        ("lista.csv", b"   ", "The file is empty."),
        (
            "lista.csv",
            (
                "name;email\r\n" + "".join(f"P {n};p{n}@example.org\r\n" for n in range(10000))
            ).encode(),
            "more than 2000 rows",
        ),
        (
            "lista.csv",
            b"name;email\r\nJan;jan@example.org\r\n" + b"x" * 140_000 + b";a@example.org\r\n",
            "Line 3 of the file holds a cell far longer than a name",
        ),
    ],
)
def test_files_that_cannot_be_read_get_a_clear_message(app, client, seminar, name, data, message):
    token = _log_in(client)
    response = _upload(client, token, seminar["id"], name, data)
    assert response.status_code == 400
    assert message in response.text
    assert _invitations(app) == []


def _invite(app, client, token, seminar, *people):
    rows = [HEADING] + [[name, email, "Fundacja", ""] for name, email in people]
    preview = _upload(client, token, seminar["id"], "lista.xlsx", _xlsx(rows))
    _send(client, token, seminar["id"], preview)
    return {i.email: i.token for i in _invitations(app)}


def test_invitation_only_refuses_without_the_link_and_the_link_prefills_the_form(
    app, client, seminar
):
    token = _log_in(client)
    links = _invite(app, client, token, seminar, ("Anna Nowak", "anna@example.org"))
    visitor = app.test_client()
    visitor.set_cookie("lang", "en")
    page = visitor.get(f"/events/{seminar['slug']}/register")
    assert "by invitation only" in page.text and "registration-form" not in page.text
    form_token = csrf_token(visitor, "/lost-link")  # the form is not even shown
    refused = visitor.post(
        f"/events/{seminar['slug']}/register", data={**form_data(), "csrf_token": form_token}
    )
    assert "by invitation only" in refused.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 0
    # The personal link: the form is filled in with the invitation's details.
    page = visitor.get(f"/i/{links['anna@example.org']}")
    assert 'value="Anna"' in page.text and 'value="Nowak"' in page.text
    assert 'value="anna@example.org"' in page.text
    # Forwarded to a colleague, who changes the details: the invitation is used.
    form_token = csrf_token(visitor, f"/i/{links['anna@example.org']}")
    done = visitor.post(
        f"/i/{links['anna@example.org']}",
        data={**form_data(first_name="Beata", email="beata@example.org"), "csrf_token": form_token},
    )
    assert done.status_code == 302 and "/r/" in done.headers["Location"]
    [invitation] = _invitations(app)
    assert invitation.status == InvitationStatus.REGISTERED
    with app.app_context():
        registration = db.session.get(Registration, invitation.registration_id)
        assert registration.email == "beata@example.org"
    answers = client.get(f"/organizer/events/{seminar['id']}/invitations").text
    assert re.search(r"Registered</dt><dd>1", answers)


def test_decline_opt_out_one_reminder_and_the_download(app, client, seminar):
    token = _log_in(client)
    links = _invite(
        app,
        client,
        token,
        seminar,
        ("Cezary Odmowa", "cezary@example.org"),
        ("Dorota Cisza", "dorota@example.org"),
        ("Edward Dość", "edward@example.org"),
    )
    person = app.test_client()
    person.set_cookie("lang", "en")
    decline_url = f"/i/{links['cezary@example.org']}/decline"
    assert "I cannot come" in person.get(decline_url).text  # opening it changes nothing
    assert _invitations(app)[0].status == InvitationStatus.INVITED
    declined = person.post(decline_url, data={"csrf_token": csrf_token(person, decline_url)})
    assert "We have noted that you cannot come." in declined.text
    opt_url = f"/i/{links['edward@example.org']}/opt-out"
    person.post(opt_url, data={"csrf_token": csrf_token(person, opt_url)})
    statuses = {i.email: i.status for i in _invitations(app)}
    assert statuses == {
        "cezary@example.org": InvitationStatus.DECLINED,
        "dorota@example.org": InvitationStatus.INVITED,
        "edward@example.org": InvitationStatus.DECLINED,
    }
    reminded = client.post(
        f"/organizer/events/{seminar['id']}/invitations/remind",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "1 reminder is being sent." in reminded.text  # only Dorota
    again = client.post(
        f"/organizer/events/{seminar['id']}/invitations/remind",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "0 reminders are being sent." in again.text  # one reminder, never two
    with app.app_context():
        kinds = db.session.scalars(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.kind == "invitation")
        ).all()
        assert sorted(kinds).count("dorota@example.org") == 2
        other = make_event(title="Kolejne seminarium")
        other_id = other.id
    # Edward asked for no more invitations: another event's list says so.
    preview = _upload(
        client,
        token,
        other_id,
        "lista.xlsx",
        _xlsx([HEADING, ["Edward Dość", "edward@example.org", "", ""]]),
    )
    assert "This person asked not to be invited any more." in preview.text
    download = client.get(f"/organizer/events/{seminar['id']}/invitations.csv")
    lines = download.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "Name;Email address;Organization;County;Answer;Reminded"
    assert any(line.startswith("Cezary Odmowa;cezary@example.org;") and ";Declined;" in line
               for line in lines)  # fmt: skip


def test_past_participants_who_attended_can_be_invited(app, client, seminar):
    with app.app_context():
        meeting = make_event(title="Spotkanie w powiecie kościańskim")
        came = register_attendee(meeting.id, attendee(email="byla@example.org"), notify=False)
        register_attendee(meeting.id, attendee(email="nie-byla@example.org"), notify=False)
        organizer = db.session.scalar(sa.select(User).where(User.email == "org@example.org"))
        check_in_registration(meeting.id, came.id, Actor(user_id=organizer.id))
        meeting_id = meeting.id
    token = _log_in(client)
    preview = client.post(
        f"/organizer/events/{seminar['id']}/invitations/past",
        data={"csrf_token": token, "source": str(meeting_id), "attended": "y"},
    )
    assert "byla@example.org" in preview.text and "nie-byla@example.org" not in preview.text
    _send(client, token, seminar["id"], preview)
    assert [i.email for i in _invitations(app)] == ["byla@example.org"]


def test_seats_kept_for_invited_people_are_released_at_their_date(app, client, seminar):
    from datetime import timedelta

    from events.models import RegistrationStatus, utcnow
    from events.services.invitations.invite import release_invitee_seats

    token = _log_in(client)
    until = (utcnow() + timedelta(days=2)).astimezone(WARSAW)
    saved = client.post(
        f"/organizer/events/{seminar['id']}/invitations/settings",
        data={
            "csrf_token": token,
            "invitee_seats": "2",
            "invitee_seats_until": until.strftime("%Y-%m-%dT%H:%M"),
        },
        follow_redirects=True,
    )
    assert "Saved." in saved.text
    with app.app_context():
        event = db.session.get(Event, seminar["id"])
        assert not event.invitation_only and event.invitee_seats == 2
        event.capacity = 3
        db.session.commit()
    links = _invite(app, client, token, seminar, ("Iga Zaproszona", "iga@example.org"))
    with app.app_context():
        first = register_attendee(seminar["id"], attendee(), notify=False)
        second = register_attendee(seminar["id"], attendee(), notify=False)
        assert (first.status, second.status) == (
            RegistrationStatus.CONFIRMED,
            RegistrationStatus.WAITLISTED,  # the two other seats are kept for invited people
        )
    visitor = app.test_client()
    page = visitor.get(f"/i/{links['iga@example.org']}")
    form_token = csrf_token(visitor, f"/i/{links['iga@example.org']}")
    visitor.post(
        f"/i/{links['iga@example.org']}",
        data={**form_data(email="iga@example.org"), "csrf_token": form_token},
    )
    assert "registration-form" in page.text
    with app.app_context():
        iga = db.session.scalar(
            sa.select(Registration).where(Registration.email == "iga@example.org")
        )
        assert iga.status == RegistrationStatus.CONFIRMED  # a kept seat
        assert release_invitee_seats(utcnow()) == 0  # still kept: nobody moves up
        assert release_invitee_seats(utcnow() + timedelta(days=3)) == 1  # released
        db.session.expire_all()
        assert db.session.get(Registration, second.id).status == RegistrationStatus.CONFIRMED


def test_the_release_command_runs_from_cron(runner):
    result = runner.invoke(args=["release-invitee-seats"])
    assert result.exit_code == 0 and "0 person(s) given a seat" in result.output


def test_a_full_list_of_2000_rows_is_previewed_and_a_bigger_file_refused(app, client, seminar):
    token = _log_in(client)
    rows = "".join(
        f"Osoba {n};osoba{n}@example.org;Fundacja nr {n};m-poznan\r\n" for n in range(2000)
    )
    data = ("Imię i nazwisko;E-mail;Organizacja;Powiat\r\n" + rows).encode()
    preview = _upload(client, token, seminar["id"], "lista.csv", data)
    assert "2000 rows will be invited." in preview.text and "Send 2000 invitations" in preview.text
    too_big = _upload(client, token, seminar["id"], "lista.csv", data * 30)
    assert too_big.status_code == 400 and "larger than 2 MB" in too_big.text


def test_an_organizer_may_add_a_person_by_phone_to_an_event_by_invitation(app, seminar):
    from events.services.participants import add_by_hand

    with app.app_context():
        organizer = db.session.scalar(sa.select(User).where(User.email == "org@example.org"))
        added = add_by_hand(seminar["id"], attendee(), organizer, notify=False)
        assert added.status.value == "confirmed"


def test_the_programme_and_event_page_say_by_invitation(app, seminar):
    visitor = app.test_client()
    visitor.set_cookie("lang", "en")
    assert "By invitation" in visitor.get("/").text
    page = visitor.get(f"/events/{seminar['slug']}").text
    assert "by invitation only" in page
    assert f'href="/events/{seminar["slug"]}/register"' not in page


def test_a_language_column_chooses_the_invitation_s_language(app, client, seminar, smtp_server):
    token = _log_in(client)
    text = (
        "name;email;language\r\n"
        "John Smith;john@example.org;en\r\n"
        "Jan Kowalski;jan@example.org;\r\n"
        "Jean Dupont;jean@example.org;fr\r\n"
    )
    preview = _upload(client, token, seminar["id"], "list.csv", text.encode())
    assert "Unknown language: fr." in preview.text and "2 rows will be invited." in preview.text
    _send(client, token, seminar["id"], preview)
    assert {i.email: i.language for i in _invitations(app)} == {
        "john@example.org": "en",
        "jan@example.org": "pl",
    }
    with app.app_context():
        deliver_due()
    [english] = smtp_server.inbox.to("john@example.org")
    assert english["Subject"] == "Invitation: Seminarium w Lesznie"
    [polish] = smtp_server.inbox.to("jan@example.org")
    assert polish["Subject"] == "Zaproszenie: Seminarium w Lesznie"


def test_one_invitation_gives_one_seat(app, client, seminar):
    token = _log_in(client)
    links = _invite(app, client, token, seminar, ("Anna Nowak", "anna@example.org"))
    link = f"/i/{links['anna@example.org']}"
    visitor = app.test_client()
    visitor.set_cookie("lang", "en")
    form_token = csrf_token(visitor, link)
    first = visitor.post(
        link, data={**form_data(email="anna@example.org"), "csrf_token": form_token}
    )
    assert first.status_code == 302
    # The link passed on again after it was used: no second seat.
    page = visitor.get(link)
    assert "already been used to register" in page.text and "registration-form" not in page.text
    second = visitor.post(link, data={**form_data(), "csrf_token": form_token})
    assert second.status_code == 200 and "already been used to register" in second.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
        # Cancelled, the registration frees the invitation again.
        cancel_registration(db.session.scalar(sa.select(Registration.id)))
    assert "registration-form" in visitor.get(link).text


def test_a_workbook_is_read_only_as_far_as_its_list_goes(ctx, monkeypatch):
    """Thousands of cells beside the list are never read into rows, and a sheet that
    takes too long to read is refused with a clear reason instead of holding a worker."""
    from events.services.invitations import lists

    junk = [f"kolumna {n}" for n in range(500)]
    rows = [HEADING + junk] + [
        [f"Osoba {n}", f"osoba{n}@example.org", "Fundacja", "m-poznan"] + ["x"] * 500
        for n in range(100)
    ]
    wide = _xlsx(rows)
    monkeypatch.setattr(lists, "MAX_SECONDS", 600)  # however slow the machine running the test
    people = lists.read_invitation_file("lista.xlsx", wide)
    assert len(people) == 100 and people[0].email == "osoba0@example.org"

    monkeypatch.setattr(lists, "MAX_SECONDS", 0)  # as if the sheet were endless
    with pytest.raises(lists.InvitationFileError) as refusal:
        lists.read_invitation_file("lista.xlsx", wide)
    assert refusal.value.code == "too_slow"
    assert "nie da się odczytać w rozsądnym czasie" in str(refusal.value.message)  # in Polish
