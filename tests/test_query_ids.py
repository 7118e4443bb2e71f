"""Ids typed into a query string or a form are read by one bounded parser: a huge,
negative, non-numeric or "digit-like" value is ignored, never a 500."""

import pytest

from events.models import QuestionnaireKind, RegistrationStatus
from events.views import ID_MAX, parse_id
from tests.conftest import csrf_token
from tests.factories import make_event, make_registration, make_user
from tests.test_questionnaires import PASSWORD, make_questionnaire

BAD_IDS = ["9" * 40, str(ID_MAX + 1), "-5", "0", "abc", "1e3", "²", "١٢", " 7", ""]

# Every query-string id of the views (the door's `?session=` and `?since=` are in
# views/checkin.py and views/api.py, tested with the door).
QUERY_ROUTES = [
    "/organizer/questionnaires?event={value}",
    "/organizer/questionnaires/new?event={value}",
    "/organizer/questionnaires/{questionnaire}/poster?meeting={value}",
    "/organizer/questionnaires/{questionnaire}/results?meeting={value}",
    "/organizer/questionnaires/{questionnaire}/results.pdf?meeting={value}",
    "/organizer/events/{event}/registrations?page={value}",
    "/q/{key}?meeting={value}",
]

# Ids posted in forms: (the page that gives the form, where it posts, the id's field).
QUESTIONNAIRE, EVENT = "/organizer/questionnaires/{questionnaire}", "/organizer/events/{event}"
FORM_ROUTES = [
    (f"{QUESTIONNAIRE}/paper", None, "meeting"),
    (QUESTIONNAIRE, f"{QUESTIONNAIRE}/invitations", "event_id"),
    (f"{EVENT}/invitations", f"{EVENT}/invitations/past", "source"),
    (f"{EVENT}/attendance", f"{EVENT}/certificates/issue", "registration_id"),
    ("/q/{key}", None, "version"),
    ("/events/{slug}/register", None, "version"),
]


@pytest.mark.parametrize("value", BAD_IDS)
def test_the_parser_refuses_what_is_not_a_bounded_id(value):
    assert parse_id(value) is None


def test_the_parser_reads_an_id():
    assert parse_id("1") == 1 and parse_id(str(ID_MAX)) == ID_MAX and parse_id("007") == 7


@pytest.fixture
def places(app):
    with app.app_context():
        make_user(password=PASSWORD)
        event = make_event()
        make_registration(event, RegistrationStatus.CONFIRMED)
        questionnaire, _keys = make_questionnaire()
        make_questionnaire(kind=QuestionnaireKind.EVALUATION, event_id=event.id)
        return {
            "event": event.id,
            "slug": event.slug,
            "questionnaire": questionnaire.id,
            "key": questionnaire.public_key,
        }


def _log_in(client):
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "organizator@example.org", "password": PASSWORD,
                                "csrf_token": token})  # fmt: skip


@pytest.mark.parametrize("route", QUERY_ROUTES)
def test_a_bad_id_in_the_query_string_is_ignored(app, client, places, route):
    _log_in(client)
    for value in BAD_IDS:
        url = route.format(value=value, **places)
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize(("page", "target", "field"), FORM_ROUTES)
def test_a_bad_id_in_a_form_is_refused_or_ignored(app, client, places, page, target, field):
    _log_in(client)
    page, target = page.format(**places), (target or page).format(**places)
    token = csrf_token(client, page)
    for value in BAD_IDS:
        response = client.post(target, data={"csrf_token": token, field: value})
        assert response.status_code < 500, (target, value, response.status_code)
