"""Walk-ins at the door, in Chromium on a phone-sized screen: door staff add a person
who came without registering, from the keyboard, and print the badge; a full room
lets the person in with a warning; the form's errors appear next to their fields
(in Polish too); two devices offline adding one address make one person, and the
attendance sheet and the report say what the database says; a volunteer's link
shows the form only where the organizer allowed it."""

import io
import os

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from pypdf import PdfReader

from events.extensions import db
from events.models import (
    Event,
    Presence,
    Registration,
    RegistrationStatus,
    Role,
    Scan,
    ScanResult,
)
from events.services.checkin.access import assign_staff
from events.services.registration import register_attendee
from tests.e2e.keyboard import wait_for_focus
from tests.e2e.test_door import wait_ready, wait_verdict
from tests.factories import attendee, make_event, make_user

pytestmark = pytest.mark.browser

PASSWORD = "haslo-na-bramce"
STAFF, ORGANIZER = "bramka@example.org", "organizator@example.org"
SHOTS = os.environ.get("SCANNER_SCREENSHOTS")


def shot(page, name, full_page=False):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"walk-in-{name}.png"), full_page=full_page)


@pytest.fixture
def door(live_app):
    """A seminar whose door is open, one registered person, a door volunteer, an organizer."""
    with live_app.app_context():
        event = make_event(title="Seminarium w Lesznie")
        register_attendee(event.id, attendee(first_name="Anna", last_name="Nowak"), notify=False)
        make_user(email=STAFF, password=PASSWORD, role=Role.STAFF)
        assign_staff(STAFF, event.slug)
        make_user(email=ORGANIZER, password=PASSWORD, role=Role.COORDINATOR)
        return {"slug": event.slug, "id": event.id}


def new_page(browser, live_app, lang="en"):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="en-GB")
    context.add_cookies([{"name": "lang", "value": lang, "url": live_app.url}])
    page = context.new_page()
    page.set_default_timeout(20_000)  # the scanner page under a loaded CI machine
    return page


def log_in(page, live_app, email, path):
    page.goto(f"{live_app.url}{path}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")


def open_scanner(browser, live_app, slug, lang="en"):
    page = new_page(browser, live_app, lang)
    log_in(page, live_app, STAFF, f"/checkin/{slug}")
    page.wait_for_url(f"**/checkin/{slug}")
    return page


def open_walk_in_box(page):
    """With the keyboard: the box's summary focused, Enter opens it."""
    page.focus("#walk-in-box summary")
    page.keyboard.press("Enter")
    expect(page.locator("#walk-in-form")).to_be_visible()


def fill_walk_in(page, first, last, county="m-kalisz", organization="", email="", consent="paper"):
    page.fill("#walk-in-first_name", first)
    page.fill("#walk-in-last_name", last)
    page.fill("#walk-in-organization", organization)
    page.select_option("#walk-in-county", county)
    page.fill("#walk-in-email", email)
    if consent:
        page.check(f"#walk-in-consent-{consent}")


def submit(page):
    page.get_by_role("button", name="Add and check in").click()


def pdf_text(document: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(document)).pages)


def walk_ins(live_app):
    with live_app.app_context():
        rows = db.session.scalars(
            sa.select(Registration).where(Registration.walk_in).order_by(Registration.id)
        )
        return [
            {
                "name": row.full_name,
                "email": row.email,
                "how": row.checked_in_how,
                "checked_in": row.checked_in_at is not None,
                "beyond": row.beyond_capacity,
                "paper": row.consent_on_paper,
            }
            for row in rows
        ]


def test_staff_add_a_walk_in_with_the_keyboard_and_print_the_badge(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    assert page.inner_text("#count-checked-in") == "0"
    assert page.inner_text("#count-confirmed") == "1"
    open_walk_in_box(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "walk-in-first_name"
    page.keyboard.type("Ewa")
    page.keyboard.press("Tab")
    page.keyboard.type("Przybysz")
    page.keyboard.press("Tab")
    page.keyboard.type("Koło Gospodyń Wiejskich w Opatówku")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "walk-in-county"
    page.select_option("#walk-in-county", "kaliski")
    page.keyboard.press("Tab")  # no address
    page.keyboard.press("Tab")  # no phone
    page.keyboard.press("Tab")  # the first consent: the arrow moves to "on paper"
    page.keyboard.press("ArrowDown")
    assert page.is_checked("#walk-in-consent-paper")
    page.locator("#walk-in-form").scroll_into_view_if_needed()
    shot(page, "form-filled")
    from tests.e2e.test_registration_journey import serious_violations

    assert serious_violations(page) == []
    page.keyboard.press("Tab")  # the privacy notice
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # "Add and check in"

    text = wait_verdict(page, "checked_in", "Ewa Przybysz")
    shot(page, "added")
    assert "Added and checked in" in text
    expect(page.locator("#count-checked-in")).to_have_text("1")
    assert page.inner_text("#count-confirmed") == "2"
    assert page.locator("#walk-in-box").get_attribute("open") is None  # closed, emptied
    assert page.input_value("#walk-in-first_name") == ""
    badge = page.locator("#verdict-badge")
    expect(badge).to_be_visible()
    response = page.request.get(live_app.url + badge.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert "Ewa Przybysz" in pdf_text(response.body())
    page.click("#verdict-next")
    assert page.locator("#recent .recent-name").all_inner_texts() == ["Ewa Przybysz"]
    assert walk_ins(live_app) == [
        {
            "name": "Ewa Przybysz",
            "email": None,
            "how": Presence.WALK_IN,
            "checked_in": True,
            "beyond": False,
            "paper": True,
        }
    ]


def test_a_full_room_lets_the_walk_in_in_beyond_the_limit(browser, live_app, door):
    with live_app.app_context():
        db.session.get(Event, door["id"]).capacity = 1  # Anna Nowak holds the only seat
        db.session.commit()
    page = open_scanner(browser, live_app, door["slug"])
    open_walk_in_box(page)
    fill_walk_in(page, "Marek", "Kowalczyk", email="marek@example.org", consent="device")
    submit(page)
    wait_verdict(page, "checked_in", "Marek Kowalczyk")
    shot(page, "beyond-the-limit")
    assert "beyond the limit" in page.inner_text("#verdict .verdict-detail")
    expect(page.locator("#count-checked-in")).to_have_text("1")
    [added] = walk_ins(live_app)
    assert added["beyond"] and added["email"] == "marek@example.org" and not added["paper"]


def test_errors_appear_next_to_their_fields(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    open_walk_in_box(page)
    fill_walk_in(page, "Ewa", "", organization="Stowarzyszenie Razem")
    submit(page)
    error = page.locator("#walk-in-last_name-error")
    expect(error).to_have_text("Enter the last name.")
    last_name = page.locator("#walk-in-last_name")
    wait_for_focus(page, "walk-in-last_name")
    assert last_name.get_attribute("aria-invalid") == "true"
    assert last_name.get_attribute("aria-describedby") == "walk-in-last_name-error"
    shot(page, "error-last-name")
    from tests.e2e.test_registration_journey import serious_violations

    assert serious_violations(page) == []

    page.keyboard.type("Przybysz")  # the focus is there already
    page.fill("#walk-in-email", "nie-adres")
    submit(page)  # the server refuses the address
    email_error = page.locator("#walk-in-email-error")
    expect(email_error).to_have_text("Enter an email address like name@example.pl.")
    wait_for_focus(page, "walk-in-email")
    assert page.get_attribute("#walk-in-email", "aria-invalid") == "true"
    assert error.is_hidden() and last_name.get_attribute("aria-invalid") is None
    box = email_error.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # nothing cut off
    shot(page, "error-email")
    assert serious_violations(page) == []
    assert page.locator("#verdict").is_hidden()
    assert walk_ins(live_app) == []


def test_a_missing_consent_is_told_beside_its_choices(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"])
    open_walk_in_box(page)
    fill_walk_in(page, "Ewa", "Przybysz", consent=None)
    submit(page)
    expect(page.locator("#walk-in-consent-error")).to_contain_text("consent")
    assert page.get_attribute("#walk-in-consent", "aria-describedby") == "walk-in-consent-error"
    wait_for_focus(page, "walk-in-consent-device")
    page.keyboard.press("ArrowDown")  # the paper sheet, chosen with the keyboard
    page.keyboard.press("Enter")
    expect(page.locator("#verdict .verdict-title")).to_have_text("Added and checked in")
    assert page.get_attribute("#walk-in-consent", "aria-describedby") is None
    [person] = walk_ins(live_app)
    assert person["paper"] and person["checked_in"]


def test_errors_in_polish(browser, live_app, door):
    page = open_scanner(browser, live_app, door["slug"], lang="pl")
    expect(page.locator("#walk-in-box summary")).to_have_text("Dopisz osobę przy wejściu")
    open_walk_in_box(page)
    fill_walk_in(page, "Ewa", "")
    page.get_by_role("button", name="Dopisz i potwierdź obecność").click()
    expect(page.locator("#walk-in-last_name-error")).to_have_text("Wpisz nazwisko.")
    wait_for_focus(page, "walk-in-last_name")
    page.keyboard.type("Przybysz")
    page.fill("#walk-in-email", "nie-adres")
    page.keyboard.press("Enter")  # Enter in a field sends the form
    expect(page.locator("#walk-in-email-error")).to_have_text(
        "Podaj adres e-mail w formacie nazwa@example.pl."
    )
    shot(page, "error-email-pl")
    assert walk_ins(live_app) == []


def test_two_devices_offline_adding_one_address_make_one_person(browser, live_app, door):
    first = open_scanner(browser, live_app, door["slug"])
    second = open_scanner(browser, live_app, door["slug"])
    for page in (first, second):
        wait_ready(page)
        page.context.set_offline(True)
        page.wait_for_selector('#scanner[data-online="false"]')
    for page, typed in ((first, "Przybysz"), (second, "Przybysz ")):
        open_walk_in_box(page)
        fill_walk_in(page, "Ewa", typed, email="Ewa.Przybysz@example.org", consent="device")
        submit(page)
        text = wait_verdict(page, "queued", "Ewa Przybysz")
        assert "Saved on this device" in text and "when it returns" in text
        page.wait_for_selector('#scanner[data-queued="1"]')
    shot(first, "queued")
    for page in (first, second):  # waiting in the recent list: nobody adds her twice
        page.click("#verdict-next")
        row = page.locator("#recent li", has_text="Ewa Przybysz")
        expect(row.locator(".recent-state")).to_have_text("Saved on this device")
        assert row.get_by_role("button").count() == 0
    assert walk_ins(live_app) == []

    for page in (first, second):
        page.context.set_offline(False)
        page.wait_for_selector('#scanner[data-queued="0"]', timeout=15_000)
    assert walk_ins(live_app) == [
        {
            "name": "Ewa Przybysz",
            "email": "ewa.przybysz@example.org",
            "how": Presence.WALK_IN,
            "checked_in": True,
            "beyond": False,
            "paper": False,
        }
    ]
    with live_app.app_context():
        results = db.session.scalars(sa.select(Scan.result).order_by(Scan.id)).all()
        assert results == [ScanResult.CHECKED_IN, ScanResult.ALREADY]
        confirmed = db.session.scalars(
            sa.select(Registration).where(
                Registration.event_id == door["id"],
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        ).all()
        names = sorted(person.full_name for person in confirmed)
        attended = sum(person.checked_in_at is not None for person in confirmed)
    assert names == ["Anna Nowak", "Ewa Przybysz"] and attended == 1
    for page in (first, second):
        expect(page.locator("#count-checked-in")).to_have_text("1")
        expect(page.locator("#recent .recent-name")).to_have_text(["Ewa Przybysz"])
        assert "could not be recorded" not in page.inner_text("#sync-notes")

    # Whichever device synced first added her (the order of the two reconnections is
    # the network's): that one's row has an undo and no note; the other is told she is
    # in already. One person, checked in once.
    def told_already(page):
        return page.locator("#recent .recent-state").all_inner_texts() == ["Already checked in"]

    for _ in range(50):  # each device applies its answer a moment after its queue empties
        if told_already(first) != told_already(second):
            break
        first.wait_for_timeout(200)
    [told] = [page for page in (first, second) if told_already(page)]
    added = [page for page in (first, second) if page is not told]
    expect(added[0].locator("#recent .recent-state")).to_have_count(0)
    expect(added[0].get_by_role("button", name="Undo check-in: Ewa Przybysz")).to_be_visible()
    assert added[0].locator("#sync-notes li").count() == 0
    expect(told.locator("#recent .recent-state")).to_have_text("Already checked in")
    assert told.locator("#recent button").count() == 0
    assert "Ewa Przybysz: the server's verdict is: Already checked in." in told.inner_text(
        "#sync-notes"
    )
    shot(told, "synced", full_page=True)

    organizer = new_page(browser, live_app)
    log_in(organizer, live_app, ORGANIZER, "/login")
    organizer.wait_for_url(live_app.url + "/organizer/")
    sheet = organizer.request.get(f"{live_app.url}/organizer/events/{door['id']}/attendance.pdf")
    assert sheet.status == 200 and sheet.headers["content-type"] == "application/pdf"
    text = pdf_text(sheet.body()).replace("\n", " ")
    for name in names:  # each confirmed person once, the walk-in marked so
        assert text.count(name) == 1, name
    assert "Ewa Przybysz (added at the door)" in text

    organizer.goto(f"{live_app.url}/organizer/events/{door['id']}/report")
    figures = organizer.evaluate(FIGURES)
    assert figures["Confirmed people"] == str(len(names))
    assert figures["Attended"] == str(attended)
    assert figures["Added at the door"] == "1" and figures["Checked in at the door"] == "0"
    assert figures["Let in beyond the limit of seats (added at the door)"] == "0"
    assert figures["Did not come"] == "0"  # Anna Nowak may still come: the day is not over
    shot(organizer, "report", full_page=True)


FIGURES = """() => Object.fromEntries(
  [...document.querySelectorAll("dl.figures > div")].map((row) => [
    row.querySelector("dt").textContent.trim(),
    row.querySelector("dd").textContent.trim(),
  ])
)"""


def test_a_walk_in_the_server_refuses_after_the_sync_is_marked_not_recorded(
    browser, live_app, door
):
    """Offline only the required fields are checked: a bad address is refused at the
    sync, and the device says so rather than losing the person silently."""
    page = open_scanner(browser, live_app, door["slug"])
    wait_ready(page)
    page.context.set_offline(True)
    page.wait_for_selector('#scanner[data-online="false"]')
    open_walk_in_box(page)
    fill_walk_in(page, "Ewa", "Przybysz", email="nie-adres")
    submit(page)
    wait_verdict(page, "queued", "Ewa Przybysz")
    page.click("#verdict-next")
    page.context.set_offline(False)
    page.wait_for_selector('#scanner[data-queued="0"]', timeout=15_000)
    note = page.locator("#sync-notes li")
    expect(note).to_have_count(1)
    assert "A scan could not be recorded: Enter an email address like" in note.inner_text()
    row = page.locator("#recent li", has_text="Ewa Przybysz")
    expect(row.locator(".recent-state")).to_have_text("not recorded")
    shot(page, "not-recorded", full_page=True)
    assert walk_ins(live_app) == []


def test_a_link_shows_the_form_only_where_the_organizer_allowed_it(browser, live_app, door):
    organizer = new_page(browser, live_app)
    log_in(organizer, live_app, ORGANIZER, f"/checkin/{door['slug']}/links")
    links = {}
    for label, allowed in (("Drzwi A", False), ("Drzwi B", True)):
        organizer.fill("#label", label)
        if allowed:
            organizer.focus("#may_add_walk_ins")
            organizer.keyboard.press("Space")
        organizer.get_by_role("button", name="Create link").click()
        links[allowed] = organizer.input_value("#new-link-url")
    for allowed, url in links.items():
        volunteer = new_page(browser, live_app)
        volunteer.goto(url)
        volunteer.wait_for_url(f"**/checkin/{door['slug']}")
        volunteer.wait_for_selector("#code")
        assert volunteer.locator("#walk-in-form").count() == (1 if allowed else 0)
    open_walk_in_box(volunteer)  # the allowed link's page, opened last
    fill_walk_in(volunteer, "Jan", "Wiśniewski")
    submit(volunteer)
    wait_verdict(volunteer, "checked_in", "Jan Wiśniewski")
    assert [person["name"] for person in walk_ins(live_app)] == ["Jan Wiśniewski"]
