"""Questionnaire pages through the test client: answering, errors that keep the answers,
personal links, and the organizer's builder, paper entry, poster and results."""

import re
from datetime import timedelta

import sqlalchemy as sa

from events.extensions import db
from events.models import (
    EventKind,
    OutboxMessage,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireResponse,
    RegistrationStatus,
    ResponseSource,
    Role,
    utcnow,
)
from events.services.questionnaires.answering import latest_version
from events.services.questionnaires.builder import save_question
from tests.conftest import csrf_token
from tests.factories import make_event, make_programme, make_registration, make_user
from tests.test_questionnaires import PASSWORD, _invited, make_questionnaire


def _setup(app, **options):
    with app.app_context():
        questionnaire, keys = make_questionnaire(**options)
        return questionnaire.public_key, questionnaire.id, keys, latest_version(questionnaire.id).id


def _log_in(client, role=Role.COORDINATOR, email="organizator@example.org"):
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})


def test_the_page_shows_its_purpose_and_the_privacy_notice(app, client):
    key, _id, keys, _version = _setup(app)
    html = client.get(f"/q/{key}").get_data(as_text=True)
    assert "Zbieramy opinie o projekcie programu." in html
    assert 'href="/privacy#questionnaires"' in html
    assert 'id="questionnaires"' in client.get("/privacy").get_data(as_text=True)
    assert f'name="q-{keys[2]}"' in html and 'id="county"' in html


def test_errors_keep_every_answer_typed_and_link_to_the_fields(app, client):
    key, _id, keys, version = _setup(app)
    data = {
        "csrf_token": csrf_token(client, f"/q/{key}"),
        "version": version,
        "county": "",
        f"q-{keys[0]}": "Koło Gospodyń Wiejskich",
        f"q-{keys[1]}": "Więcej spotkań",
        f"q-{keys[3]}": ["o2", "other"],
        f"q-{keys[3]}-other": "Wolontariat",
        f"q-{keys[4]}": "9",
        f"q-{keys[6]}": "dużo",
    }
    response = client.post(f"/q/{key}", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'href="#county"' in html and f'href="#q-{keys[2]}-0"' in html  # required choice
    assert f'href="#q-{keys[4]}-0"' in html and f'href="#q-{keys[6]}"' in html
    assert 'value="Koło Gospodyń Wiejskich"' in html and ">Więcej spotkań</textarea>" in html
    assert re.search(rf'id="q-{keys[3]}-1" value="o2" checked', html)
    assert 'value="Wolontariat"' in html and 'value="dużo"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 0


def test_a_good_answer_is_thanked_and_tagged_with_the_meeting(app, client):
    key, _id, keys, version = _setup(app)
    with app.app_context():
        slug = make_event(slug="konsultacje-turek").slug
    data = {
        "csrf_token": csrf_token(client, f"/q/{key}"),
        "version": version,
        "county": "turecki",
        f"q-{keys[0]}": "Fundacja",
        f"q-{keys[2]}": "o2",
    }
    response = client.post(f"/q/{key}?meeting={slug}", data=data)
    assert response.status_code == 302 and response.location.endswith(f"/q/{key}/thanks")
    assert "Dziękujemy" in client.get(response.location).get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalars(sa.select(QuestionnaireResponse)).one()
        assert stored.county == "turecki" and stored.event.slug == "konsultacje-turek"


def test_a_personal_link_used_in_two_tabs_keeps_the_second_tabs_answers(app, client):
    with app.app_context():
        questionnaire, keys, invitation, _person, _meeting = _invited()
        token, version = invitation.token, latest_version(questionnaire.id).id
    first = csrf_token(client, f"/q/link/{token}")
    data = {"csrf_token": first, "version": version, f"q-{keys[0]}": "Pierwsza karta",
            f"q-{keys[2]}": "o1"}  # fmt: skip
    assert client.post(f"/q/link/{token}", data=data).status_code == 302
    data[f"q-{keys[0]}"] = "Druga karta"
    second = client.post(f"/q/link/{token}", data=data)
    html = second.get_data(as_text=True)
    assert second.status_code == 422
    assert "już wykorzystany" in html and 'value="Druga karta"' in html
    assert client.get(f"/q/link/{token}").status_code == 409
    tampered = client.get(f"/q/link/{token[:-2]}xx")
    assert tampered.status_code == 404 and "nie jest prawidłowy" in tampered.get_data(as_text=True)


def test_organizer_pages_and_paper_entry(app, client):
    _key, questionnaire_id, keys, version = _setup(app)
    with app.app_context():
        make_user(password=PASSWORD)
    _log_in(client)
    base = f"/organizer/questionnaires/{questionnaire_id}"
    for path in ("/organizer/questionnaires", base, f"{base}/settings", f"{base}/results",
                 f"{base}/questions/new", f"{base}/questions/{keys[0]}"):  # fmt: skip
        assert client.get(path).status_code == 200, path
    results = client.get(f"{base}/results?county=pilski&questionnaire_id=9").get_data(as_text=True)
    assert f'href="{base}/results.pdf?county=pilski"' in results  # only the filters go on
    poster = client.get(f"{base}/poster").get_data(as_text=True)
    assert (
        'src="data:image/png;base64,' in poster and "https://rejestracja.example.org/q/" in poster
    )
    data = {"csrf_token": csrf_token(client, f"{base}/paper"), "county": "pilski",
            f"q-{keys[0]}": "Z papieru", f"q-{keys[2]}": "o1"}  # fmt: skip
    assert client.post(f"{base}/paper", data=data).status_code == 302
    with app.app_context():
        stored = db.session.scalars(sa.select(QuestionnaireResponse)).one()
        assert stored.source == ResponseSource.PAPER and stored.county == "pilski"


def test_the_builder_adds_a_question(app, client):
    _key, questionnaire_id, _keys, _version = _setup(app)
    with app.app_context():
        make_user(password=PASSWORD)
    _log_in(client)
    url = f"/organizer/questionnaires/{questionnaire_id}/questions/new?section=s1"
    data = {"csrf_token": csrf_token(client, url), "type": "single", "text_pl": "Jedno?",
            "options_pl": "Tak\nNie"}  # fmt: skip
    refused = client.post(url, data={**data, "options_pl": "Tylko jedna"})
    assert "Podaj co najmniej dwie odpowiedzi" in refused.get_data(as_text=True)
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        question = latest_version(questionnaire_id).structure["sections"][0]["questions"][-1]
        assert question["text_pl"] == "Jedno?" and [o["pl"] for o in question["options"]] == [
            "Tak", "Nie",
        ]  # fmt: skip


def test_staff_cannot_open_the_results(app, client):
    _key, questionnaire_id, _keys, _version = _setup(app)
    with app.app_context():
        make_user(email="staff@example.org", password=PASSWORD, role=Role.STAFF)
    _log_in(client, email="staff@example.org")
    assert client.get(f"/organizer/questionnaires/{questionnaire_id}/results").status_code == 403


def test_answers_sent_after_closing_or_after_a_change_of_version_are_kept(app, client):
    key, questionnaire_id, keys, version = _setup(app)
    token = csrf_token(client, f"/q/{key}")
    data = {"csrf_token": token, "version": version, "county": "turecki",
            f"q-{keys[0]}": "Fundacja Zielona Dolina", f"q-{keys[2]}": "o1"}  # fmt: skip
    with app.app_context():
        save_question(questionnaire_id, "s1", {"type": "yes_no", "text_pl": "Nowe pytanie?"})
        db.session.add(QuestionnaireResponse(  # an answer to the first version exists
            questionnaire_id=questionnaire_id, version_id=version, answers={},
            source=ResponseSource.ONLINE, submitted_on=utcnow().date()))  # fmt: skip
        db.session.commit()
        save_question(questionnaire_id, "s1", {"type": "yes_no", "text_pl": "Jeszcze jedno?"})
    changed = client.post(f"/q/{key}", data=data)
    html = changed.get_data(as_text=True)
    assert changed.status_code == 422 and "Organizator zmienił ankietę" in html
    assert 'value="Fundacja Zielona Dolina"' in html and "Jeszcze jedno?" in html

    with app.app_context():
        questionnaire = db.session.get(Questionnaire, questionnaire_id)
        questionnaire.closes_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    closed = client.post(f"/q/{key}", data=data)
    html = closed.get_data(as_text=True)
    assert closed.status_code == 422 and "Ta ankieta jest zamknięta" in html
    assert 'value="Fundacja Zielona Dolina"' in html and "Wyślij odpowiedzi" not in html
    assert client.get(f"/q/{key}").status_code == 410


def test_the_list_is_filtered_by_programme(app, client):
    _setup(app)
    _setup(app, title_pl="Konsultacje programu ekonomii społecznej")
    with app.app_context():
        questionnaire = db.session.scalars(
            sa.select(Questionnaire).order_by(Questionnaire.id.desc())
        ).first()
        questionnaire.programme_id = make_programme("social-economy").id
        db.session.commit()
        make_user(password=PASSWORD)
    _log_in(client)
    everything = client.get("/organizer/questionnaires").get_data(as_text=True)
    assert "Konsultacje programu partnerstw" in everything and "ekonomii społecznej" in everything
    one = client.get("/organizer/questionnaires?programme=social-economy").get_data(as_text=True)
    assert "ekonomii społecznej" in one and "Konsultacje programu partnerstw" not in one


def test_an_organizer_sends_the_evaluation_without_waiting(app, client):
    with app.app_context():
        start = utcnow().replace(microsecond=0) - timedelta(hours=4)
        ended = make_event(starts_at=start, ends_at=start + timedelta(hours=3))
        came = make_registration(ended, RegistrationStatus.CONFIRMED, checked_in=True).email
        make_registration(ended, RegistrationStatus.CONFIRMED)  # did not come
        evaluation = make_questionnaire(
            kind=QuestionnaireKind.EVALUATION, event_id=ended.id, send_after_hours=24
        )[0]
        upcoming = make_event()
        early = make_questionnaire(kind=QuestionnaireKind.EVALUATION, event_id=upcoming.id)[0]
        ids = evaluation.id, early.id
        make_user(password=PASSWORD)
    _log_in(client)
    for questionnaire_id, notice in zip(
        ids, ("Wysłane osobiste linki: 1.", "po zakończeniu"), strict=True
    ):
        url = f"/organizer/questionnaires/{questionnaire_id}"
        client.post(f"{url}/evaluation", data={"csrf_token": csrf_token(client, url)})
        assert notice in client.get(url).get_data(as_text=True)
    with app.app_context():
        assert [m.recipient for m in db.session.scalars(sa.select(OutboxMessage))] == [came]


def test_an_events_questionnaires_are_one_tab_away(app, client):
    with app.app_context():
        event = make_event(title="Spotkanie konsultacyjne – powiat turecki")
        make_questionnaire(kind=QuestionnaireKind.EVALUATION, event_id=event.id,
                           title_pl="Ocena spotkania w Turku")  # fmt: skip
        make_questionnaire(title_pl="Konsultacje bez wydarzenia")
        event_id = event.id
        make_user(password=PASSWORD)
    _log_in(client)
    registrations = client.get(f"/organizer/events/{event_id}/registrations")
    assert f'href="/organizer/questionnaires?event={event_id}"' in registrations.get_data(
        as_text=True
    )
    listed = client.get(f"/organizer/questionnaires?event={event_id}").get_data(as_text=True)
    assert "Ocena spotkania w Turku" in listed and "Konsultacje bez wydarzenia" not in listed
    new = client.get(f"/organizer/questionnaires/new?event={event_id}").get_data(as_text=True)
    assert f'<option selected value="{event_id}">' in new
    assert '<option selected value="evaluation">' in new


def test_the_questionnaire_in_english_falls_back_to_polish_where_no_english_was_given(app, client):
    key, _id, keys, _version = _setup(app)
    client.set_cookie("lang", "en")
    html = client.get(f"/q/{key}").get_data(as_text=True)
    assert "Consultation of the partnerships programme" in html  # the English title
    assert "Partnerships" in html and "Social economy" in html  # English options
    assert "Formy wsparcia" in html  # a question written in Polish only
    assert "Send my answers" in html and "Your county" in html


def test_paper_entry_shows_the_county_the_meeting_and_the_answers_wrong_at_once(app, client):
    """The service checks the person's part and the answers together: one post, every
    error. A meeting that does not exist (a stale page, a tampered form) is refused next
    to its field instead of failing on the database's foreign key."""
    _key, questionnaire_id, keys, _version = _setup(app)
    with app.app_context():
        make_event(kind=EventKind.CONSULTATION, title="Spotkanie w Pile")
        make_user(password=PASSWORD)
    _log_in(client)
    url = f"/organizer/questionnaires/{questionnaire_id}/paper"
    data = {"csrf_token": csrf_token(client, url), "county": "", "meeting": "999999",
            f"q-{keys[0]}": "Z papieru", f"q-{keys[4]}": "9"}  # fmt: skip
    response = client.post(url, data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    start = html.index('id="error-summary"')
    summary = html[start : html.index("</ul>", start)]
    assert 'href="#county"' in summary and 'href="#meeting"' in summary
    assert f'href="#q-{keys[2]}-0"' in summary and f'href="#q-{keys[4]}-0"' in summary
    assert 'id="meeting-error"' in html and "Wybierz spotkanie z listy." in html
    assert 'value="Z papieru"' in html
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 0


def test_paper_entry_tags_the_meeting_chosen(app, client):
    _key, questionnaire_id, keys, _version = _setup(app)
    with app.app_context():
        meeting_id = make_event(kind=EventKind.CONSULTATION, title="Spotkanie w Pile").id
        make_user(password=PASSWORD)
    _log_in(client)
    url = f"/organizer/questionnaires/{questionnaire_id}/paper"
    assert "Spotkanie w Pile" in client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, url), "county": "pilski", "meeting": meeting_id,
            f"q-{keys[0]}": "Z papieru", f"q-{keys[2]}": "o1"}  # fmt: skip
    assert client.post(url, data=data).status_code == 302
    with app.app_context():
        stored = db.session.scalars(sa.select(QuestionnaireResponse)).one()
        assert stored.event_id == meeting_id and stored.county == "pilski"
