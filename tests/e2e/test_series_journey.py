"""The 18 county consultations set up in a real browser, counting the organizer's
actions (each click, fill, key press and page opened is one): at most 25."""

from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import Event, EventKind, EventStatus, Role, utcnow
from events.timezone import from_local, local_date
from tests.e2e.keyboard import tab_to, wait_for_focus
from tests.factories import make_event, make_user

pytestmark = pytest.mark.browser

PASSWORD = "haslo-organizatora"
COUNTIES = (
    "chodzieski, czarnkowsko-trzcianecki, gnieźnieński, gostyński, grodziski, jarociński, "
    "kaliski, kępiński, koniński, kościański, krotoszyński, leszczyński, międzychodzki, "
    "nowotomyski, obornicki, ostrowski, pilski, złotowski"
)


class Counted:
    """The page, with each action of the person counted: a page opened, a click, a
    fill, a box ticked, an option chosen, a key pressed. Waiting and reading are free."""

    ACTIONS = ("goto", "click", "fill", "check", "select_option", "press")

    def __init__(self, page):
        self.page, self.actions = page, []

    def __getattr__(self, name):
        method = getattr(self.page, name)
        if name not in self.ACTIONS:
            return method

        def counted(*args, **kwargs):
            self.actions.append((name, args[0] if args else ""))
            return method(*args, **kwargs)

        return counted


def test_eighteen_county_consultations_in_at_most_25_actions(browser, live_app):
    with live_app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        start = utcnow().replace(microsecond=0) + timedelta(days=10)
        template_id = make_event(
            title="Spotkanie konsultacyjne – powiat kolski",
            kind=EventKind.CONSULTATION,
            county="kolski",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            venue_name="Starostwo Powiatowe",
            capacity=30,
        ).id
    first_day = (local_date(utcnow()) + timedelta(days=21)).isoformat()

    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "lang", "value": "en", "url": live_app.url}])
    page = Counted(context.new_page())
    page.set_default_timeout(15_000)
    page.goto(live_app.url + "/login")
    page.fill("#email", "org@example.org")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(live_app.url + "/organizer/")
    page.goto(f"{live_app.url}/organizer/events/{template_id}/edit")
    page.click("a:has-text('Create a series')")
    page.fill("#counties_typed", COUNTIES)
    page.fill("#first_day", first_day)
    page.check("input[name=spacing][value=working_days]")
    page.click("button:has-text('Next: the table')")
    page.wait_for_selector("#rows-17-title")
    page.click("button:has-text('Preview')")
    page.wait_for_selector("text=Exactly this will be made: 18 drafts")
    page.click("button:has-text('Create drafts')")
    page.wait_for_selector("text=18 drafts were made")
    page.click("button:has-text('Publish all 18 drafts')")
    confirmation = page.inner_text("main")  # one page naming dates, places, counties
    assert "Złotów County" in confirmation and "Starostwo Powiatowe" in confirmation
    page.click("button:has-text('Yes, publish 18 events')")
    page.wait_for_selector("text=18 events are published")
    assert len(page.actions) <= 25, page.actions

    with live_app.app_context():
        made = db.session.scalars(sa.select(Event).where(Event.series_id.is_not(None))).all()
        assert len(made) == 18 and {event.status for event in made} == {EventStatus.PUBLISHED}
        titles = [event.title for event in made]
    assert "Spotkanie konsultacyjne – powiat złotowski" in titles

    visitor = context.new_page()
    visitor.goto(live_app.url + "/")
    programme = visitor.inner_text("main")
    for title in titles:
        assert programme.count(title) == 1, title
    context.close()


def test_counties_are_ticked_from_the_keyboard_and_errors_lead_to_their_cell(browser, live_app):
    with live_app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        # At 10-14 Polish time whatever the hour of the run: an end at 06:00 is before the
        # start (a template starting late in the evening would end after midnight).
        start = from_local(datetime.combine(local_date(utcnow()) + timedelta(days=1), time(10)))
        template_id = make_event(
            title="Konsultacje programu",
            county="kolski",
            starts_at=start,
            ends_at=start + timedelta(hours=4),
        ).id
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "lang", "value": "en", "url": live_app.url}])
    page = context.new_page()
    page.goto(live_app.url + "/login")
    page.fill("#email", "org@example.org")
    page.fill("#password", PASSWORD)
    page.press("#password", "Enter")
    page.wait_for_url(live_app.url + "/organizer/")
    page.goto(f"{live_app.url}/organizer/events/{template_id}/series/new")
    page.click("button:has-text('Next: the table')")  # nothing chosen
    wait_for_focus(page, "error-summary")
    page.click("#error-summary a[href='#first_day']")
    assert page.evaluate("document.activeElement.id") == "first_day"
    for code in ("gnieznienski", "pilski"):
        tab_to(page, f"#counties-{code}")
        page.keyboard.press("Space")
    page.fill("#first_day", (local_date(utcnow()) + timedelta(days=15)).isoformat())
    tab_to(page, "button.button-primary[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#rows-1-title")
    assert page.input_value("#rows-0-title") == "Konsultacje programu – powiat gnieźnieński"
    assert page.input_value("#rows-1-title") == "Konsultacje programu – powiat pilski"
    page.fill("#rows-1-ends", "06:00")
    page.click("button:has-text('Preview')")
    wait_for_focus(page, "error-summary")
    page.click("#error-summary a[href='#rows-1-ends']")
    assert page.evaluate("document.activeElement.id") == "rows-1-ends"
    described = page.get_attribute("#rows-1-ends", "aria-describedby")
    assert page.inner_text(f"#{described}").endswith("The end must be after the start.")
    context.close()
