"""The network's audit log (issue 22): every download of personal data leaves one entry
naming the file and how many rows it holds, never anyone in it; the door's offline
list, fetched again and again, once an hour; /organizer/audit shows a partner's
organizer the entries of their own events and organization only, a coordinator
everyone's, cut by action and by organization."""

import json
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import (
    AuditEntry,
    Event,
    Invitation,
    Questionnaire,
    QuestionnaireResponse,
    Registration,
    RegistrationGroup,
    ResponseSource,
    User,
    utcnow,
)
from events.services import audit
from events.services.questionnaires.answering import latest_version
from tests.network import EMAILS, build_world, log_in

TITLES = {"P": "Kurs Stowarzyszenia Pomorskiego", "Q": "Kurs Fundacji Kwiatowej"}
DOWNLOADED = "Personal data downloaded"
# Each download of P's organizer (with P's objects), and its file's name.
DOWNLOADS = [
    ("/organizer/events/{event_id}/participants.csv", "kurs-p.csv"),
    ("/organizer/events/{event_id}/participants.xlsx", "kurs-p.xlsx"),
    ("/organizer/participants.csv", "uczestnicy-programu.csv"),
    ("/organizer/participants.xlsx", "uczestnicy-programu.xlsx"),
    ("/organizer/events/{event_id}/attendance.pdf", "lista-kurs-p.pdf"),
    ("/organizer/events/{event_id}/badges.pdf?layout=a4", "identyfikatory-kurs-p.pdf"),
    ("/organizer/events/{event_id}/sessions/{session_id}/attendance.pdf", "lista-kurs-p-{day}.pdf"),
    ("/organizer/events/{event_id}/invitations.csv", "zaproszenia-kurs-p.csv"),
    ("/checkin/{slug}/badges/{registration_id}.pdf", "identyfikator-{registration_id}.pdf"),
    ("/api/checkin/{slug}/dataset", "dataset-kurs-p.json"),
]  # fmt: skip


@pytest.fixture
def world(app):
    with app.app_context():
        world = build_world()
        for owner, title in TITLES.items():
            db.session.get(Event, world[owner].values["event_id"]).title = title
        db.session.commit()
        return world


def _client(app, actor: str):
    client = app.test_client()
    client.set_cookie("lang", "en")
    log_in(client, EMAILS[actor])
    return client


def _last_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0


def _entries_after(last_id: int) -> list[AuditEntry]:
    return list(db.session.scalars(sa.select(AuditEntry).where(AuditEntry.id > last_id)))


def _people() -> set[str]:
    """Every name and email of a person (not an account) the database holds."""
    found = set()
    for person in db.session.scalars(sa.select(Registration)):
        found |= {person.first_name, person.last_name, person.full_name, person.email}
    for invited in db.session.scalars(sa.select(Invitation)):
        found |= {invited.name, invited.email}
    found |= set(db.session.scalars(sa.select(RegistrationGroup.coordinator_name)))
    return {value for value in found if value}


def _assert_names_no_one(entry: AuditEntry) -> None:
    text = json.dumps([entry.actor, entry.before, entry.after], ensure_ascii=False)
    assert [value for value in _people() if value in text] == []


@pytest.mark.parametrize(("url", "file"), DOWNLOADS)
def test_each_download_of_personal_data_leaves_one_entry_with_its_file_and_rows(
    app, world, url, file
):
    values = world["P"].values
    with app.app_context():
        day = db.session.get(Event, values["event_id"]).sessions[0].starts_at
        last = _last_id()
    client = _client(app, "organizer P")
    response = client.get(url.format(**values), buffered=True)
    assert response.status_code == 200
    expected = file.format(day=f"{day:%Y-%m-%d}", **values)
    if "Content-Disposition" in response.headers:  # the name the reader gets
        disposition = response.headers["Content-Disposition"]
        assert re.search(r'filename="?([^"]+)"?$', disposition)[1] == expected
    with app.app_context():
        [entry] = _entries_after(last)
        assert entry.action == "personal_data_downloaded"
        assert entry.after == {"file": expected, "rows": 1}  # OsobaP (or the one invited)
        assert entry.before is None and entry.actor == "p@example.org"
        programme = url.startswith("/organizer/participants")
        assert entry.event_id == (None if programme else values["event_id"])
        assert entry.organization_id == db.session.get(User, entry.user_id).organization_id
        _assert_names_no_one(entry)


def test_a_questionnaires_answers_are_audited_when_they_name_their_authors(app, world):
    values = world["P"].values
    questionnaire_id = values["questionnaire_id"]
    client = _client(app, "organizer P")
    base = f"/organizer/questionnaires/{questionnaire_id}"
    with app.app_context():
        last = _last_id()
    for path in ("responses.csv", "responses.xlsx", "results.pdf"):  # anonymous: no person
        assert client.get(f"{base}/{path}", buffered=True).status_code == 200
    with app.app_context():
        assert _entries_after(last) == []
        questionnaire = db.session.get(Questionnaire, questionnaire_id)
        questionnaire.anonymous = False
        db.session.add(
            QuestionnaireResponse(
                questionnaire_id=questionnaire_id, version_id=latest_version(questionnaire_id).id,
                answers={}, registration_id=values["registration_id"], event_id=values["event_id"],
                source=ResponseSource.ONLINE, submitted_on=utcnow().date(),
            )
        )  # fmt: skip
        db.session.commit()
    csv = client.get(f"{base}/responses.csv", buffered=True)
    assert "OsobaP" in csv.get_data(as_text=True)  # the file names its author...
    assert client.get(f"{base}/responses.xlsx", buffered=True).status_code == 200
    assert client.get(f"{base}/results.pdf", buffered=True).status_code == 200  # figures only
    with app.app_context():
        entries = _entries_after(last)
        assert [entry.after for entry in entries] == [
            {"file": f"ankieta-{questionnaire_id}.csv", "rows": 1},
            {"file": f"ankieta-{questionnaire_id}.xlsx", "rows": 1},
        ]
        assert {entry.event_id for entry in entries} == {values["event_id"]}
        for entry in entries:
            _assert_names_no_one(entry)  # ...its entry does not


def test_the_doors_offline_list_is_audited_once_an_hour_per_account_or_link(app, world):
    values = world["P"].values
    url = f"/api/checkin/{values['slug']}/dataset"
    link = app.test_client()
    assert link.get(f"/checkin/link/{values['_link_token']}").status_code == 302
    staff = _client(app, "staff")
    with app.app_context():
        last = _last_id()
    for _ in range(3):  # on opening, then every 5 minutes
        assert link.get(url).status_code == 200
        assert staff.get(url).status_code == 200
    with app.app_context():
        entries = _entries_after(last)
        assert [(entry.actor, entry.user_id) for entry in entries] == [
            (f"check-in link {values['link_id']}", None),
            ("staff@example.org", entries[1].user_id),
        ]
        assert all(entry.after == {"file": "dataset-kurs-p.json", "rows": 1} for entry in entries)
        entries[0].at = utcnow() - timedelta(minutes=61)
        db.session.commit()
    assert link.get(url).status_code == 200  # an hour later: audited again
    assert staff.get(url).status_code == 200
    with app.app_context():
        assert len(_entries_after(last)) == 3
    page = _client(app, "organizer P").get("/organizer/audit").get_data(as_text=True)
    assert f"Check-in link no. {values['link_id']}" in page and "staff@example.org" in page


def _network_history(app, world) -> None:
    """P's and Q's organizers download their lists; a coordinator downloads the whole
    programme's (an entry of the lead organization, about no event) and makes an entry
    on Q's event that names Q's person, as the organizers' own changes do."""
    for actor, owner in (("organizer P", "P"), ("organizer Q", "Q")):
        event_id = world[owner].values["event_id"]
        url = f"/organizer/events/{event_id}/participants.csv"
        assert _client(app, actor).get(url, buffered=True).status_code == 200
    coordinator = _client(app, "coordinator")
    assert coordinator.get("/organizer/participants.csv", buffered=True).status_code == 200
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == EMAILS["coordinator"]))
        entry = audit.record(
            "added_by_organizer", user, world["Q"].values["event_id"],
            after={"first_name": "OsobaQ", "email": "osoba.q@example.org"},
        )  # fmt: skip
        entry.at = datetime(2026, 1, 15, 11, 0, tzinfo=UTC)
        db.session.commit()


def test_a_partners_organizer_reads_the_entries_of_their_own_events_only(app, world):
    _network_history(app, world)
    dashboard = _client(app, "organizer P").get("/organizer/").get_data(as_text=True)
    assert 'href="/organizer/audit"' in dashboard
    for actor in ("organizer P", "co-organizer"):  # C co-organizes P's event
        client = _client(app, actor)
        for url in ("/organizer/audit", "/organizer/audit?organization=Q"):  # theirs, always
            page = client.get(url).get_data(as_text=True)
            assert DOWNLOADED in page and "kurs-p.csv" in page and TITLES["P"] in page
            assert "p@example.org" in page
            for other in (TITLES["Q"], "OsobaQ", "kurs-q", "q@example.org", "uczestnicy-programu"):
                assert other not in page, f"{actor} reads {other} at {url}"


def test_a_coordinator_reads_the_whole_network_and_cuts_it(app, world):
    _network_history(app, world)
    client = _client(app, "coordinator")
    page = client.get("/organizer/audit").get_data(as_text=True)
    for shown in (TITLES["P"], TITLES["Q"], "kurs-p.csv", "kurs-q.csv", "uczestnicy-programu.csv"):
        assert shown in page
    assert "<strong>File</strong>: kurs-q.csv" in page and "<strong>Rows</strong>: 1" in page
    assert "15 Jan 2026, 12:00:00" in page  # Warsaw time
    href = f'href="/organizer/events/{world["Q"].values["event_id"]}/audit"'
    assert href in page  # the event's own history
    cut = client.get("/organizer/audit?organization=Q").get_data(as_text=True)
    assert TITLES["Q"] in cut and "OsobaQ" in cut and "kurs-q.csv" in cut
    assert TITLES["P"] not in cut and "kurs-p.csv" not in cut and "uczestnicy-programu" not in cut
    added = client.get("/organizer/audit?action=added_by_organizer").get_data(as_text=True)
    assert "OsobaQ" in added and "kurs-q.csv" not in added


@pytest.mark.parametrize(
    "query",
    [
        "action=nonsense", "action=", "organization=nonsense", "organization=" + "x" * 300,
        "organization=%E2%80%8BQ", "before=abc", "before=-1", "before=99999999999", "before=%C2%B2",
        "action=personal_data_downloaded&action=x&organization=Q&organization=P",
    ],
)  # fmt: skip
def test_bad_filter_values_are_ignored(app, world, query):
    _network_history(app, world)
    response = _client(app, "coordinator").get(f"/organizer/audit?{query}")
    assert response.status_code == 200
    assert "kurs-q.csv" in response.get_data(as_text=True)


def test_a_nul_in_a_filter_is_refused_as_everywhere(app, world):
    response = _client(app, "coordinator").get("/organizer/audit?organization=%00")
    assert response.status_code == 400  # events.views.errors: before the view, never a 500


def test_the_log_comes_a_page_at_a_time_newest_first(app, world):
    with app.app_context():
        event_id = world["P"].values["event_id"]
        for number in range(60):
            audit.record("message_sent", None, event_id, after={"number": number})
        db.session.commit()
    client = _client(app, "organizer P")
    first = client.get("/organizer/audit?action=message_sent").get_data(as_text=True)
    assert "Number</strong>: 59<" in first and "Number</strong>: 10<" in first
    assert "Number</strong>: 9<" not in first and "Newest entries" not in first
    older = re.search(r'href="([^"]+)">Older entries', first)[1].replace("&amp;", "&")
    assert "action=message_sent" in older and "before=" in older
    second = client.get(older).get_data(as_text=True)
    assert "Number</strong>: 9<" in second and "Number</strong>: 0<" in second
    assert "Number</strong>: 10<" not in second and "Older entries" not in second
    assert "Newest entries" in second


def test_the_history_says_roles_flags_kinds_and_the_command_line_in_words(app):
    from events.models import AuditEntry
    from events.services.audit import actor_label, changes

    account = AuditEntry(action="account_created", after={"role": "staff", "active": True})
    questionnaire = AuditEntry(action="questionnaire_created", after={"kind": "evaluation"})
    event = AuditEntry(action="event_created", after={"kind": "seminar"})
    with app.test_request_context(headers={"Cookie": "lang=pl"}):
        assert changes(account) == [("Rola", "–", "Obsługa wejścia"), ("Aktywny", "–", "tak")]
        assert changes(questionnaire)[0][2] != "evaluation"
        assert changes(event)[0][2] == "Seminarium"
        assert actor_label("command line") == "wiersz poleceń"
