"""The visitor's journey in a real browser, with the keyboard only, and an axe check."""

import io

import pytest
import sqlalchemy as sa
import zxingcpp
from axe_playwright_python.sync_playwright import Axe
from PIL import Image

from events.extensions import db
from events.models import Registration, RegistrationStatus
from tests.e2e.keyboard import tab_to, wait_for_focus
from tests.factories import make_event

pytestmark = pytest.mark.browser


def serious_violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.fixture
def seminar(live_app):
    with live_app.app_context():
        event = make_event(title="Seminarium: partnerstwo lokalne w praktyce", capacity=2)
        return event.slug


def test_register_and_cancel_with_the_keyboard_only(live_app, seminar, page):
    page.goto(live_app.url + "/")
    tab_to(page, f'a[href="/events/{seminar}"]')
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/events/{seminar}")

    tab_to(page, f'a[href="/events/{seminar}/register"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/register")

    # Sending the empty form shows the error summary and moves the focus to it.
    tab_to(page, "button[type=submit].button-primary")
    page.keyboard.press("Enter")
    wait_for_focus(page, "error-summary")
    assert "Podaj swoje imię." in page.inner_text("#error-summary")

    for selector, text in [
        ("#first_name", "Zofia"),
        ("#last_name", "Wiśniewska-Żółć"),
        ("#email", "zofia@example.org"),
        ("#organization", "Stowarzyszenie „Razem”"),
    ]:
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "#organization_type")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#county")
    page.keyboard.type("gni")  # the county's own name finds it, not "powiat ..."
    assert page.input_value("#county") == "gnieznienski"
    tab_to(page, "#dr_member-0")
    page.keyboard.press("Space")
    tab_to(page, "#data_consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].button-primary")
    page.keyboard.press("Enter")

    page.wait_for_url("**/r/*")
    assert "Potwierdzona" in page.inner_text(".status-box")
    with live_app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        assert registration.last_name == "Wiśniewska-Żółć"
        assert registration.status == RegistrationStatus.CONFIRMED
        ticket_code = registration.ticket_code
    qr = page.locator(".ticket img").screenshot()
    [decoded] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr)))
    assert decoded.text == ticket_code

    tab_to(page, "a.button-danger")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cancel")
    tab_to(page, "button.button-danger")
    page.keyboard.press("Enter")
    page.wait_for_selector(".status-cancelled")
    with live_app.app_context():
        assert db.session.scalar(sa.select(Registration.status)) == RegistrationStatus.CANCELLED


def choose_by_typing(page, selector: str, text: str) -> str:
    """Type into a focused select as a person would, then let its search time out."""
    tab_to(page, selector)
    page.keyboard.type(text, delay=60)
    chosen = page.input_value(selector)
    page.wait_for_timeout(1100)  # a pause starts a new search in the list
    return chosen


@pytest.mark.parametrize(
    ("language", "typed", "register"),
    [
        (
            "pl",
            [("pozn", "m-poznan"), ("poznańs", "poznanski"), ("kalisk", "kaliski")],
            "Zarejestruj się",
        ),
        (
            "en",
            [("poznań (", "m-poznan"), ("poznań c", "poznanski"), ("gniez", "gnieznienski")],
            "Register",
        ),
    ],
)
def test_a_county_is_chosen_by_typing_its_name_with_the_keyboard_only(
    live_app, seminar, page, language, typed, register
):
    page.context.add_cookies([{"name": "lang", "value": language, "url": live_app.url}])
    page.goto(live_app.url + f"/events/{seminar}/register")
    for selector, text in [
        ("#first_name", "Jan"),
        ("#last_name", "Kowalski"),
        ("#email", f"jan.{language}@example.org"),
        ("#organization", "Fundacja Wielkopolska"),
    ]:
        tab_to(page, selector)
        page.keyboard.type(text)
    tab_to(page, "#organization_type")
    page.keyboard.press("ArrowDown")
    for text, code in typed:
        assert choose_by_typing(page, "#county", text) == code, text
    tab_to(page, "#dr_member-0")
    page.keyboard.press("Space")
    tab_to(page, "#data_consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].button-primary")
    assert register in page.inner_text("button[type=submit].button-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/r/*")
    with live_app.app_context():
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.email == f"jan.{language}@example.org")
        )
        assert registration.county == typed[-1][1]


def test_public_pages_have_no_serious_accessibility_violations(live_app, seminar, page):
    pages = ["/", f"/events/{seminar}", f"/events/{seminar}/register", "/lost-link", "/login"]
    for path in pages:
        page.goto(live_app.url + path)
        assert serious_violations(page) == [], path
    # The form with its error summary and field errors, too.
    page.goto(live_app.url + f"/events/{seminar}/register")
    page.click("button[type=submit].button-primary")
    page.wait_for_selector("#error-summary")
    assert serious_violations(page) == []
    # And in English.
    page.goto(live_app.url + "/language/en?next=/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert serious_violations(page) == []
