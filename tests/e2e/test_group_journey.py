"""A coordinator registers a group of three in a real browser, with the keyboard only,
on a phone's screen (390×844): one error, corrected; axe finds nothing serious."""

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import Registration, RegistrationGroup, RegistrationStatus
from tests.e2e.keyboard import tab_to, wait_for_focus
from tests.e2e.test_registration_journey import serious_violations
from tests.factories import make_event, next_week

pytestmark = pytest.mark.browser


@pytest.fixture
def forum(live_app):
    with live_app.app_context():
        return make_event(title="Forum sołtysów", capacity=20, group_max=5, **next_week()).slug


def fill_person(page, index: int, first: str, last: str, email: str = "") -> None:
    prefix = f"#members-{index}-"
    for name, text in (("first_name", first), ("last_name", last), ("email", email),
                       ("organization", "Koło Gospodyń Wiejskich")):  # fmt: skip
        if text:
            tab_to(page, prefix + name)
            page.keyboard.type(text)
    tab_to(page, prefix + "organization_type")
    page.keyboard.press("ArrowDown")
    tab_to(page, prefix + "county")
    page.keyboard.type("gni")
    assert page.input_value(prefix + "county") == "gnieznienski"


def test_a_group_of_three_with_the_keyboard_only(live_app, forum, page):
    assert page.viewport_size == {"width": 390, "height": 844}
    page.goto(live_app.url + f"/events/{forum}")
    tab_to(page, f'a[href="/events/{forum}/group"]')
    page.keyboard.press("Enter")
    page.wait_for_url("**/group")
    assert serious_violations(page) == []

    for selector, text in (("#coordinator_name", "Halina Sołtys"),
                           ("#coordinator_email", "halina@example.org"),
                           ("#coordinator_organization", "Stowarzyszenie Razem")):  # fmt: skip
        tab_to(page, selector)
        page.keyboard.type(text)
    fill_person(page, 0, "Anna", "Nowak", "anna@example.org")
    fill_person(page, 1, "Jan", "Kowal")  # no address: his ticket goes to the coordinator

    tab_to(page, "button[name=add_person]")
    page.keyboard.press("Enter")
    wait_for_focus(page, "members-2-person")  # the new row takes the focus
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "members-2-first_name"
    assert page.input_value("#members-0-email") == "anna@example.org"  # kept
    assert page.input_value("#coordinator_name") == "Halina Sołtys"
    fill_person(page, 2, "Ewa", "Lis", "anna@example.org")  # the same address twice

    tab_to(page, "#mode-0")
    page.keyboard.press("Space")
    tab_to(page, "#consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].button-primary")
    page.keyboard.press("Enter")

    wait_for_focus(page, "error-summary")
    assert "osobie nr 1" in page.inner_text("#error-summary")
    assert serious_violations(page) == []
    tab_to(page, '#error-summary a[href="#members-2-email"]')
    page.keyboard.press("Enter")
    wait_for_focus(page, "members-2-email")
    page.keyboard.press("Control+A")
    page.keyboard.type("ewa@example.org")
    tab_to(page, "button[type=submit].button-primary")
    page.keyboard.press("Enter")

    page.wait_for_url("**/g/*")
    assert serious_violations(page) == []
    table = page.inner_text("table")
    assert all(name in table for name in ("Anna Nowak", "Jan Kowal", "Ewa Lis"))
    with live_app.app_context():
        group = db.session.scalar(sa.select(RegistrationGroup))
        people = db.session.scalars(sa.select(Registration).order_by(Registration.id)).all()
        assert group.coordinator_email == "halina@example.org"
        assert [p.email for p in people] == ["anna@example.org", None, "ewa@example.org"]
        assert {p.status for p in people} == {RegistrationStatus.CONFIRMED}
