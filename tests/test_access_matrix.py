"""Who may open what: every route of the URL map × every kind of actor × objects of two
partner organizations and of the lead one, as the route's declared rule says
(events/views/access.py). A route without a declared rule fails; another
organization's id answers 404, never a 403 or data.

The actors: anonymous; door staff of P's event; the check-in link of P's event; an
organizer of partner P; of partner Q; of C, which co-organizes P's event; a
coordinator. Each organization has an event (a course with a session, a registration,
a certificate, a questionnaire with a question, a series, a check-in link) and an
account.

A request that is allowed may change what it reaches (revoke the link, delete the
session, cancel the event): on SQLite the database is put back after each allowed
POST, so every case starts from the same world. On PostgreSQL every refusal is
checked, and the allowed GETs.
"""

import sqlite3

import pytest

from events.extensions import db
from events.models import Programme
from events.views.access import Rule
from tests.network import EMAILS, OWNERS, build_world, log_in, route_url

ACTORS = ("anonymous", "staff", "link", "organizer P", "organizer Q", "co-organizer", "coordinator")
# Routes whose URL holds no object of an organization: checked once, with P's objects.
UNOWNED = {Rule.PUBLIC, Rule.SECRET, Rule.SIGNED_IN, Rule.ORGANIZER, Rule.COORDINATOR, Rule.TOKEN}
# Flask's own route for the files under static/.
NOT_OURS = {"static"}


def _expected(rule: Rule, actor: str, owner: str, path: str) -> str:
    """ "ok", "login", "forbidden" (403) or "not found" (404).

    A check-in link opens its own event's door only (at another it is not signed in);
    co-organizing one event of a series does not give the series, nor the accounts of
    the event's organization."""
    if rule in (Rule.PUBLIC, Rule.SECRET):
        return "ok"
    if rule == Rule.TOKEN:
        return "login"  # a session opens no token route (tests/test_api_tokens.py has the tokens)
    signed_in = actor not in ("anonymous", "link")
    if rule == Rule.DOOR:
        if actor == "anonymous" or (actor == "link" and owner != "P"):
            return "login"
        mine = {
            "staff": "P", "link": "P", "organizer P": "P", "co-organizer": "P",
            "organizer Q": "Q",
        }  # fmt: skip
        return "ok" if actor == "coordinator" or mine.get(actor) == owner else "forbidden"
    if not signed_in:
        return "login"
    if rule == Rule.SIGNED_IN:
        return "ok"
    if actor == "staff":
        return "forbidden"
    if rule == Rule.COORDINATOR:
        return "ok" if actor == "coordinator" else "forbidden"
    if rule == Rule.OWN:  # P's webhook is organizer P's, Q's organizer Q's, DR's the coordinator's
        mine = {"organizer P": "P", "organizer Q": "Q", "coordinator": "DR"}
        return "ok" if mine.get(actor) == owner else "not found"
    if rule == Rule.ORGANIZER or actor == "coordinator":
        return "ok"
    if actor == "co-organizer" and path.startswith(("/organizer/series/", "/organizer/accounts/")):
        return "not found"
    mine = {"organizer P": "P", "co-organizer": "P", "organizer Q": "Q"}
    return "ok" if mine[actor] == owner else "not found"


def _outcome(response, api: bool) -> str:
    status = response.status_code
    assert status < 500, f"{status}: {response.get_data(as_text=True)[:300]}"
    if status == 302 and "/login" in response.headers["Location"]:
        return "login"
    if status == 401 and api:
        return "login"
    return {403: "forbidden", 404: "not found"}.get(status, "ok")


@pytest.fixture
def app_config():
    return {"WTF_CSRF_CHECK_DEFAULT": False}  # forms still check theirs


def _clients(app, world) -> dict:
    clients = {}
    for actor, email in EMAILS.items():
        client = app.test_client()
        client.set_cookie("lang", "en")
        log_in(client, email)
        clients[actor] = client
    clients["anonymous"] = app.test_client()
    clients["link"] = app.test_client()
    token = world["P"].values["_link_token"]
    assert clients["link"].get(f"/checkin/link/{token}").status_code == 302
    return clients


class Snapshot:
    """The SQLite file's contents, to put back after an allowed request changed it."""

    def __init__(self, app, url: str):
        self.app = app
        self.path = url.removeprefix("sqlite:///")
        self.saved = sqlite3.connect(":memory:")
        with sqlite3.connect(self.path) as live:
            live.backup(self.saved)

    def restore(self) -> None:
        with self.app.app_context():
            db.session.remove()
        live = sqlite3.connect(self.path)
        self.saved.backup(live)
        live.close()


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in NOT_OURS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_declares_who_may_open_it(app):
    missing = [
        rule.endpoint
        for rule, _method in _routes(app)
        if not isinstance(getattr(app.view_functions[rule.endpoint], "access_rule", None), Rule)
    ]
    assert missing == [], "declare @access(Rule...) on: " + ", ".join(sorted(set(missing)))


def test_every_route_answers_each_actor_as_its_rule_says(app, database_url):
    with app.app_context():
        world = build_world()
        programme = Programme(slug="partnerstwa", name_pl="Partnerstwa")
        db.session.add(programme)
        db.session.commit()
        programme_id = programme.id
    clients = _clients(app, world)
    sqlite = database_url.startswith("sqlite")
    snapshot = Snapshot(app, database_url) if sqlite else None
    wrong = []
    for rule, method in _routes(app):
        declared = app.view_functions[rule.endpoint].access_rule
        owners = ("P",) if declared in UNOWNED else OWNERS
        cases = [
            (actor, owner, _expected(declared, actor, owner, rule.rule))
            for owner in owners
            for actor in ACTORS
        ]
        cases.sort(key=lambda case: case[2] == "ok")  # refusals first: they change nothing
        for actor, owner, expected in cases:
            if expected == "ok" and method == "POST" and not sqlite:
                continue
            url = route_url(app, rule, method, world[owner], programme_id)
            client = clients[actor]
            response = client.open(url, method=method, data={}, buffered=True)
            got = _outcome(response, rule.endpoint.startswith("api."))
            if expected != "ok":
                body = response.get_data(as_text=True)
                assert f"Osoba{owner}" not in body, f"{method} {url} as {actor} names a person"
            if got != expected:
                where = response.headers.get("Location", "")
                wrong.append(
                    f"{method} {url} as {actor}: {got} ({response.status_code} {where}),"
                    f" expected {expected}"
                )
            if expected == "ok" and method == "POST":
                snapshot.restore()
                logout = rule.endpoint == "auth.logout" and actor in EMAILS
                if logout and client.get("/checkin/").status_code != 200:
                    log_in(client, EMAILS[actor])
    assert wrong == [], f"{len(wrong)} wrong answers:\n" + "\n".join(wrong)
