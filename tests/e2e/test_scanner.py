"""The door scanner in a real Chromium: a fake camera showing a real ticket's QR code,
a handheld scanner typing a code, a search by name, and live counters."""

import pytest
import qrcode
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from events.extensions import db
from events.models import Role, Scan, ScanMethod, ScanResult, SessionAttendance
from events.services.checkin.access import assign_staff
from events.services.registration import register_attendee
from tests.factories import attendee, make_course, make_event, make_user

pytestmark = pytest.mark.browser

PASSWORD = "haslo-na-bramce"


@pytest.fixture
def door(live_app):
    with live_app.app_context():
        event = make_event(title="Seminarium w Lesznie")
        people = [
            register_attendee(event.id, attendee(first_name=first, last_name=last), notify=False)
            for first, last in (("Anna", "Nowak"), ("Jerzy", "Wójcik"), ("Łucja", "Zając"))
        ]
        make_user(email="bramka@example.org", password=PASSWORD, role=Role.STAFF)
        assign_staff("bramka@example.org", event.slug)
        return {"slug": event.slug, "codes": [p.ticket_code for p in people]}


def write_y4m(path, code: str) -> None:
    """A fake camera video: the ticket's QR code, grey on white, 30 frames."""
    width, height = 640, 480
    image = qrcode.make(code, box_size=8, border=4).convert("L")
    side = min(width, height) - 40
    image = image.resize((side, side), Image.NEAREST)
    canvas = Image.new("L", (width, height), 255)
    canvas.paste(image, ((width - side) // 2, (height - side) // 2))
    luma, chroma = canvas.tobytes(), bytes([128]) * ((width // 2) * (height // 2))
    with open(path, "wb") as file:
        file.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(30):
            file.write(b"FRAME\n" + luma + chroma + chroma)


def open_scanner(browser, live_app, slug):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    context.add_cookies([{"name": "lang", "value": "en", "url": live_app.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)  # the scanner page under a loaded CI machine
    page.goto(f"{live_app.url}/checkin/{slug}")
    page.fill("#email", "bramka@example.org")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(f"**/checkin/{slug}")
    return page


def scans(live_app):
    with live_app.app_context():
        return [(s.result, s.method) for s in db.session.scalars(sa.select(Scan).order_by(Scan.id))]


def test_the_camera_reads_a_ticket_and_checks_the_person_in(launch, live_app, door, tmp_path):
    video = tmp_path / "ticket.y4m"
    write_y4m(video, door["codes"][0])
    browser = launch(
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={video}",
    )
    page = open_scanner(browser, live_app, door["slug"])

    verdict = page.locator("#verdict")
    verdict.wait_for(state="visible")
    assert verdict.get_attribute("data-result") == "checked_in"
    assert "Checked in" in verdict.inner_text() and "Anna Nowak" in verdict.inner_text()
    assert page.inner_text("#count-checked-in") == "1"
    # The code stays in view: it is not sent again while it does.
    page.wait_for_timeout(1500)
    assert scans(live_app) == [(ScanResult.CHECKED_IN, ScanMethod.CAMERA)]


def test_a_handheld_scanner_and_a_name_search_check_people_in(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    page.focus("#code")
    page.keyboard.type(door["codes"][1].lower())  # what a scanner "types", then Enter
    page.keyboard.press("Enter")
    verdict = page.locator("#verdict")
    verdict.wait_for(state="visible")
    assert verdict.get_attribute("data-result") == "checked_in"
    assert "Jerzy Wójcik" in verdict.inner_text()
    page.click("#verdict-next")

    page.keyboard.type(door["codes"][1])
    page.keyboard.press("Enter")
    page.wait_for_selector('#verdict[data-result="already"]:not([hidden])')
    assert "by bramka@example.org" in page.inner_text("#verdict")
    page.click("#verdict-next")

    page.fill("#search", "zając")
    button = page.get_by_role("button", name="Check in: Łucja Zając")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector('#verdict[data-result="checked_in"]:not([hidden])')
    assert "Łucja Zając" in page.inner_text("#verdict")

    page.click("#verdict-undo")
    page.wait_for_selector('#verdict[data-result="undone"]:not([hidden])')
    assert scans(live_app) == [
        (ScanResult.CHECKED_IN, ScanMethod.SCANNER),
        (ScanResult.ALREADY, ScanMethod.SCANNER),
        (ScanResult.CHECKED_IN, ScanMethod.SEARCH),
        (ScanResult.UNDONE, ScanMethod.SEARCH),
    ]


def test_an_unknown_code_is_shown_as_such(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    page.fill("#code", "TO-NIE-JEST-BILET")
    page.press("#code", "Enter")
    page.wait_for_selector('#verdict[data-result="unknown"]:not([hidden])')
    assert "Unknown code" in page.inner_text("#verdict")


def test_counters_move_on_a_second_device(browser, live_app, door):
    first = open_scanner(browser, live_app, door["slug"])
    second = open_scanner(browser, live_app, door["slug"])
    assert second.inner_text("#count-checked-in") == "0"
    first.fill("#code", door["codes"][2])
    first.press("#code", "Enter")
    first.wait_for_selector('#verdict[data-result="checked_in"]:not([hidden])')
    expect(second.locator("#count-checked-in")).to_have_text("1", timeout=5000)


def test_the_scanner_has_no_serious_accessibility_violations(browser, live_app, door):
    from tests.e2e.test_registration_journey import serious_violations

    page = open_scanner(browser, live_app, door["slug"])
    assert serious_violations(page) == []
    page.fill("#code", door["codes"][0])
    page.press("#code", "Enter")
    page.wait_for_selector('#verdict[data-result="checked_in"]:not([hidden])')
    assert serious_violations(page) == []


def test_a_course_is_checked_in_per_session_with_the_same_ticket(browser, live_app):
    with live_app.app_context():
        course = make_course(title="Szkolenie liderów w Lesznie")
        person = register_attendee(
            course.id, attendee(first_name="Łucja", last_name="Zając"), notify=False
        )
        make_user(email="bramka@example.org", password=PASSWORD, role=Role.STAFF)
        assign_staff("bramka@example.org", course.slug)
        slug, code = course.slug, person.ticket_code
        first, second = course.sessions[0].id, course.sessions[1].id
    page = open_scanner(browser, live_app, slug)
    # The first session is the default (none is today: the next one).
    assert page.input_value("#session-choice") == str(first)
    page.focus("#code")
    page.keyboard.type(code)
    page.keyboard.press("Enter")
    page.wait_for_selector('#verdict[data-result="checked_in"]:not([hidden])')
    page.click("#verdict-next")
    # Another session, chosen with the keyboard: the same ticket checks in again there.
    page.select_option("#session-choice", str(second))
    page.focus("#session-choice")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/checkin/{slug}?session={second}")
    assert page.inner_text("#count-checked-in") == "0"
    page.fill("#search", "zając")  # the search address carries the session too
    button = page.get_by_role("button", name="Check in: Łucja Zając")
    button.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector('#verdict[data-result="checked_in"]:not([hidden])')
    expect(page.locator("#count-checked-in")).to_have_text("1")
    with live_app.app_context():
        attended = db.session.scalars(sa.select(SessionAttendance.session_id)).all()
        assert sorted(attended) == sorted([first, second])


def test_a_search_result_links_the_persons_badge(browser, live_app, door):
    """A walk-in's or a lost badge: found by name at the door, opened as a PDF to print."""
    page = open_scanner(browser, live_app, door["slug"])
    page.fill("#search", "wójcik")
    link = page.get_by_role("link", name="Name badge (PDF): Jerzy Wójcik")
    expect(link).to_be_visible()
    assert link.get_attribute("target") == "_blank"
    response = page.request.get(live_app.url + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
