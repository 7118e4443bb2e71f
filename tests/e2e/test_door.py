"""The door as staff meet it, in Chromium: a phone-sized scanner, undo from every
place, retries that count once, typing slips, and check-in with the network off."""

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from events.extensions import db
from events.models import Scan, ScanMethod, ScanResult, utcnow
from tests.e2e.test_scanner import door as door  # noqa: F401 (the fixture)
from tests.e2e.test_scanner import open_scanner, scans, write_y4m

pytestmark = pytest.mark.browser

SHOTS = os.environ.get("SCANNER_SCREENSHOTS")


def shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def type_code(page, code):
    page.focus("#code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def wait_verdict(page, result, name=None):
    page.wait_for_selector(f'#verdict[data-result="{result}"]:not([hidden])')
    if name:  # the same verdict may still show the person before
        expect(page.locator("#verdict .verdict-name")).to_have_text(name)
    return page.inner_text("#verdict")


def wait_ready(page):
    """The ticket list is on the device and the service worker controls the page."""
    page.wait_for_selector('#scanner[data-list="ready"][data-cached="true"]')


def test_the_scanner_fits_a_phone_screen(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    page.wait_for_selector("#camera-status")
    shot(page, "scanner-390x844")
    assert page.locator(".site-header").is_hidden()
    for selector in ("#code", "#counters", "#camera-toggle", ".scanner-menu summary"):
        box = page.locator(selector).bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844, selector
    # No camera running: no black box taking a third of the screen (issue 19, item 11).
    assert page.locator("#camera").is_hidden()
    for selector in ("#camera-toggle", "#code", ".scanner-menu summary"):
        assert page.locator(selector).bounding_box()["height"] >= 48, selector
    # No camera in this browser: the button offers what it will do.
    assert page.inner_text("#camera-toggle") == "Start camera"


def test_undo_from_the_recent_list_from_already_and_from_search(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    anna, jerzy, lucja = door["codes"]
    type_code(page, anna)
    wait_verdict(page, "checked_in")
    page.wait_for_timeout(3000)  # the verdict stays until the next scan or a tap
    assert page.locator("#verdict").is_visible()
    type_code(page, jerzy)
    wait_verdict(page, "checked_in", "Jerzy Wójcik")
    page.click("#verdict-next")
    names = page.locator("#recent .recent-name").all_inner_texts()
    assert names == ["Jerzy Wójcik", "Anna Nowak"]  # newest first

    page.get_by_role("button", name="Undo check-in: Anna Nowak").click()
    assert "Anna Nowak" in wait_verdict(page, "undone")
    page.click("#verdict-next")
    assert page.locator('#recent li[data-state="undone"] .recent-name').inner_text() == "Anna Nowak"
    page.locator("#recent").scroll_into_view_if_needed()
    shot(page, "recent-list")

    type_code(page, jerzy)  # the wrong Jerzy came to the door: undo on "already"
    text = wait_verdict(page, "already")
    shot(page, "verdict-already")
    assert "by bramka@example.org" in text
    page.click("#verdict-undo")
    wait_verdict(page, "undone")
    page.click("#verdict-next")

    page.fill("#search", "zając")
    page.get_by_role("button", name="Check in: Łucja Zając").click()
    wait_verdict(page, "checked_in")
    page.click("#verdict-next")
    page.get_by_role("button", name="Undo check-in: Łucja Zając").first.click()
    wait_verdict(page, "undone")
    assert [result for result, _method in scans(live_app)] == [
        ScanResult.CHECKED_IN,
        ScanResult.CHECKED_IN,
        ScanResult.UNDONE,
        ScanResult.ALREADY,
        ScanResult.UNDONE,
        ScanResult.CHECKED_IN,
        ScanResult.UNDONE,
    ]
    assert page.inner_text("#count-checked-in") == "0"
    _ = lucja


def test_a_lost_answer_is_retried_with_the_same_nonce_and_counted_once(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    sent = []

    def lose_the_first_answer(route):
        sent.append(route.request.post_data_json["nonce"])
        if len(sent) == 1:
            route.fetch()  # the server checks the person in ...
            route.abort("connectionreset")  # ... and the answer never arrives
        else:
            route.continue_()

    page.route("**/api/checkin/*/scan", lose_the_first_answer)
    type_code(page, door["codes"][0])
    assert "Anna Nowak" in wait_verdict(page, "checked_in")
    assert len(sent) == 2 and sent[0] == sent[1]
    assert scans(live_app) == [(ScanResult.CHECKED_IN, ScanMethod.SCANNER)]


def test_a_slip_of_one_character_is_offered_with_the_name(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    code = door["codes"][1]
    slip = code[:7] + ("X" if code[7] != "X" else "Y") + code[8:]
    type_code(page, slip)
    assert "Did you mean Jerzy Wójcik?" in wait_verdict(page, "unknown")
    shot(page, "verdict-did-you-mean")
    page.get_by_role("button", name="Check in Jerzy Wójcik").click()
    wait_verdict(page, "checked_in")
    page.click("#verdict-next")
    page.fill("#search", code[-6:].lower())
    page.get_by_role("button", name="Undo check-in: Jerzy Wójcik").wait_for()


def test_check_in_with_the_network_off(launch, live_app, door, tmp_path):
    with live_app.app_context():
        from events.services.listings import find_public_event
        from events.services.registration import register_attendee
        from tests.factories import attendee

        event = find_public_event(door["slug"])
        extra = register_attendee(
            event.id, attendee(first_name="Kamil", last_name="Kamerowy"), notify=False
        )
        camera_code = extra.ticket_code
    video = tmp_path / "ticket.y4m"
    write_y4m(video, camera_code)
    # A fake camera, but no permission yet: the camera starts only once offline.
    browser = launch(
        "--use-fake-device-for-media-stream", f"--use-file-for-fake-video-capture={video}"
    )
    page = open_scanner(browser, live_app, door["slug"])
    wait_ready(page)
    context = page.context
    went_offline = utcnow()
    context.set_offline(True)
    context.grant_permissions(["camera"])
    response = page.reload()
    assert response is None or response.from_service_worker
    page.wait_for_selector('#scanner[data-online="false"]')
    assert page.locator("#offline-banner").is_visible()
    assert "Kamil Kamerowy" in wait_verdict(page, "checked_in")  # read by the camera
    assert page.locator("#verdict").get_attribute("data-offline") == "true"
    names = ("Anna Nowak", "Jerzy Wójcik", "Łucja Zając")
    for code, name in zip(door["codes"], names, strict=True):
        type_code(page, code.lower())
        wait_verdict(page, "checked_in", name)
    type_code(page, door["codes"][0])
    assert "Anna Nowak" in wait_verdict(page, "already")
    page.click("#verdict-next")
    page.wait_for_selector('#scanner[data-queued="5"]')
    assert "5" in page.inner_text("#offline-banner")
    shot(page, "scanner-offline")
    stored = page.evaluate(READ_STORE)
    for secret in ("Nowak", "Wójcik", "Zając", "Kamerowy", "Stowarzyszenie Razem"):
        assert secret not in stored
    assert scans(live_app) == []

    back_online = utcnow()
    context.set_offline(False)
    page.wait_for_selector('#scanner[data-queued="0"]', timeout=15_000)
    with live_app.app_context():
        rows = db.session.execute(sa.select(Scan.result, Scan.method, Scan.at).order_by(Scan.id))
        rows = rows.all()
    assert [row.result for row in rows].count(ScanResult.CHECKED_IN) == 4
    assert [row.result for row in rows].count(ScanResult.ALREADY) == 1
    assert [row.method for row in rows].count(ScanMethod.CAMERA) == 1
    for row in rows:  # the device's times, not the time of the sync
        assert went_offline - timedelta(seconds=5) <= row.at <= back_online
    assert page.inner_text("#count-checked-in") == "4"


READ_STORE = """async () => {
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open("door-" + document.getElementById("scanner").dataset.slug);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const all = async (name) => new Promise((resolve) => {
    const request = db.transaction([name]).objectStore(name).getAll();
    request.onsuccess = () => resolve(request.result);
  });
  const entries = await all("entries");
  if (!entries.length) throw new Error("no ticket list on the device");
  return JSON.stringify([entries, await all("meta"), await all("queue")]);
}"""


def test_two_doors_offline_check_the_same_ticket_in(browser, live_app, door):
    first = open_scanner(browser, live_app, door["slug"])
    second = open_scanner(browser, live_app, door["slug"])
    for page in (first, second):
        wait_ready(page)
        page.context.set_offline(True)
    for page in (first, second):
        type_code(page, door["codes"][2])
        assert "Łucja Zając" in wait_verdict(page, "checked_in")
        page.click("#verdict-next")
    for page in (second, first):
        page.context.set_offline(False)
        page.wait_for_selector('#scanner[data-queued="0"]', timeout=15_000)
    for page in (first, second):
        page.wait_for_selector("#sync-notes li", timeout=10_000)
        assert "Łucja Zając" in page.inner_text("#sync-notes")
    assert sorted(result for result, _method in scans(live_app)) == sorted(
        [ScanResult.CHECKED_IN, ScanResult.ALREADY]
    )
    # The check-in made first (on the first device) stands.
    with live_app.app_context():
        standing = db.session.scalar(sa.select(Scan).where(Scan.result == ScanResult.CHECKED_IN))
        duplicate = db.session.scalar(sa.select(Scan).where(Scan.result == ScanResult.ALREADY))
        assert standing.at <= duplicate.at


def test_logging_out_erases_the_ticket_list_from_the_device(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    wait_ready(page)
    page.click(".scanner-menu summary")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_app.url}/")
    names = page.evaluate("indexedDB.databases().then(list => list.map(db => db.name))")
    assert not [name for name in names if name.startswith("door-")]
    assert page.evaluate("caches.keys()") == []


def test_offline_search_by_name_when_the_organizer_allows_it(browser, live_app, door):
    with live_app.app_context():
        from events.services.listings import find_public_event

        find_public_event(door["slug"]).offline_name_search = True
        db.session.commit()
    page = open_scanner(browser, live_app, door["slug"])
    wait_ready(page)
    page.context.set_offline(True)
    page.fill("#search", "lucja zajac")
    page.get_by_role("button", name="Check in: Łucja Zając").click()
    assert "Łucja Zając" in wait_verdict(page, "checked_in")
    assert page.locator("#verdict").get_attribute("data-offline") == "true"
    page.click("#verdict-next")
    page.context.set_offline(False)
    page.wait_for_selector('#scanner[data-queued="0"]', timeout=15_000)
    assert scans(live_app) == [(ScanResult.CHECKED_IN, ScanMethod.SEARCH)]
