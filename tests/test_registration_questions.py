"""An event's own questions in its registration form: stored with the registration, on
the person's page (editable until registration closes), in the table and the exports."""

import csv
import io
from datetime import timedelta

import sqlalchemy as sa

from events.extensions import db
from events.models import QuestionnaireKind, QuestionnaireResponse, Registration, utcnow
from events.services.privacy import erase_person
from events.services.questionnaires.builder import Settings, create_questionnaire, save_question
from tests.conftest import csrf_token
from tests.factories import form_data, make_event, make_user
from tests.test_questionnaires import PASSWORD


def _event_with_questions(app, **event_values):
    with app.app_context():
        event = make_event(**event_values)
        now = utcnow()
        questionnaire = create_questionnaire(
            Settings(
                kind=QuestionnaireKind.REGISTRATION,
                title_pl="Pytania przy zapisie",
                event_id=event.id,
                anonymous=True,  # ignored: the answers belong to the registration
                opens_at=now,
                closes_at=now + timedelta(days=30),
            ),
            None,
        )
        programme = save_question(questionnaire.id, "s1", {
            "type": "single", "text_pl": "Który program interesuje Cię najbardziej?",
            "text_en": "Which programme interests you most?", "required": True,
            "options_pl": ["Partnerstwa lokalne", "Ekonomia społeczna"]})  # fmt: skip
        diet = save_question(questionnaire.id, "s1", {
            "type": "short_text", "text_pl": "Skąd wiesz o spotkaniu?"})  # fmt: skip
        assert questionnaire.anonymous is False
        return event.slug, event.id, programme, diet, questionnaire.versions[-1].id


def _register(client, slug, version, **answers):
    url = f"/events/{slug}/register"
    data = form_data(csrf_token=csrf_token(client, url), version=version, **answers)
    return client.post(url, data=data), data["email"]


def test_the_answers_are_checked_kept_and_stored_with_the_registration(app, client):
    slug, _event_id, programme, source, version = _event_with_questions(app)
    page = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "Który program interesuje Cię najbardziej?" in page

    refused, _email = _register(client, slug, version, **{f"q-{source}": "Z newslettera"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200 and f'href="#q-{programme}-0"' in html
    assert 'value="Z newslettera"' in html and "Błąd:" in html  # kept, and the title says so
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 0

    done, email = _register(client, slug, version, **{f"q-{programme}": "o2"})
    assert done.status_code == 302
    manage = client.get(done.location).get_data(as_text=True)
    assert "Ekonomia społeczna" in manage and "Zmień odpowiedzi" in manage
    with app.app_context():
        response = db.session.scalars(sa.select(QuestionnaireResponse)).one()
        registration = db.session.scalars(sa.select(Registration)).one()
        assert response.registration_id == registration.id and response.answers == {programme: "o2"}


def test_answers_can_be_changed_until_registration_closes(app, client):
    slug, event_id, programme, source, version = _event_with_questions(app)
    done, _email = _register(client, slug, version, **{f"q-{programme}": "o1"})
    answers_url = done.location + "/answers"
    page = client.get(answers_url).get_data(as_text=True)
    assert 'value="o1" checked' in page
    token = csrf_token(client, answers_url)
    bad = client.post(answers_url, data={"csrf_token": token, "version": version,
                                         f"q-{programme}": "o7"})  # fmt: skip
    assert bad.status_code == 422 and "Wybierz jedną z podanych odpowiedzi." in bad.get_data(
        as_text=True
    )
    data = {"csrf_token": token, "version": version, f"q-{programme}": "o2",
            f"q-{source}": "Od znajomych"}  # fmt: skip
    good = client.post(answers_url, data=data)
    assert good.status_code == 302
    with app.app_context():
        response = db.session.scalars(sa.select(QuestionnaireResponse)).one()
        assert response.answers == {programme: "o2", source: "Od znajomych"}
        event = db.session.get(type(response.event), event_id)
        event.registration_closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    late = client.post(answers_url, data={"csrf_token": token, "version": version,
                                          f"q-{programme}": "o1"})  # fmt: skip
    assert late.status_code == 422 and "Zapisy są zamknięte" in late.get_data(as_text=True)
    assert "Zmień odpowiedzi" not in client.get(done.location).get_data(as_text=True)


def test_the_table_and_the_exports_have_the_answers(app, client):
    slug, event_id, programme, _source, version = _event_with_questions(app)
    _register(client, slug, version, **{f"q-{programme}": "o1"})
    with app.app_context():
        make_user(password=PASSWORD)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "organizator@example.org", "password": PASSWORD,
                                "csrf_token": token})  # fmt: skip
    table = client.get(f"/organizer/events/{event_id}/registrations").get_data(as_text=True)
    assert "Odpowiedzi przy zapisie" in table and "Partnerstwa lokalne" in table
    text = client.get(f"/organizer/events/{event_id}/participants.csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][-2:] == ["Który program interesuje Cię najbardziej?", "Skąd wiesz o spotkaniu?"]
    assert rows[1][-2:] == ["Partnerstwa lokalne", ""]


def test_erasure_takes_the_answers_with_the_registration(app, client):
    slug, _event_id, programme, _source, version = _event_with_questions(app)
    _response, email = _register(client, slug, version, **{f"q-{programme}": "o1"})
    with app.app_context():
        erase_person(email, None)
        assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 0


def test_questions_at_registration_have_no_public_link(app, client):
    _event_with_questions(app)
    with app.app_context():
        from events.models import Questionnaire

        key = db.session.scalar(sa.select(Questionnaire.public_key))
    assert client.get(f"/q/{key}").status_code == 404


def test_a_registration_by_phone_asks_the_same_questions(app, client):
    _slug, event_id, programme, _source, version = _event_with_questions(app)
    with app.app_context():
        make_user(password=PASSWORD)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "organizator@example.org", "password": PASSWORD,
                                "csrf_token": token})  # fmt: skip
    url = f"/organizer/events/{event_id}/registrations/new"
    data = form_data(csrf_token=csrf_token(client, url), version=version)
    missing = client.post(url, data=data)
    assert f'href="#q-{programme}-0"' in missing.get_data(as_text=True)
    assert client.post(url, data={**data, f"q-{programme}": "o2"}).status_code == 302
    with app.app_context():
        response = db.session.scalars(sa.select(QuestionnaireResponse)).one()
        assert response.answers == {programme: "o2"} and response.registration_id


def test_an_invitation_link_asks_the_events_questions_too(app, client):
    from events.models import Role
    from events.services.invitations.invite import invite_people
    from events.services.invitations.lists import ImportRow

    slug, event_id, programme, _source, version = _event_with_questions(app)
    with app.app_context():
        organizer = make_user(email="org@example.org", role=Role.COORDINATOR)
        row = ImportRow(1, "Ina Zaproszona", "ina@example.org", "Fundacja", None)
        [invitation] = invite_people(event_id, [row], organizer)
        token = invitation.token
    url = f"/i/{token}"
    assert "Który program interesuje Cię najbardziej?" in client.get(url).get_data(as_text=True)
    data = form_data(csrf_token=csrf_token(client, url), version=version, email="ina@example.org")
    refused = client.post(url, data=data)
    assert refused.status_code == 200 and f'href="#q-{programme}-0"' in refused.get_data(
        as_text=True
    )
    done = client.post(url, data={**data, f"q-{programme}": "o1"})
    assert done.status_code == 302
    with app.app_context():
        response = db.session.scalars(sa.select(QuestionnaireResponse)).one()
        registration = db.session.scalars(sa.select(Registration)).one()
        assert response.registration_id == registration.id
        assert response.answers == {programme: "o1"}


def test_a_registration_by_phone_shows_every_error_at_once(app, client):
    """The phone form goes through the registration form's one handler: the person's
    details and the answers are checked together on the first post, and a refusal of
    the rules (the address already registered) is said on the page."""
    _slug, event_id, programme, _source, version = _event_with_questions(app)
    with app.app_context():
        make_user(password=PASSWORD)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "organizator@example.org", "password": PASSWORD,
                                "csrf_token": token})  # fmt: skip
    url = f"/organizer/events/{event_id}/registrations/new"
    data = form_data(csrf_token=csrf_token(client, url), version=version, first_name="",
                     county="", **{f"q-{programme}": "o9"})  # fmt: skip
    both = client.post(url, data=data).get_data(as_text=True)
    start = both.index('id="error-summary"')
    summary = both[start : both.index("</ul>", start)]
    assert 'href="#first_name"' in summary and 'href="#county"' in summary
    assert f'href="#q-{programme}-0"' in summary and "Wybierz jedną z podanych odpowiedzi." in both
    assert 'value="Wiśniewska"' in both  # what was typed is kept

    good = {**data, "first_name": "Zofia", "county": "gnieznienski", f"q-{programme}": "o1"}
    assert client.post(url, data=good).status_code == 302
    again = client.post(url, data=good).get_data(as_text=True)
    assert "Ten adres e-mail jest już zarejestrowany na to wydarzenie." in again
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Registration.id))) == 1
