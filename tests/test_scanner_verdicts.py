"""The door's verdicts as one table, for the server and for the scanner offline.

tests/js/door_verdicts.json lists the cases: a confirmed ticket, one already checked
in, cancelled, waiting list, pending, declined, a ticket of another event, an unknown
or sloppily typed code, an erased person's old ticket, course sessions, a person found
by name. The server's check-in decision is run on each case here. The scanner's
offline verdict (static/js/scanner/verdicts.js) is run under Node on the same cases,
reading the ticket list that the server makes for each (tests/js/door_verdicts.test.mjs),
so that the two verdicts cannot drift apart. Where a device cannot know what the
server knows (a ticket of another event, no list yet), the case says what the device
answers instead, and why.

Without Node the offline half is skipped loudly; REQUIRE_NODE=1 (set by CI) fails it.
"""

import base64
import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from events.extensions import db
from events.identifiers import new_ticket_code
from events.models import (
    Event,
    RegistrationStatus,
    Role,
    ScanMethod,
    ScanResult,
    SessionAttendance,
    utcnow,
)
from events.services.checkin.door import Actor, check_in_registration, scan_code
from events.services.checkin.offline import event_dataset, index_key, ticket_index
from events.services.privacy import erase_person
from tests.conftest import make_app, skip_or_fail
from tests.factories import make_course, make_event, make_registration, make_user

NODE_TESTS = Path(__file__).resolve().parent / "js"
CASES = json.loads((NODE_TESTS / "door_verdicts.json").read_text(encoding="utf-8"))["cases"]
FIELDS = {"name", "kind", "status", "checked_in", "course", "event", "erased", "typed"}
FIELDS |= {"device", "door_search_waiting", "door", "expect", "offline", "why"}
# When the door is shut: the check-in window (checkin.windows) missed by a minute.
DOOR = {
    "early": lambda now, event: now + timedelta(minutes=event.checkin_opens_minutes + 1),
    "late": lambda now, event: now - timedelta(hours=4, minutes=event.checkin_closes_minutes + 1),
}

# How the code reaches the door, from the ticket's code.
TYPED = {
    "code": lambda code: code,
    "sloppy": lambda code: "  " + "-".join([code[:4], code[4:13], code[13:]]).lower() + " ",
    "polish_letter": lambda code: code[:5] + "ż" + code[5:],
    "no_such_code": lambda code: new_ticket_code(),
    "blank": lambda code: " - -  ",
    "three_codes": lambda code: code * 3,
}


@dataclass
class Door:
    """A case made real: the event at whose door the code is shown, and what is typed."""

    event: Event
    typed: str
    registration_id: int
    session_id: int | None
    ticket_code: str


def arrange(case: dict) -> Door:
    course = case.get("course")
    event = make_course() if course else make_event()
    event.offline_name_search = case.get("kind") == "name"
    event.door_search_waiting = case.get("door_search_waiting", False)
    home = make_event() if case.get("event") == "other" else event
    status = RegistrationStatus(case.get("status", "confirmed"))
    person = make_registration(
        home, status, case.get("checked_in", False), first_name="Anna", last_name="Nowak"
    )
    if case.get("door"):  # moved so that its window opened a minute ago, or closes
        starts = DOOR[case["door"]](utcnow(), event)
        timed = [event, *event.sessions]
        for item in timed:
            item.starts_at, item.ends_at = starts, starts + timedelta(hours=4)
    session_id = None
    if course:
        sessions = list(event.sessions)
        for index in course["attended"]:
            db.session.add(
                SessionAttendance(
                    session_id=sessions[index].id,
                    registration_id=person.id,
                    checked_in_at=utcnow(),
                    checked_in_by="bramka@example.org",
                )
            )
            person.checked_in_at, person.checked_in_by = utcnow(), "bramka@example.org"
        session_id = sessions[course["at"]].id
    db.session.commit()
    code = person.ticket_code
    if case.get("erased"):
        erase_person(person.email, None)
    typed = TYPED[case.get("typed", "code")](code)
    return Door(event, typed, person.id, session_id, code)


def server_verdict(door: Door, case: dict, actor: Actor) -> str:
    if case.get("kind") == "name":
        verdict = check_in_registration(
            door.event.id, door.registration_id, actor, session_id=door.session_id
        )
    else:
        verdict = scan_code(
            door.event.id, door.typed, ScanMethod.SCANNER, actor, session_id=door.session_id
        )
    return verdict.result.value


def test_the_table_speaks_the_server_s_words():
    assert len({case["name"] for case in CASES}) == len(CASES)
    results = {result.value for result in ScanResult}
    for case in CASES:
        assert set(case) <= FIELDS, case["name"]
        RegistrationStatus(case.get("status", "confirmed"))
        assert case["expect"] in results, case["name"]
        assert case.get("typed", "code") in TYPED, case["name"]
        assert case.get("device") in (None, "no_list", "unreadable_list"), case["name"]
        assert case.get("door") in (None, *DOOR), case["name"]
        if "offline" in case:
            assert case["offline"] in results | {"queued"}, case["name"]
            assert case["offline"] != case["expect"] and case.get("why"), case["name"]


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_the_server_decides_as_the_table_says(ctx, case):
    staff = make_user(email="bramka@example.org", role=Role.STAFF)
    door = arrange(case)
    assert server_verdict(door, case, Actor(user_id=staff.id)) == case["expect"]


def device_list(door: Door, case: dict, secret: str) -> dict | None:
    """The ticket list the server gives the device for this door (None: none yet)."""
    if case.get("device") == "no_list":
        return None
    made = event_dataset(door.event, secret, utcnow(), door.session_id)
    if case.get("device") == "unreadable_list":
        index = ticket_index(index_key(secret, door.event.id), door.ticket_code)
        entry = next(entry for entry in made["entries"] if entry["k"] == index)
        sealed = bytearray(base64.b64decode(entry["e"]))
        sealed[20] ^= 0xFF  # one byte of the person's details changed in storage
        entry["e"] = base64.b64encode(bytes(sealed)).decode()
    return made


def node_for_es_modules() -> str:
    """Node.js that imports the page's ES modules as they are (module syntax detection:
    20.19 or newer in the 20 line, 22.7 or newer)."""
    node = shutil.which("node")
    if node is None:
        skip_or_fail("Node.js is not installed: the offline verdict is not tested", "REQUIRE_NODE")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
    major, minor = (int(part) for part in version.stdout.strip().lstrip("v").split(".")[:2])
    if not ((20, 19) <= (major, minor) < (21, 0) or (major, minor) >= (22, 7)):
        skip_or_fail(f"Node.js {version.stdout.strip()} is too old for this test", "REQUIRE_NODE")
    return node


def test_the_scanner_decides_offline_as_the_table_says(tmp_path):
    node = node_for_es_modules()
    app = make_app(f"sqlite:///{tmp_path / 'lists.db'}")
    with app.app_context():
        db.create_all()
        made = []
        for case in CASES:
            door = arrange(case)
            made.append(
                {
                    "name": case["name"],
                    "kind": case.get("kind", "scan"),
                    "typed": door.typed,
                    "registration_id": door.registration_id,
                    "list": device_list(door, case, app.config["SECRET_KEY"]),
                }
            )
        db.engine.dispose()
    lists = tmp_path / "lists.json"
    lists.write_text(json.dumps({"cases": made}, ensure_ascii=False), encoding="utf-8")
    run = subprocess.run(
        [node, "--test", str(NODE_TESTS / "door_verdicts.test.mjs")],
        env={**os.environ, "DOOR_VERDICT_LISTS": str(lists)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = run.stdout + run.stderr
    if run.returncode != 0:
        pytest.fail(f"the offline verdict differs from the table:\n{report}", pytrace=False)
    assert f"# pass {2 * len(CASES)}" in report and "# skipped 0" in report, report
