"""An organizer's day in a real browser: create, publish, approve, download."""

from datetime import timedelta

import openpyxl
import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import Registration, RegistrationStatus, Role, utcnow
from tests.factories import make_user

pytestmark = pytest.mark.browser

PASSWORD = "haslo-organizatora"


def new_page(browser, live_app, language):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    context.add_cookies([{"name": "lang", "value": language, "url": live_app.url}])
    page = context.new_page()
    page.set_default_timeout(10_000)
    return page


def test_create_publish_approve_and_download(browser, live_app, tmp_path):
    with live_app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
    day = (utcnow() + timedelta(days=20)).strftime("%Y-%m-%d")

    organizer = new_page(browser, live_app, "en")
    organizer.goto(live_app.url + "/login")
    organizer.fill("#email", "org@example.org")
    organizer.fill("#password", PASSWORD)
    organizer.press("#password", "Enter")
    organizer.wait_for_url(live_app.url + "/organizer/")  # organizers land on their area
    organizer.click("text=New event")
    organizer.fill("#title", "Szkolenie liderów lokalnych w Koninie")
    organizer.select_option("#kind", "training")
    organizer.fill("#starts_at", f"{day}T09:00")
    organizer.fill("#ends_at", f"{day}T16:00")
    organizer.fill("#venue_name", "Konińskie Centrum Organizacji Pozarządowych")
    organizer.fill("#venue_address", "ul. Zakładowa 4, 62-510 Konin")
    organizer.select_option("#county", "m-konin")
    organizer.fill("#capacity", "18")
    organizer.select_option("#mode", "approval")
    organizer.click("button:has-text('Save')")
    organizer.wait_for_selector("text=saved as a draft")
    organizer.click("a:has-text('Publish')")
    organizer.wait_for_selector("text=Konińskie Centrum Organizacji Pozarządowych")
    organizer.click("button:has-text('Yes, publish')")
    organizer.wait_for_selector("text=The event is published")

    visitor = new_page(browser, live_app, "pl")
    visitor.goto(live_app.url + "/")
    visitor.click("text=Szkolenie liderów lokalnych w Koninie")
    visitor.click("a:has-text('Zgłoś się')")
    visitor.fill("#first_name", "Halina")
    visitor.fill("#last_name", "Żurawska")
    visitor.fill("#email", "halina@example.org")
    visitor.fill("#organization", "Stowarzyszenie Aktywni w Koninie")
    visitor.select_option("#organization_type", "ngo")
    visitor.select_option("#county", "m-konin")
    visitor.check("#dr_member-0")
    visitor.check("#data_consent")
    visitor.click("button.button-primary[type=submit]")
    visitor.wait_for_url("**/r/*")
    assert "Oczekuje" in visitor.inner_text(".status-box") or "akcept" in visitor.inner_text(
        ".status-box"
    )

    organizer.click("nav.tabs >> text=Registrations")
    organizer.click("button:has-text('Accept')")
    organizer.wait_for_selector("text=The application was accepted.")
    with live_app.app_context():
        status = db.session.scalar(
            sa.select(Registration.status).where(Registration.email == "halina@example.org")
        )
    assert status == RegistrationStatus.CONFIRMED

    with organizer.expect_download() as download:
        organizer.click("a:has-text('XLSX')")
    path = tmp_path / "lista.xlsx"
    download.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("Żurawska", "Halina")
    assert "Confirmed" in rows[1]
