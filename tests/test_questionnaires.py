"""Questionnaires: the builder and its versions, every question type, the public and
personal links, paper entry, anonymity, results and the raw answers."""

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook
from werkzeug.datastructures import MultiDict

from events.extensions import db
from events.models import (
    EventKind,
    OutboxMessage,
    QuestionnaireInvitation,
    QuestionnaireKind,
    QuestionnaireResponse,
    RegistrationStatus,
    ResponseSource,
    Role,
    utcnow,
)
from events.services.organizations.scope import NETWORK
from events.services.privacy import erase_person
from events.services.questionnaires.answering import (
    QuestionnaireError,
    Respondent,
    invite_registrants,
    latest_version,
    submit_invited_response,
    submit_response,
)
from events.services.questionnaires.builder import Settings, create_questionnaire, save_question
from events.services.questionnaires.evaluations import send_evaluations
from events.services.questionnaires.exports import responses_csv
from events.services.questionnaires.results import Filters, build_results
from tests.conftest import csrf_token
from tests.factories import make_event, make_programme, make_registration, make_user
from tests.test_concurrency import run_in_parallel

PASSWORD = "bardzo-tajne-haslo"
QUESTIONS = [
    {"type": "short_text", "text_pl": "Nazwa organizacji", "required": True},
    {"type": "long_text", "text_pl": "Co zmienić w programie?"},
    {"type": "single", "text_pl": "Który program?", "required": True,
     "options_pl": ["Partnerstwa", "Ekonomia społeczna"],
     "options_en": ["Partnerships", "Social economy"]},
    {"type": "multiple", "text_pl": "Formy wsparcia", "other": True,
     "options_pl": ["Szkolenia", "Doradztwo", "Granty"]},
    {"type": "scale", "text_pl": "Ocena", "low_pl": "źle", "high_pl": "świetnie"},
    {"type": "yes_no", "text_pl": "Czy weźmiesz udział?"},
    {"type": "number", "text_pl": "Ilu członków?"},
    {"type": "date", "text_pl": "Od kiedy działacie?"},
]  # fmt: skip


def make_questionnaire(anonymous=True, kind=QuestionnaireKind.CONSULTATION, **overrides):
    now = utcnow()
    values = {
        "title_pl": "Konsultacje programu partnerstw",
        "title_en": "Consultation of the partnerships programme",
        "purpose_pl": "Zbieramy opinie o projekcie programu.",
        "opens_at": now - timedelta(days=1),
        "closes_at": now + timedelta(days=10),
    }
    if "programme_id" not in overrides:
        values["programme_id"] = make_programme("partnerships").id
    settings = Settings(kind=kind, anonymous=anonymous, **{**values, **overrides})
    questionnaire = create_questionnaire(settings, None)
    keys = [save_question(questionnaire.id, "s1", dict(values)) for values in QUESTIONS]
    return questionnaire, keys


def answers(keys, **chosen):
    """A posted form answering every question; `chosen` overrides by position (q0..q7),
    None leaves a question unanswered."""
    values = {
        0: "Stowarzyszenie Razem",
        1: "Więcej spotkań w powiatach",
        2: "o1",
        3: ["o3", "other"],
        4: "4",
        5: "yes",
        6: "12",
        7: "2019-03-01",
    }
    for name, value in chosen.items():
        values[int(name[1:])] = value
    form = MultiDict()
    for index, value in values.items():
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            form.add(f"q-{keys[index]}", item)
    form.add(f"q-{keys[3]}-other", "Wolontariat")
    return form


def version_id(questionnaire):
    return latest_version(questionnaire.id).id


def test_every_type_is_checked_and_stored(ctx):
    questionnaire, keys = make_questionnaire()
    form = answers(keys)
    response = submit_response(
        questionnaire.id, version_id(questionnaire), form, Respondent(county="gnieznienski")
    )
    stored = db.session.get(QuestionnaireResponse, response.id).answers
    assert stored == {
        keys[0]: "Stowarzyszenie Razem",
        keys[1]: "Więcej spotkań w powiatach",
        keys[2]: "o1",
        keys[3]: {"choices": ["o3"], "other": "Wolontariat"},
        keys[4]: 4,
        keys[5]: True,
        keys[6]: 12,
        keys[7]: "2019-03-01",
    }


@pytest.mark.parametrize(
    ("index", "value", "message"),
    [
        (0, "x" * 201, "najwyżej 200 znaków; ma 201"),
        (0, None, "Odpowiedz na to pytanie."),
        (1, "y" * 5001, "najwyżej 5000 znaków"),
        (2, "o99", "Wybierz jedną z podanych odpowiedzi."),
        (2, None, "Wybierz odpowiedź."),
        (3, ["o1", "o42"], "Wybierz spośród podanych odpowiedzi."),
        (4, "6", "Wybierz wartość od 1 do 5."),
        (5, "maybe", "Wybierz tak lub nie."),
        (6, "dwanaście", "Wpisz liczbę"),
        (7, "31.02.2026", "Wpisz datę"),
    ],
)
def test_bad_answers_are_refused_with_a_message_per_question(ctx, index, value, message):
    questionnaire, keys = make_questionnaire()
    form = answers(keys, **{f"q{index}": value})
    with pytest.raises(QuestionnaireError) as refusal:
        submit_response(questionnaire.id, version_id(questionnaire), form, Respondent())
    assert refusal.value.code == "invalid"
    assert list(refusal.value.errors) == [keys[index]]
    assert message in refusal.value.errors[keys[index]]
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 0


def test_what_a_page_posted_is_checked_with_the_answers_in_one_refusal(ctx):
    """Without a Respondent, the service reads the county and the organization type
    from the posted form and checks the meeting: their errors and the answers' come
    together, so a page shows them all on the first post."""
    questionnaire, keys = make_questionnaire()
    form = answers(keys, q2=None)
    form.add("county", "mazowiecki")  # not one of ours
    with pytest.raises(QuestionnaireError) as refusal:
        submit_response(questionnaire.id, version_id(questionnaire), form, meeting_id=424242)
    assert refusal.value.code == "invalid"
    assert set(refusal.value.errors) == {"county", "meeting", keys[2]}
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 0
    meeting = make_event(kind=EventKind.CONSULTATION)
    good = answers(keys)
    good.add("county", "turecki")
    good.add("organization_type", "ngo")
    response = submit_response(
        questionnaire.id, version_id(questionnaire), good, meeting_id=meeting.id
    )
    assert (response.county, response.organization_type.value, response.event_id) == (
        "turecki", "ngo", meeting.id,
    )  # fmt: skip


def test_an_other_answer_counts_only_where_it_is_offered(ctx):
    questionnaire, keys = make_questionnaire()
    save_question(questionnaire.id, "s1", {**QUESTIONS[3], "other": False}, keys[3])
    form = answers(keys, q3=["o1"])  # the form still sends an "other" text
    response = submit_response(questionnaire.id, version_id(questionnaire), form, Respondent())
    assert response.answers[keys[3]] == {"choices": ["o1"]}
    form.setlist(f"q-{keys[3]}", ["o1", "other"])
    with pytest.raises(QuestionnaireError) as refusal:
        submit_response(questionnaire.id, version_id(questionnaire), form, Respondent())
    assert refusal.value.errors == {keys[3]: "Wybierz spośród podanych odpowiedzi."}


def test_numbers_and_dates_as_people_type_them(ctx):
    questionnaire, keys = make_questionnaire()
    form = answers(keys, q6="3,5", q7="01.03.2019")
    response = submit_response(questionnaire.id, version_id(questionnaire), form, Respondent())
    assert response.answers[keys[6]] == 3.5
    assert response.answers[keys[7]] == "2019-03-01"


def test_a_change_after_answers_makes_a_new_version_and_old_answers_keep_theirs(ctx):
    questionnaire, keys = make_questionnaire()
    first = version_id(questionnaire)
    form = answers(keys)
    old = submit_response(questionnaire.id, first, form, Respondent())
    save_question(questionnaire.id, "s1", {**QUESTIONS[0], "text_pl": "Pełna nazwa"}, keys[0])
    second = latest_version(questionnaire.id)
    assert second.id != first and second.number == 2
    assert old.version.structure["sections"][0]["questions"][0]["text_pl"] == "Nazwa organizacji"
    # Someone who opened the first version sends it after the change: refused, told why.
    with pytest.raises(QuestionnaireError) as refusal:
        submit_response(questionnaire.id, first, form, Respondent())
    assert refusal.value.code == "changed"
    # Without answers to the newest version, a change stays in it.
    save_question(questionnaire.id, "s1", {**QUESTIONS[0], "text_pl": "Nazwa"}, keys[0])
    assert latest_version(questionnaire.id).id == second.id


def test_a_closed_questionnaire_refuses_answers_but_staff_may_type_in_paper(ctx):
    questionnaire, keys = make_questionnaire()
    form = answers(keys)
    later = questionnaire.closes_at + timedelta(minutes=1)
    with pytest.raises(QuestionnaireError) as refusal:
        submit_response(questionnaire.id, version_id(questionnaire), form, Respondent(), now=later)
    assert refusal.value.code == "closed"
    paper = Respondent(county="turecki", source=ResponseSource.PAPER)
    submit_response(questionnaire.id, version_id(questionnaire), form, paper, now=later)
    assert db.session.scalar(sa.select(QuestionnaireResponse.source)) == ResponseSource.PAPER


def _invited(anonymous=True):
    meeting = make_event(kind=EventKind.CONSULTATION, county="turecki")
    person = make_registration(meeting, RegistrationStatus.CONFIRMED, county="turecki")
    questionnaire, keys = make_questionnaire(anonymous=anonymous)
    invite_registrants(questionnaire.id, meeting.id, None)
    invitation = db.session.scalar(sa.select(QuestionnaireInvitation))
    return questionnaire, keys, invitation, person, meeting


def test_an_anonymous_response_stores_nothing_that_links_it_to_a_person(ctx):
    questionnaire, keys, invitation, person, meeting = _invited(anonymous=True)
    form = answers(keys)
    submit_invited_response(invitation.token, version_id(questionnaire), form, Respondent())
    row = db.session.execute(sa.select(QuestionnaireResponse.__table__)).mappings().one()
    assert row["registration_id"] is None
    assert set(row.keys()) == {
        "id",
        "questionnaire_id",
        "version_id",
        "answers",
        "county",
        "organization_type",
        "event_id",
        "registration_id",
        "source",
        "submitted_on",
    }  # fmt: skip  (no email, address or time column at all)
    assert type(row["submitted_on"]).__name__ == "date"
    assert person.email not in str(dict(row))
    assert row["event_id"] == meeting.id and row["county"] == "turecki"
    # The link knows it was used, not which response it gave.
    assert db.session.get(QuestionnaireInvitation, invitation.id).used is True


def test_a_personal_link_is_used_once(ctx):
    questionnaire, keys, invitation, person, _meeting = _invited(anonymous=False)
    form = answers(keys)
    response = submit_invited_response(
        invitation.token, version_id(questionnaire), form, Respondent()
    )
    assert response.registration_id == person.id
    with pytest.raises(QuestionnaireError) as refusal:
        submit_invited_response(invitation.token, version_id(questionnaire), form, Respondent())
    assert refusal.value.code == "used"
    with pytest.raises(QuestionnaireError) as tampered:
        submit_invited_response(
            invitation.token[:-1] + "x", version_id(questionnaire), form, Respondent()
        )
    assert tampered.value.code == "unknown"


def test_twenty_submissions_with_one_link_at_once_give_one_response(app):
    with app.app_context():
        questionnaire, keys, invitation, _person, _meeting = _invited(anonymous=True)
        token, version = invitation.token, version_id(questionnaire)
        form = answers(keys)

    results = run_in_parallel(
        app, 20, lambda i: submit_invited_response(token, version, form, Respondent()).id
    )

    refusals = [r for r in results if isinstance(r, QuestionnaireError)]
    assert len(refusals) == 19 and {r.code for r in refusals} == {"used"}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 1


def test_invitations_go_through_the_outbox_once_per_person(ctx):
    questionnaire, _keys, invitation, person, meeting = _invited()
    invite_registrants(questionnaire.id, meeting.id, None)  # again: nobody twice
    messages = db.session.scalars(sa.select(OutboxMessage)).all()
    assert [m.recipient for m in messages] == [person.email]
    assert messages[0].kind == "questionnaire_invitation"
    assert messages[0].facts["context"]["token"] == invitation.token


def _respond(questionnaire, keys, county, **chosen):
    form = answers(keys, **chosen)
    return submit_response(
        questionnaire.id, version_id(questionnaire), form, Respondent(county=county)
    )


def test_results_against_figures_computed_by_hand(ctx):
    questionnaire, keys = make_questionnaire()
    _respond(questionnaire, keys, "turecki", q2="o1", q4="5", q5="yes")
    _respond(questionnaire, keys, "turecki", q2="o1", q4="4", q5="no")
    _respond(questionnaire, keys, "turecki", q2="o2", q4="2", q5="yes", q3=["o1"])
    _respond(questionnaire, keys, "pilski", q2="o2", q4=None, q5="yes")

    results = build_results(questionnaire, Filters(), "pl")

    assert results.total == 4 and not results.suppressed
    single, multiple, scale, yes_no = (results.questions[i] for i in (2, 3, 4, 5))
    assert [(r.label, r.count, str(r.percent)) for r in single.rows] == [
        ("Partnerstwa", 2, "50.0"), ("Ekonomia społeczna", 2, "50.0"),
    ]  # fmt: skip
    assert [(r.count, str(r.percent)) for r in scale.rows] == [
        (0, "0.0"), (1, "33.3"), (0, "0.0"), (1, "33.3"), (1, "33.3"),
    ]  # fmt: skip
    assert scale.answered == 3 and str(scale.mean) == "3.67"  # (5 + 4 + 2) / 3
    # Counties compared: turecki's 3 answers have a mean; pilski gave none to the scale.
    assert [(code, n, str(mean)) for code, n, mean in scale.by_county] == [("turecki", 3, "3.67")]
    number = results.questions[6]
    assert [(code, n, mean and str(mean)) for code, n, mean in number.by_county] == [
        ("turecki", 3, "12.00"),
        ("pilski", 1, None),
    ]  # fmt: skip  (one answer in pilski: too few to show on an anonymous questionnaire)
    assert [(r.count, str(r.percent)) for r in yes_no.rows] == [(3, "75.0"), (1, "25.0")]
    # Multiple choice: of the 4 who answered, 3 chose "Granty", all 4 wrote an other
    # answer (typing one ticks "Other"): 75 % and 100 %, more than 100 % in all.
    assert [(r.label, r.count, str(r.percent)) for r in multiple.rows] == [
        ("Szkolenia", 1, "25.0"), ("Doradztwo", 0, "0.0"), ("Granty", 3, "75.0"),
        ("Inne odpowiedzi", 4, "100.0"),
    ]  # fmt: skip
    assert multiple.open_answers == ["Wolontariat"] * 4
    assert "<svg" in single.chart and "Partnerstwa" in single.chart
    # Anonymous: a county with 1 response shows "fewer than 3", a filter to it no figures.
    assert results.by_county == [("turecki", 3), ("pilski", None)]
    small = build_results(questionnaire, Filters(county="pilski"), "pl")
    assert small.suppressed and small.questions == []


def test_open_answers_are_searched_without_polish_marks(ctx):
    questionnaire, keys = make_questionnaire(anonymous=False)
    for text in ("Więcej spotkań w powiatach", "Szkolenia z księgowości", "Spotkania online"):
        _respond(questionnaire, keys, "turecki", q1=text)
    results = build_results(questionnaire, Filters(search="spotkan"), "pl")
    found = sorted(results.questions[1].open_answers)
    assert found == ["Spotkania online", "Więcej spotkań w powiatach"]
    # Not anonymous: small groups are shown.
    assert build_results(questionnaire, Filters(county="pilski"), "pl").suppressed is False


def test_raw_answers_as_csv_and_xlsx_one_column_per_question(app, client):
    with app.app_context():
        make_user(password=PASSWORD, role=Role.COORDINATOR)
        questionnaire, keys = make_questionnaire()
        for county in ("turecki", "pilski", "turecki"):
            _respond(questionnaire, keys, county, q0='=HYPERLINK("x")')
        questionnaire_id = questionnaire.id
    client.post("/login", data={"email": "organizator@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})  # fmt: skip

    text = client.get(f"/organizer/questionnaires/{questionnaire_id}/responses.csv").get_data(
        as_text=True
    )
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][6:] == [q["text_pl"] for q in QUESTIONS]
    assert len(rows) == 4
    assert rows[1][6] == '\'=HYPERLINK("x")'  # never run as a formula
    assert rows[1][8] == "Partnerstwa" and rows[1][9] == "Granty; Inna odpowiedź: Wolontariat"
    assert rows[1][11] == "tak" and rows[1][13] == "01.03.2019"

    data = client.get(f"/organizer/questionnaires/{questionnaire_id}/responses.xlsx").data
    sheet = load_workbook(io.BytesIO(data)).active
    values = list(sheet.values)
    assert list(values[0][6:]) == [q["text_pl"] for q in QUESTIONS]
    assert len(values) == 4 and values[1][6] == '=HYPERLINK("x")'
    assert sheet.cell(row=2, column=7).data_type == "s"


def test_erasing_a_person_removes_their_personal_responses_and_links(ctx):
    questionnaire, keys, invitation, person, _meeting = _invited(anonymous=False)
    form = answers(keys)
    submit_invited_response(invitation.token, version_id(questionnaire), form, Respondent())
    erase_person(person.email, None)
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireResponse.id))) == 0
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireInvitation.id))) == 0
    assert responses_csv(questionnaire, "pl").count("\r\n") == 1  # the headings only


def test_evaluations_go_to_checked_in_people_once_with_one_reminder(ctx):
    start = utcnow().replace(microsecond=0) - timedelta(hours=6)
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=3))
    came = make_registration(event, RegistrationStatus.CONFIRMED, checked_in=True)
    make_registration(event, RegistrationStatus.CONFIRMED)  # a no-show
    make_registration(event, RegistrationStatus.CANCELLED, checked_in=False)
    make_questionnaire(kind=QuestionnaireKind.EVALUATION, event_id=event.id, send_after_hours=4)
    ended = event.ends_at

    assert send_evaluations(now=ended + timedelta(hours=3)) == (0, 0)  # not yet
    assert send_evaluations(now=ended + timedelta(hours=4)) == (1, 0)
    assert send_evaluations(now=ended + timedelta(hours=5)) == (0, 0)  # never twice
    assert send_evaluations(now=ended + timedelta(days=3, hours=4)) == (0, 1)
    assert send_evaluations(now=ended + timedelta(days=6, hours=4)) == (0, 0)  # one reminder

    messages = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.recipient for m in messages] == [came.email, came.email]
    assert [m.facts["context"]["reminder"] for m in messages] == [False, True]


def test_the_pdf_summary_reads_back_with_polish_letters_and_the_small_group_rule(app, client):
    from pypdf import PdfReader

    with app.app_context():
        make_user(password=PASSWORD, role=Role.COORDINATOR)
        questionnaire, keys = make_questionnaire()
        for county in ("turecki", "turecki", "turecki", "pilski"):
            _respond(questionnaire, keys, county, q2="o2", q4="5")
        questionnaire_id = questionnaire.id
    client.post("/login", data={"email": "organizator@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})  # fmt: skip
    base = f"/organizer/questionnaires/{questionnaire_id}/results.pdf"

    response = client.get(base)
    assert response.mimetype == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Konsultacje programu partnerstw" in text
    assert "Ekonomia społeczna" in text and "4 (100,0 %)" in text
    assert "średnia: 5,00" in text and "Więcej spotkań w powiatach" in text
    assert "turecki (powiat)" in text and "mniej niż 3" in text  # pilski: 1 response

    small = client.get(base + "?county=pilski").data
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(small)).pages)
    assert "Pasuje mniej niż 3 odpowiedzi" in text and "średnia" not in text


def test_evaluations_compared_across_the_programme(ctx):
    from events.services.questionnaires.results import evaluation_overview

    start = utcnow().replace(microsecond=0) - timedelta(days=2)
    ratings = {"Turek": ["5", "4", "3"], "Piła": ["5", "2"]}
    for town, given in ratings.items():
        event = make_event(title=f"Spotkanie – {town}", starts_at=start,
                           ends_at=start + timedelta(hours=3))  # fmt: skip
        for _ in range(4):
            make_registration(event, RegistrationStatus.CONFIRMED, checked_in=True)
        questionnaire, keys = make_questionnaire(
            kind=QuestionnaireKind.EVALUATION, event_id=event.id, send_after_hours=1
        )
        for value in given:
            _respond(questionnaire, keys, event.county, q4=value)
    send_evaluations()

    rows = {row.questionnaire.event.title: row for row in evaluation_overview(NETWORK)}
    turek, pila = rows["Spotkanie – Turek"], rows["Spotkanie – Piła"]
    assert (turek.invited, turek.responses, str(turek.mean)) == (4, 3, "4.00")
    assert turek.rating == "Ocena"
    assert (pila.invited, pila.responses, pila.mean) == (4, 2, None)  # fewer than 3


def test_the_retention_run_keeps_answers_without_the_person(ctx):
    from events.services.privacy import anonymize_before

    questionnaire, keys, invitation, person, meeting = _invited(anonymous=False)
    form = answers(keys)
    submit_invited_response(invitation.token, version_id(questionnaire), form, Respondent())
    anonymize_before(meeting.ends_at + timedelta(days=1))
    response = db.session.scalars(sa.select(QuestionnaireResponse)).one()
    assert response.registration_id is None and response.answers[keys[0]]  # still counted
    assert db.session.scalar(sa.select(sa.func.count(QuestionnaireInvitation.id))) == 0
    assert person.email not in responses_csv(questionnaire, "pl")


def test_sections_are_renamed_removed_when_empty_and_questions_moved_between_them(ctx):
    from events.services.questionnaires.builder import add_section, delete_section, rename_section

    questionnaire, keys = make_questionnaire()
    second = add_section(questionnaire.id, "O organizacji")
    save_question(questionnaire.id, second, dict(QUESTIONS[0]), keys[0])  # moved there
    rename_section(questionnaire.id, second, "O Twojej organizacji", "About your organization")
    sections = latest_version(questionnaire.id).structure["sections"]
    assert [q["key"] for q in sections[1]["questions"]] == [keys[0]]
    assert keys[0] not in [q["key"] for q in sections[0]["questions"]]
    assert sections[1]["title_pl"] == "O Twojej organizacji"
    with pytest.raises(QuestionnaireError):  # not while it has questions
        delete_section(questionnaire.id, second)
    empty = add_section(questionnaire.id, "Pusta")
    delete_section(questionnaire.id, empty)
    assert len(latest_version(questionnaire.id).structure["sections"]) == 2
