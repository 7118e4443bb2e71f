""" "My registration" and the ticket page come from a cache, yet show every change at once.

Each page is kept per registration and language, with the version of what it shows
(events.services.personal_pages); a repeated open costs one statement (and SQLite's
BEGIN) and a browser that has the page gets 304. Data is prepared in application
contexts of their own, so that each request runs in a fresh one, as in production.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

import events.views.page_cache
import events.views.registration
from events.extensions import db
from events.models import (
    Event,
    Questionnaire,
    Registration,
    RegistrationStatus,
    Role,
    User,
    utcnow,
)
from events.services.courses.certificates import issue_certificates, revoke_certificate, set_rule
from events.services.courses.sessions import SessionData, update_session
from events.services.event_changes import Schedule
from events.services.personal_pages import manage_page_version
from events.services.privacy import erase_person
from events.services.questionnaires.at_registration import change_answers
from events.services.questionnaires.builder import save_question
from events.services.registration import cancel_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, check_in_at, make_course, make_event, make_user, reschedule
from tests.test_registration_questions import _event_with_questions

STARTED = "Wydarzenie już się rozpoczęło: zgłoszenia nie można już tu anulować."
CLOSED = "Zapisy są zamknięte: odpowiedzi nie można już zmienić."


def person(app, event_id: int, **details) -> dict:
    with app.app_context():
        registration = register_attendee(event_id, attendee(**details), notify=False)
        return {
            "id": registration.id,
            "manage": f"/r/{registration.manage_token}",
            "ticket": f"/t/{registration.ticket_token}",
            "email": registration.email,
        }


def new_event(app, **values) -> int:
    with app.app_context():
        return make_event(**values).id


def opened(client, path: str) -> tuple[str, str]:
    """The page's text and ETag; the same browser opening it again gets 304."""
    page = client.get(path)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "private, no-cache"
    again = client.get(path, headers={"If-None-Match": page.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    return page.get_data(as_text=True), page.headers["ETag"]


def changed(client, path: str, etag: str) -> str:
    """The page after a change: sent in full (not 304), with a new ETag."""
    page = client.get(path, headers={"If-None-Match": etag})
    assert page.status_code == 200 and page.headers["ETag"] != etag
    return page.get_data(as_text=True)


def statements(app, client, path: str) -> list[str]:
    with app.app_context():
        engine = db.engine
    seen = []

    def count(_connection, _cursor, statement, *_args):
        seen.append(statement)

    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(path).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return seen


def test_a_repeated_open_is_one_statement_and_a_304_for_the_browser_that_has_it(app, client):
    someone = person(app, new_event(app, title="Seminarium w Pile"))
    for path in (someone["manage"], someone["ticket"]):
        html, _etag = opened(client, path)
        assert "Seminarium w Pile" in html
        repeated = statements(app, client, path)
        # The version, found by the page's secret (and SQLite's BEGIN).
        assert len([s for s in repeated if s != "BEGIN"]) == 1 and len(repeated) <= 3, repeated
    assert client.get("/r/nope").status_code == 404 and client.get("/t/nope").status_code == 404


def test_cancelling_shows_cancelled_at_once_and_the_notice_only_once(app, client):
    someone = person(app, new_event(app))
    _html, etag = opened(client, someone["manage"])
    _ticket, ticket_etag = opened(client, someone["ticket"])
    url = someone["manage"] + "/cancel"
    done = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert done.status_code == 302
    with_notice = client.get(someone["manage"])  # the notice: rendered for this request only
    assert "Twoja rejestracja została anulowana." in with_notice.get_data(as_text=True)
    assert with_notice.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in with_notice.headers
    html = changed(client, someone["manage"], etag)
    assert "Anulowana" in html and "Twoja rejestracja została anulowana." not in html
    assert "Anuluj moją rejestrację" not in html
    assert "Anulowana" in changed(client, someone["ticket"], ticket_etag)
    assert "została anulowana" not in app.test_client().get(someone["manage"]).text


def test_the_organizers_change_of_place_then_of_time_shows_at_once(app, client):
    event_id = new_event(app, venue_name="Centrum Kultury")
    someone = person(app, event_id)
    paths = (someone["manage"], someone["ticket"])
    pages = {path: opened(client, path) for path in paths}
    with app.app_context():
        event = db.session.get(Event, event_id)
        starts_at, ends_at = event.starts_at, event.ends_at
        reschedule(event_id, Schedule(starts_at, ends_at, "Sala B", "ul. Nowa 2"))
    for path, (html, etag) in pages.items():
        assert "Sala B" not in html
        assert "Sala B, ul. Nowa 2" in changed(client, path, etag)
    pages = {path: opened(client, path) for path in paths}
    with app.app_context():
        later = starts_at + timedelta(days=3)
        reschedule(event_id, Schedule(later, later + timedelta(hours=2), "Sala B", "ul. Nowa 2"))
        when = f'datetime="{later.isoformat()}"'
    for path, (html, etag) in pages.items():
        assert when not in html and when in changed(client, path, etag)


def test_a_sessions_new_place_and_the_persons_corrected_details_show_at_once(app, client):
    with app.app_context():
        course_id = make_course().id
    someone = person(app, course_id, phone="+48 600 100 200")
    pages = {path: opened(client, path) for path in (someone["manage"], someone["ticket"])}
    with app.app_context():  # the middle session moves to another room: the course's span stays
        middle = db.session.get(Event, course_id).sessions[1]
        moved = SessionData(middle.starts_at, middle.ends_at, "Sala Lustrzana", "ul. Polna 5")
        update_session(course_id, middle.id, moved, None)
    for path, (html, etag) in pages.items():
        assert "Sala Lustrzana" not in html and "Sala Lustrzana" in changed(client, path, etag)
    html, etag = opened(client, someone["manage"])
    assert "+48 600 100 200" in html
    with app.app_context():  # an organizer corrects the phone number
        db.session.get(Registration, someone["id"]).phone = "+48 600 100 300"
        db.session.commit()
    assert "+48 600 100 300" in changed(client, someone["manage"], etag)


def test_a_place_ahead_freed_moves_the_waiting_list_and_promotes(app, client):
    event_id = new_event(app, capacity=1)
    holder = person(app, event_id)
    first, second = person(app, event_id), person(app, event_id)
    html, etag = opened(client, second["manage"])
    assert "Twoja pozycja na liście rezerwowej: 2." in html
    with app.app_context():
        cancel_registration(first["id"])  # someone ahead leaves: nothing of `second` changes
    html = changed(client, second["manage"], etag)
    assert "Twoja pozycja na liście rezerwowej: 1." in html
    _html, etag = opened(client, second["manage"])
    _ticket, ticket_etag = opened(client, second["ticket"])
    with app.app_context():
        cancel_registration(holder["id"])  # the seat goes to `second`
    html = changed(client, second["manage"], etag)
    assert "Potwierdzona" in html and "liście rezerwowej" not in html
    assert "Potwierdzona" in changed(client, second["ticket"], ticket_etag)


def test_changed_answers_and_changed_questions_show_at_once(app, client):
    _slug, event_id, programme, _source, version = _event_with_questions(app)
    someone = person(app, event_id)
    html, etag = opened(client, someone["manage"])
    assert "Który program interesuje Cię najbardziej?" in html and "Ekonomia społeczna" not in html
    with app.app_context():
        change_answers(someone["id"], version, {f"q-{programme}": "o2"})
    html = changed(client, someone["manage"], etag)
    assert "Ekonomia społeczna" in html
    _html, etag = opened(client, someone["manage"])
    with app.app_context():  # the organizer adds a question (the version has answers: a copy)
        questionnaire_id = db.session.scalar(
            sa.select(Questionnaire.id).where(Questionnaire.event_id == event_id)
        )
        question = {"type": "short_text", "text_pl": "Czy potrzebujesz noclegu?"}
        save_question(questionnaire_id, "s1", question)
    assert "Czy potrzebujesz noclegu?" in changed(client, someone["manage"], etag)


def test_a_check_in_at_a_session_shows_at_once(app, client):
    with app.app_context():
        course = make_course()
        course_id = course.id
    someone = person(app, course_id)
    html, etag = opened(client, someone["manage"])
    assert "(obecność)" not in html
    with app.app_context():
        course = db.session.get(Event, course_id)
        check_in_at(course, someone["id"], utcnow(), course.sessions[0])
    assert changed(client, someone["manage"], etag).count("(obecność)") == 1
    _html, etag = opened(client, someone["manage"])
    with app.app_context():  # the registration itself stays as it was: came once already
        course = db.session.get(Event, course_id)
        check_in_at(course, someone["id"], utcnow(), course.sessions[1])
    assert changed(client, someone["manage"], etag).count("(obecność)") == 2


def test_a_certificate_issued_and_revoked_shows_at_once(app, client):
    with app.app_context():
        ended = utcnow().replace(microsecond=0) - timedelta(hours=1)
        event = make_event(starts_at=ended - timedelta(hours=4), ends_at=ended)
        organizer = make_user(role=Role.COORDINATOR)
        came = register_attendee(
            event.id, attendee(), notify=False, now=event.starts_at - timedelta(days=3)
        )
        set_rule(event.id, 100, organizer)
        check_in_at(event, came.id, event.starts_at)
        event_id, organizer_id, manage = event.id, organizer.id, f"/r/{came.manage_token}"
    html, etag = opened(client, manage)
    assert "Zaświadczenie o ukończeniu" not in html
    with app.app_context():
        organizer = db.session.get(User, organizer_id)
        [certificate] = issue_certificates(event_id, organizer)
        certificate_id = certificate.id
    html = changed(client, manage, etag)
    assert "Zaświadczenie o ukończeniu" in html
    _html, etag = opened(client, manage)
    with app.app_context():
        revoke_certificate(event_id, certificate_id, db.session.get(User, organizer_id))
    assert "unieważnione" in changed(client, manage, etag)


def test_an_erased_persons_pages_are_never_served_again(app, client):
    someone = person(app, new_event(app), first_name="Bożenna", last_name="Kwiatkowska")
    for path in (someone["manage"], someone["ticket"]):
        opened(client, path)  # both now in the cache
    with app.app_context():
        erase_person(someone["email"], None)
    for path in (someone["manage"], someone["ticket"]):
        assert client.get(path).status_code == 404


def test_each_language_has_its_own_page(app, client):
    someone = person(app, new_event(app))
    for path in (someone["manage"], someone["ticket"]):
        polish, _etag = opened(client, path)
        assert 'lang="pl"' in polish and "Status: <strong>Potwierdzona" in polish
        client.set_cookie("lang", "en")
        english, _etag = opened(client, path)
        assert 'lang="en"' in english and "Status: <strong>Confirmed" in english
        assert "Cookie" in client.get(path).headers["Vary"]
        client.set_cookie("lang", "pl")
        assert 'lang="pl"' in client.get(path).get_data(as_text=True)


def test_a_logged_in_organizer_gets_a_page_of_their_own(app, client):
    someone = person(app, new_event(app))
    with app.app_context():
        make_user(email="org@example.org", password="bardzo-tajne-haslo")
    assert "Wyloguj" not in app.test_client().get(someone["manage"]).text  # cached
    token = csrf_token(client, "/login")
    login = {"email": "org@example.org", "password": "bardzo-tajne-haslo", "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302
    page = client.get(someone["manage"])
    assert "Wyloguj" in page.text and page.headers["Cache-Control"] == "private, no-store"
    assert "Wyloguj" not in app.test_client().get(someone["manage"]).text


@pytest.fixture
def clock(monkeypatch):
    """The views' clock, set by the test."""
    now = {"at": utcnow()}
    for module in (events.views.page_cache, events.views.registration):
        monkeypatch.setattr(module, "utcnow", lambda: now["at"])
    return now


def test_what_the_clock_changes_shows_the_moment_it_passes(app, client, clock):
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=2)
    closes = start - timedelta(days=1)
    _slug, event_id, programme, _source, version = _event_with_questions(
        app, starts_at=start, ends_at=start + timedelta(hours=3), registration_closes_at=closes
    )
    someone = person(app, event_id)

    clock["at"] = closes - timedelta(seconds=1)
    html, etag = opened(client, someone["manage"])
    assert "Zmień odpowiedzi" in html and "Anuluj moją rejestrację" in html

    clock["at"] = closes  # registration closes: the answers can no longer be changed
    html = changed(client, someone["manage"], etag)
    assert CLOSED in html and "Zmień odpowiedzi" not in html
    assert "Anuluj moją rejestrację" in html
    _html, etag = opened(client, someone["manage"])

    clock["at"] = start - timedelta(seconds=1)  # nothing passed since: the same page
    assert client.get(someone["manage"], headers={"If-None-Match": etag}).status_code == 304

    clock["at"] = start  # the event starts: it can no longer be cancelled here
    html = changed(client, someone["manage"], etag)
    assert STARTED in html and "Anuluj moją rejestrację" not in html


def test_the_version_counts_the_event_s_moments_that_have_passed(ctx):
    start = utcnow().replace(microsecond=0) + timedelta(days=2)
    event = make_event(
        starts_at=start, ends_at=start + timedelta(hours=3), registration_closes_at=start
    )
    registration = register_attendee(event.id, attendee(), notify=False)
    version = manage_page_version(registration.manage_token)
    before, at_start = start - timedelta(microseconds=1), start
    assert version.key(before) != version.key(at_start)
    assert version.key(start - timedelta(days=1)) == version.key(before)
    assert version.key(at_start) != version.key(start + timedelta(hours=3))
    assert manage_page_version("x" * 65) is None and manage_page_version("") is None
    assert registration.status == RegistrationStatus.CONFIRMED
