"""The check-in window at the door, in Chromium on a phone-sized screen: a ticket
scanned two days early is refused with the day of the event and nothing is
recorded as attended; an organizer checks the person in anyway with a reason,
from the keyboard, on a small phone too; offline, the device refuses from its own
list (with the day), and the sync neither records the refusal as a check-in nor
raises an alarm about it; a check-in the device accepted offline that the server
refuses (the window narrowed meanwhile) is marked "not recorded"."""

import os
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from events.extensions import db
from events.models import Event, Registration, Role, Scan, ScanMethod, ScanResult, utcnow
from events.services.checkin.access import assign_staff
from events.services.registration import register_attendee
from events.timezone import from_local, local_date
from tests.e2e.test_door import READ_STORE, type_code, wait_ready, wait_verdict
from tests.factories import attendee, make_event, make_user

pytestmark = pytest.mark.browser

PASSWORD = "haslo-na-bramce"
STAFF, ORGANIZER = "bramka@example.org", "organizator@example.org"
SHOTS = os.environ.get("SCANNER_SCREENSHOTS")


def shot(page, name, full_page=True):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=full_page)


@pytest.fixture
def early(live_app):
    """A seminar in two days, with one confirmed person, a door volunteer and an organizer."""
    with live_app.app_context():
        # At 10:00 Polish time: the window (an hour before) opens on the day of the start
        # whatever the hour of the run (a start just after midnight opened it the day before).
        starts = from_local(datetime.combine(local_date(utcnow()) + timedelta(days=2), time(10)))
        event = make_event(
            title="Seminarium w Lesznie", starts_at=starts, ends_at=starts + timedelta(hours=4)
        )
        person = register_attendee(
            event.id, attendee(first_name="Łucja", last_name="Zając"), notify=False
        )
        make_user(email=STAFF, password=PASSWORD, role=Role.STAFF)
        assign_staff(STAFF, event.slug)
        make_user(email=ORGANIZER, password=PASSWORD, role=Role.COORDINATOR)
        local = starts.astimezone(ZoneInfo(live_app.config["BABEL_DEFAULT_TIMEZONE"]))
        return {
            "slug": event.slug,
            "code": person.ticket_code,
            "registration_id": person.id,
            "day": f"{local:%A} {local.day} {local:%B}",
            "month_day": f"{local:%B} {local.day}",  # as Chromium writes "en"
        }


def open_scanner_as(browser, live_app, slug, email):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    context.add_cookies([{"name": "lang", "value": "en", "url": live_app.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.goto(f"{live_app.url}/checkin/{slug}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"**/checkin/{slug}")
    return page


def door_state(live_app, registration_id):
    """The scans recorded (result, method, reason) and whether the person counts as in."""
    with live_app.app_context():
        rows = db.session.execute(
            sa.select(Scan.result, Scan.method, Scan.reason).order_by(Scan.id)
        )
        checked_in_at = db.session.get(Registration, registration_id).checked_in_at
        return [tuple(row) for row in rows], checked_in_at


def test_staff_are_told_the_day_and_nothing_is_recorded(browser, live_app, early):
    page = open_scanner_as(browser, live_app, early["slug"], STAFF)
    closed = page.locator("#door-closed")
    expect(closed).to_be_visible()
    assert "Check-in is not open now" in closed.inner_text()

    type_code(page, early["code"])  # a handheld scanner: the code, then Enter
    text = wait_verdict(page, "outside_window", "Łucja Zając")
    shot(page, "outside-window-staff")
    assert "Not the time for check-in" in text
    assert f"This session is on {early['day']}" in text and "Check-in opens at" in text
    assert page.locator("#verdict-override").is_hidden()  # door staff may not override here
    assert page.locator("#verdict-undo").is_hidden()
    assert page.inner_text("#count-checked-in") == "0"
    # The refusal is in the history; nobody is checked in.
    scans, checked_in_at = door_state(live_app, early["registration_id"])
    assert scans == [(ScanResult.OUTSIDE_WINDOW, ScanMethod.SCANNER, None)]
    assert checked_in_at is None


def test_an_organizer_checks_in_outside_the_window_with_a_reason(browser, live_app, early):
    page = open_scanner_as(browser, live_app, early["slug"], ORGANIZER)
    type_code(page, early["code"])
    wait_verdict(page, "outside_window", "Łucja Zając")
    form = page.locator("#verdict-override")
    expect(form).to_be_visible()
    expect(page.get_by_label("Why check in outside the check-in time?")).to_be_visible()
    shot(page, "outside-window-organizer")
    # The form on the red verdict is readable (axe checks the contrast, the labels).
    from tests.e2e.test_registration_journey import serious_violations

    assert serious_violations(page) == []
    # A small phone (or the keyboard open): the verdict scrolls, from its top down.
    page.set_viewport_size({"width": 360, "height": 560})
    assert page.locator("#verdict .verdict-icon").bounding_box()["y"] >= 0
    submit = page.get_by_role("button", name="Check in with this reason")
    submit.scroll_into_view_if_needed()
    assert submit.bounding_box()["y"] + submit.bounding_box()["height"] <= 560
    shot(page, "outside-window-organizer-360x560", full_page=False)
    # The code field keeps the focus (the next handheld scan lands there); the reason
    # is a few Shift+Tabs away.
    assert page.evaluate("document.activeElement.id") == "code"
    for _ in range(5):
        if page.evaluate("document.activeElement.id") == "override-reason":
            break
        page.keyboard.press("Shift+Tab")
    assert page.evaluate("document.activeElement.id") == "override-reason"
    page.keyboard.press("Enter")  # no reason yet: the form is not sent
    page.wait_for_timeout(300)
    assert page.locator("#verdict").get_attribute("data-result") == "outside_window"
    page.keyboard.type("Przyjechała dzień wcześniej na warsztaty przygotowawcze")
    shot(page, "outside-window-reason-typed")
    page.keyboard.press("Enter")
    assert "Łucja Zając" in wait_verdict(page, "checked_in")
    shot(page, "outside-window-overridden")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    assert page.locator("#verdict-override").is_hidden()
    scans, checked_in_at = door_state(live_app, early["registration_id"])
    assert scans == [
        (ScanResult.OUTSIDE_WINDOW, ScanMethod.SCANNER, None),
        (
            ScanResult.CHECKED_IN,
            ScanMethod.SEARCH,
            "Przyjechała dzień wcześniej na warsztaty przygotowawcze",
        ),
    ]
    assert checked_in_at is not None


def test_offline_the_device_refuses_outside_the_window(browser, live_app, early):
    page = open_scanner_as(browser, live_app, early["slug"], ORGANIZER)
    wait_ready(page)
    page.context.set_offline(True)
    page.wait_for_selector('#scanner[data-online="false"]')
    type_code(page, early["code"])
    text = wait_verdict(page, "outside_window", "Łucja Zając")
    shot(page, "outside-window-offline")
    assert "Not the time for check-in" in text
    # With the day: "open from 16:19" alone would read as today.
    assert f"Check-in is open from {early['month_day']}" in text
    assert page.locator("#verdict").get_attribute("data-offline") == "true"
    assert page.locator("#verdict-override").is_hidden()  # no override without the server
    assert page.inner_text("#count-checked-in") == "0"
    page.click("#verdict-next")
    # Nobody in the recent list, nobody marked in on the device's list.
    assert page.locator("#recent li").count() == 0
    stored = page.evaluate(READ_STORE)
    assert '"c":null' in stored.replace(" ", "") and '"local":"checked_in"' not in stored

    page.context.set_offline(False)
    page.wait_for_selector('#scanner[data-queued="0"]', timeout=15_000)
    scans, checked_in_at = door_state(live_app, early["registration_id"])
    assert scans == [(ScanResult.OUTSIDE_WINDOW, ScanMethod.SCANNER, None)]
    assert checked_in_at is None
    assert page.inner_text("#count-checked-in") == "0"
    # The device said so already: no alarm that a scan "could not be recorded".
    page.wait_for_timeout(500)
    assert page.locator("#sync-notes li").count() == 0
    shot(page, "outside-window-synced")


def test_a_check_in_accepted_offline_is_marked_not_recorded_if_the_window_shut(
    browser, live_app, early
):
    """The device's list said the door was open; meanwhile the organizer narrowed the
    window: the server refuses the queued check-in, and the device says so."""
    with live_app.app_context():
        starts = utcnow().replace(microsecond=0) + timedelta(minutes=30)
        event = make_event(
            title="Seminarium w Kaliszu", starts_at=starts, ends_at=starts + timedelta(hours=2)
        )
        person = register_attendee(
            event.id, attendee(first_name="Jerzy", last_name="Wójcik"), notify=False
        )
        slug, code, registration_id = event.slug, person.ticket_code, person.id
    page = open_scanner_as(browser, live_app, slug, ORGANIZER)
    wait_ready(page)
    page.context.set_offline(True)
    page.wait_for_selector('#scanner[data-online="false"]')
    type_code(page, code)
    wait_verdict(page, "checked_in", "Jerzy Wójcik")
    page.click("#verdict-next")
    with live_app.app_context():
        event = db.session.get(Event, event.id)
        event.checkin_opens_minutes = 10  # opens 10 minutes before the start, not 60
        db.session.commit()

    page.context.set_offline(False)
    page.wait_for_selector('#scanner[data-queued="0"]', timeout=15_000)
    notes = page.locator("#sync-notes li")
    expect(notes).to_have_count(1)
    assert "A scan could not be recorded: Not the time for check-in" in notes.inner_text()
    row = page.locator("#recent li", has_text="Jerzy Wójcik")
    expect(row.locator(".recent-state")).to_have_text("not recorded")
    assert row.get_by_role("button").count() == 0  # nothing to undo
    expect(page.locator("#count-checked-in")).to_have_text("0")
    shot(page, "outside-window-not-recorded")
    scans, checked_in_at = door_state(live_app, registration_id)
    assert scans == [(ScanResult.OUTSIDE_WINDOW, ScanMethod.SCANNER, None)]
    assert checked_in_at is None
