"""Offline check-in on the server: the encrypted ticket list, the feed of changes and
the replay of queued scans (replays, reordering, other events, tampering, clocks)."""

import base64
import json
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from events.extensions import db
from events.models import Role, Scan, ScanResult, User, utcnow
from events.services.checkin.access import assign_staff, create_link, revoke_link
from events.services.checkin.offline import entry_key, ticket_index
from events.services.listings import find_public_event
from events.services.registration import cancel_registration, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user
from tests.test_checkin_api import log_in

DEVICE_TIME = timedelta(minutes=20)


@pytest.fixture
def door(app):
    with app.app_context():
        event = make_event(title="Konsultacje w Kole")
        other = make_event(title="Szkolenie w Słupcy")
        anna = register_attendee(
            event.id,
            attendee(first_name="Anna", last_name="Kowalska", organization="Koło Gospodyń"),
            notify=False,
        )
        jan = register_attendee(event.id, attendee(first_name="Jan", last_name="Lis"), notify=False)
        gone = register_attendee(event.id, attendee(last_name="Odwołana"), notify=False)
        cancel_registration(gone.id)
        elsewhere = register_attendee(other.id, attendee(), notify=False)
        make_user(email="staff@example.org", password="haslo-do-bramki", role=Role.STAFF)
        assign_staff("staff@example.org", event.slug)
        return {
            "slug": event.slug,
            "other_slug": other.slug,
            "anna": anna.ticket_code,
            "anna_id": anna.id,
            "jan": jan.ticket_code,
            "gone": gone.ticket_code,
            "elsewhere": elsewhere.ticket_code,
        }


def at(minutes_ago: float) -> str:
    return (utcnow() - timedelta(minutes=minutes_ago)).isoformat().replace("+00:00", "Z")


def item(code, nonce, minutes_ago=10.0, **extra):
    return {
        "kind": "scan",
        "code": code,
        "method": "scanner",
        "nonce": nonce,
        "at": at(minutes_ago),
        **extra,
    }


def sync(client, token, slug, items, event=None):
    return client.post(
        f"/api/checkin/{slug}/sync",
        json={"event": event or slug, "items": items},
        headers={"X-CSRFToken": token},
    )


def check_ins(app):
    with app.app_context():
        return [
            (scan.registration_id, scan.result, scan.nonce)
            for scan in db.session.scalars(sa.select(Scan).order_by(Scan.id))
        ]


def test_a_queue_is_replayed_once_with_the_device_times(app, client, door):
    token = log_in(client)
    items = [item(door["anna"], "nonce-anna-0001", 12), item(door["jan"], "nonce-jan-00001", 11)]
    first = sync(client, token, door["slug"], items).get_json()
    assert [r["verdict"]["result"] for r in first["results"]] == ["checked_in", "checked_in"]
    assert first["counts"]["checked_in"] == 2
    # The answer was lost: the same batch again changes nothing.
    again = sync(client, token, door["slug"], items).get_json()
    assert [r["verdict"]["replayed"] for r in again["results"]] == [True, True]
    assert again["counts"]["checked_in"] == 2
    with app.app_context():
        times = db.session.scalars(sa.select(Scan.at).order_by(Scan.id)).all()
    assert len(times) == 2
    assert abs(times[0] - (utcnow() - timedelta(minutes=12))) < timedelta(seconds=30)


def test_a_batch_is_judged_in_the_order_of_the_device_clock(app, client, door):
    token = log_in(client)
    undo = {
        "kind": "undo",
        "registration_id": door["anna_id"],
        "nonce": "undo-anna-0001",
        "at": at(5),
    }
    answer = sync(client, token, door["slug"], [undo, item(door["anna"], "scan-anna-0001", 8)])
    results = {r["nonce"]: r for r in answer.get_json()["results"]}
    assert results["scan-anna-0001"]["verdict"]["result"] == "checked_in"
    assert results["undo-anna-0001"]["verdict"]["result"] == "undone"
    # An undo replayed is answered, not applied twice.
    again = sync(client, token, door["slug"], [undo]).get_json()["results"][0]
    assert again["verdict"]["replayed"] is True
    assert [row[1] for row in check_ins(app)] == [ScanResult.CHECKED_IN, ScanResult.UNDONE]


def test_the_earliest_of_two_offline_check_ins_stands(app, client, door):
    token = log_in(client)
    later = sync(client, token, door["slug"], [item(door["anna"], "door-b-000001", 5)])
    assert later.get_json()["results"][0]["verdict"]["result"] == "checked_in"
    earlier = sync(client, token, door["slug"], [item(door["anna"], "door-a-000001", 9)])
    result = earlier.get_json()["results"][0]
    assert result["verdict"]["result"] == "checked_in" and "previous_at" in result
    assert earlier.get_json()["counts"]["checked_in"] == 1
    assert [(row[1], row[2]) for row in check_ins(app)] == [
        (ScanResult.ALREADY, "door-b-000001"),
        (ScanResult.CHECKED_IN, "door-a-000001"),
    ]
    # A third device, later still, is simply a duplicate.
    third = sync(client, token, door["slug"], [item(door["anna"], "door-c-000001", 1)])
    assert third.get_json()["results"][0]["verdict"]["result"] == "already"


def test_bad_batches_are_refused_and_bad_items_answered_alone(app, client, door):
    token = log_in(client)
    slug = door["slug"]
    other_event = sync(client, token, slug, [item(door["anna"], "n-other-001")], event="x")
    assert other_event.status_code == 400 and "another event" in other_event.get_json()["error"]
    assert (
        sync(client, token, slug, [item(door["anna"], f"n-{i:08}") for i in range(51)]).status_code
        == 400
    )
    for body in ([], {"items": "x"}, "nonsense"):
        response = client.post(
            f"/api/checkin/{slug}/sync", json=body, headers={"X-CSRFToken": token}
        )
        assert response.status_code == 400
    tampered = door["anna"][:-1] + ("A" if door["anna"][-1] != "A" else "B")
    answer = sync(
        client,
        token,
        slug,
        [
            item(tampered, "tampered-001"),
            item(door["elsewhere"], "elsewhere-01"),
            item(door["gone"], "gone-000001"),
            {"kind": "scan", "nonce": "short"},
            {"kind": "teleport", "nonce": "teleport-001", "code": "X"},
            {"kind": "undo", "nonce": "undo-bad-001", "registration_id": "1"},
            item("\x00" * 2000, "nul-codes-01"),
            ["not", "a", "dict"],
        ],
    )
    assert answer.status_code == 200
    results = answer.get_json()["results"]
    verdicts = [r["verdict"]["result"] for r in results if "verdict" in r]
    assert sorted(verdicts) == ["cancelled", "unknown", "wrong_event"]
    assert sum("error" in r for r in results) == 5
    assert answer.get_json()["counts"]["checked_in"] == 0


def test_a_nonce_of_another_scanner_is_refused(app, client, door):
    token = log_in(client)
    sync(client, token, door["slug"], [item(door["anna"], "shared-nonce-1")])
    with app.app_context():
        creator = db.session.scalar(sa.select(User).where(User.email == "staff@example.org"))
        _link, secret = create_link(find_public_event(door["slug"]).id, "Drzwi B", creator, 2)
    volunteer = app.test_client()
    assert volunteer.get(f"/checkin/link/{secret}").status_code == 302
    volunteer_token = csrf_token(volunteer, f"/checkin/{door['slug']}")
    # Scanned after the link was made (an earlier time is refused: before_link).
    again = item(door["jan"], "shared-nonce-1", minutes_ago=0)
    answer = sync(volunteer, volunteer_token, door["slug"], [again])
    assert answer.get_json()["results"][0]["code"] == "nonce_used"
    assert len(check_ins(app)) == 1


def test_a_withdrawn_link_can_neither_sync_nor_download(app, client, door):
    with app.app_context():
        creator = db.session.scalar(sa.select(User).where(User.email == "staff@example.org"))
        event_id = find_public_event(door["slug"]).id
        link, secret = create_link(event_id, "Drzwi C", creator, 2)
        link_id = link.id
    volunteer = app.test_client()
    volunteer.get(f"/checkin/link/{secret}")
    token = csrf_token(volunteer, f"/checkin/{door['slug']}")
    assert volunteer.get(f"/api/checkin/{door['slug']}/dataset").status_code == 200
    with app.app_context():
        revoke_link(link_id, event_id)
    assert volunteer.get(f"/api/checkin/{door['slug']}/dataset").status_code == 401
    assert (
        sync(volunteer, token, door["slug"], [item(door["anna"], "late-nonce-01")]).status_code
        == 401
    )
    assert check_ins(app) == []


def test_the_ticket_list_holds_no_name_and_opens_only_with_the_ticket(app, client, door):
    log_in(client)
    answer = client.get(f"/api/checkin/{door['slug']}/dataset")
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.get_json()
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("Kowalska", "Koło Gospodyń", "Anna", door["anna"], "example.org"):
        assert secret not in text
    assert len(body["entries"]) == 3
    key = base64.b64decode(body["key"])
    index = ticket_index(key, door["anna"])
    entry = next(e for e in body["entries"] if e["k"] == index)
    sealed = base64.b64decode(entry["e"])
    person = json.loads(
        AESGCM(entry_key(key, door["anna"])).decrypt(sealed[:12], sealed[12:], index.encode())
    )
    assert person == {
        "r": door["anna_id"],
        "n": "Anna Kowalska",
        "o": "Koło Gospodyń",
        "s": "confirmed",
    }
    # Another ticket's key does not open it.
    with pytest.raises(InvalidTag):
        AESGCM(entry_key(key, door["jan"])).decrypt(sealed[:12], sealed[12:], index.encode())


def test_changes_tell_other_devices_what_happened(app, client, door):
    token = log_in(client)
    slug = door["slug"]
    start = client.get(f"/api/checkin/{slug}/dataset").get_json()["last_scan_id"]
    client.post(
        f"/api/checkin/{slug}/scan", json={"code": door["anna"]}, headers={"X-CSRFToken": token}
    )
    client.post(
        f"/api/checkin/{slug}/undo",
        json={"registration_id": door["anna_id"]},
        headers={"X-CSRFToken": token},
    )
    feed = client.get(f"/api/checkin/{slug}/changes?since={start}").get_json()
    assert [c["result"] for c in feed["changes"]] == ["checked_in", "undone"]
    assert feed["counts"]["checked_in"] == 0
    key = base64.b64decode(client.get(f"/api/checkin/{slug}/dataset").get_json()["key"])
    assert feed["changes"][0]["k"] == ticket_index(key, door["anna"])
    for since in ("abc", "-1", "9" * 40, ""):
        assert client.get(f"/api/checkin/{slug}/changes?since={since}").status_code == 200


def test_offline_routes_refuse_strangers(app, client, door):
    slug = door["slug"]
    assert client.get(f"/api/checkin/{slug}/dataset").status_code == 401
    assert client.get(f"/api/checkin/{slug}/changes").status_code == 401
    assert client.post(f"/api/checkin/{slug}/sync", json={}).status_code == 400  # no CSRF
    with app.app_context():
        make_user(email="outsider@example.org", password="haslo-do-bramki", role=Role.STAFF)
    token = log_in(client, "outsider@example.org")
    assert client.get(f"/api/checkin/{slug}/dataset").status_code == 403
    assert sync(client, token, slug, []).status_code == 403


def test_after_the_event_the_list_is_gone(app, client, door):
    log_in(client)
    with app.app_context():
        event = find_public_event(door["slug"])
        event.starts_at = utcnow() - timedelta(days=1, hours=6)
        event.ends_at = utcnow() - timedelta(days=1)
        db.session.commit()
    assert client.get(f"/api/checkin/{door['slug']}/dataset").status_code == 410


def test_a_typed_code_one_character_off_is_offered_with_its_name(app, client, door):
    token = log_in(client)
    code = door["anna"]
    slip = code[:5] + ("Q" if code[5] != "Q" else "R") + code[6:]
    for typed in (slip, code[:-1], code + "7", "  " + "-".join([slip[:13], slip[13:]]).lower()):
        answer = client.post(
            f"/api/checkin/{door['slug']}/scan",
            json={"code": typed},
            headers={"X-CSRFToken": token},
        ).get_json()
        assert answer["result"] == "unknown"
        assert answer["title"] == "Did you mean Anna Kowalska?", typed
        assert answer["suggestion"]["registration_id"] == door["anna_id"]
    # A ticket of another event is never suggested, nor a code two slips away.
    elsewhere = door["elsewhere"][:-1] + ("A" if door["elsewhere"][-1] != "A" else "B")
    two_off = slip[:-1] + ("A" if slip[-1] != "A" else "B")
    for typed in (elsewhere, two_off):
        answer = client.post(
            f"/api/checkin/{door['slug']}/scan",
            json={"code": typed},
            headers={"X-CSRFToken": token},
        ).get_json()
        assert "suggestion" not in answer and answer["title"] == "Unknown code"


def test_search_finds_a_ticket_by_its_last_six_characters(app, client, door):
    log_in(client)
    tail = door["jan"][-6:]
    spaced = f"{tail[:3]} {tail[3:]}".lower()
    results = client.get(f"/api/checkin/{door['slug']}/search?q={spaced}").get_json()["results"]
    assert [r["name"] for r in results] == ["Jan Lis"]
    other = client.get(f"/api/checkin/{door['slug']}/search?q={door['elsewhere'][-6:]}")
    assert other.get_json()["results"] == []


def test_six_doors_syncing_one_ticket_at_once_leave_the_earliest_standing(app, door):
    slug, code = door["slug"], door["anna"]
    first = app.test_client()
    token = log_in(first)
    session_cookie = first.get_cookie("session")
    clients = [app.test_client() for _ in range(6)]
    for client in clients:
        client.set_cookie("session", session_cookie.value)
    barrier = threading.Barrier(6)
    results = [None] * 6

    def door_phone(index):
        # Doors 0 and 1 replay one batch (a retry racing the original).
        nonce = "door-x-00001" if index < 2 else f"door-{index}-00001"
        batch = [item(code, nonce, minutes_ago=10 + (index if index >= 2 else 0))]
        barrier.wait()
        answer = sync(clients[index], token, slug, batch).get_json()["results"][0]
        results[index] = answer["verdict"]["result"]

    threads = [threading.Thread(target=door_phone, args=(index,)) for index in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        rows = db.session.execute(sa.select(Scan.result, Scan.nonce).order_by(Scan.at)).all()
    assert len(rows) == 5  # the replayed batch counted once
    assert rows[0] == (ScanResult.CHECKED_IN, "door-5-00001")  # made first: 15 minutes ago
    assert [row.result for row in rows[1:]] == [ScanResult.ALREADY] * 4


def test_names_in_the_clear_only_when_the_organizer_chose_offline_search(app, client, door):
    token = log_in(client)
    slug = door["slug"]
    assert client.get(f"/api/checkin/{slug}/dataset").get_json()["names"] is None
    with app.app_context():
        event = find_public_event(slug)
        event.offline_name_search = True
        db.session.commit()
    names = client.get(f"/api/checkin/{slug}/dataset").get_json()["names"]
    # Confirmed people only, as the door search finds them online (not the cancelled Zofia).
    assert {person["n"] for person in names} == {"Anna Kowalska", "Jan Lis"}
    # Found by name offline, checked in by id when the connection returns.
    found = {
        "kind": "checkin",
        "registration_id": door["anna_id"],
        "nonce": "by-name-0001",
        "at": at(7),
    }
    first = sync(client, token, slug, [found]).get_json()["results"][0]
    assert first["verdict"]["result"] == "checked_in"
    again = sync(client, token, slug, [found]).get_json()["results"][0]
    assert again["verdict"]["replayed"] is True
    with app.app_context():
        moment = db.session.scalar(sa.select(Scan.at))
    assert abs(moment - (utcnow() - timedelta(minutes=7))) < timedelta(seconds=30)


def test_unknown_codes_sent_through_sync_count_against_the_limit(app, client, door):
    token = log_in(client)
    guesses = [item(f"ZGADUJE{number:04}", f"guess-{number:06}", 30) for number in range(35)]
    results = sync(client, token, door["slug"], guesses[:30]).get_json()["results"]
    assert all(r["verdict"]["result"] == "unknown" for r in results)
    late = sync(client, token, door["slug"], guesses[30:] + [item(door["anna"], "real-000001")])
    codes = [r.get("code") for r in late.get_json()["results"]]
    assert codes == ["throttled"] * 6  # kept in the device's queue, sent again later


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "2026-02-30T10:00:00Z", 1e308],
)
def test_an_unreadable_device_time_spoils_only_its_own_item(app, client, door, moment):
    """Issue 19: one item with a time out of range answered 500, and the batch was lost."""
    token = log_in(client)
    good = [item(door["anna"], "good-anna-0001", 3), item(door["jan"], "good-jan-00001", 2)]
    bad = {**item(door["gone"], "bad-time-00001"), "at": moment}
    answer = sync(client, token, door["slug"], [good[0], bad, good[1]])
    assert answer.status_code == 200
    results = {r["nonce"]: r for r in answer.get_json()["results"]}
    assert results["good-anna-0001"]["verdict"]["result"] == "checked_in"
    assert results["good-jan-00001"]["verdict"]["result"] == "checked_in"
    assert results["bad-time-00001"]["code"] == "bad_item"
    assert results["bad-time-00001"]["error"]
    assert answer.get_json()["counts"]["checked_in"] == 2
    assert {row[2] for row in check_ins(app)} == {"good-anna-0001", "good-jan-00001"}


def test_a_replayed_undo_counts_once(app, client, door):
    """An undo sent again (its answer was lost) is answered from its nonce: it neither
    undoes a check-in made since nor answers "not checked in"."""
    token = log_in(client)
    slug = door["slug"]

    def undo(nonce=None):
        body = {"registration_id": door["anna_id"]} | ({"nonce": nonce} if nonce else {})
        return client.post(f"/api/checkin/{slug}/undo", json=body, headers={"X-CSRFToken": token})

    scan_body = {"code": door["anna"], "method": "scanner"}
    client.post(f"/api/checkin/{slug}/scan", json=scan_body, headers={"X-CSRFToken": token})
    first = undo("undo-once-0001").get_json()
    assert first["result"] == "undone" and first["replayed"] is False
    client.post(f"/api/checkin/{slug}/scan", json=scan_body, headers={"X-CSRFToken": token})
    again = undo("undo-once-0001")
    assert again.status_code == 200
    assert again.get_json()["replayed"] is True and again.get_json()["scan_id"] == first["scan_id"]
    assert again.get_json()["counts"]["checked_in"] == 1  # the new check-in stands
    # The same undo queued offline and synced later is the same undo.
    queued = {"kind": "undo", "registration_id": door["anna_id"], "nonce": "undo-once-0001",
              "at": at(1)}  # fmt: skip
    synced = sync(client, token, slug, [queued]).get_json()["results"][0]
    assert synced["verdict"]["replayed"] is True
    # Without a nonce an undo behaves as before.
    assert undo().get_json()["result"] == "undone"
    assert undo().status_code == 409
    assert [row[1] for row in check_ins(app)] == [
        ScanResult.CHECKED_IN,
        ScanResult.UNDONE,
        ScanResult.CHECKED_IN,
        ScanResult.UNDONE,
    ]


def test_at_a_course_session_too_the_earliest_check_in_stands(app, client):
    """The one decision applies the rule at a session as at a single event: the door that
    synced late but scanned first takes the check-in, the other becomes the duplicate."""
    from events.models import SessionAttendance
    from tests.factories import make_course

    with app.app_context():
        course = make_course()
        person = register_attendee(course.id, attendee(), notify=False)
        make_user(email="staff@example.org", password="haslo-do-bramki", role=Role.STAFF)
        assign_staff("staff@example.org", course.slug)
        slug, code, second = course.slug, person.ticket_code, course.sessions[1].id
    token = log_in(client)

    def sync_at_second(nonce, minutes_ago):
        return client.post(
            f"/api/checkin/{slug}/sync?session={second}",
            json={"event": slug, "items": [item(code, nonce, minutes_ago)]},
            headers={"X-CSRFToken": token},
        ).get_json()

    assert sync_at_second("door-b-000001", 5)["results"][0]["verdict"]["result"] == "checked_in"
    earlier = sync_at_second("door-a-000001", 9)
    assert earlier["results"][0]["verdict"]["result"] == "checked_in"
    assert "previous_at" in earlier["results"][0] and earlier["counts"]["checked_in"] == 1
    assert sync_at_second("door-c-000001", 1)["results"][0]["verdict"]["result"] == "already"
    assert [(row[1], row[2]) for row in check_ins(app)] == [
        (ScanResult.ALREADY, "door-b-000001"),
        (ScanResult.CHECKED_IN, "door-a-000001"),
        (ScanResult.ALREADY, "door-c-000001"),
    ]
    with app.app_context():
        [attendance] = db.session.scalars(sa.select(SessionAttendance)).all()
        made_first = utcnow() - timedelta(minutes=9)
        assert abs(attendance.checked_in_at - made_first) < timedelta(seconds=30)
        registration = db.session.get(type(person), person.id)
        assert registration.checked_in_at == attendance.checked_in_at
