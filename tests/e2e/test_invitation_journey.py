"""An invited person's journey in Chromium, with the keyboard only: from the link in
the invitation email (as delivered to instance/mail/) to a confirmed seat, with
axe-core finding no violation on the pages on the way."""

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe

from events.extensions import db
from events.messages.outbox import deliver_due
from events.models import Invitation, InvitationStatus, Registration, RegistrationStatus
from events.services.invitations.invite import invite_people
from events.services.invitations.lists import ImportRow
from tests.e2e.keyboard import tab_to
from tests.factories import make_event

pytestmark = pytest.mark.browser


def violations(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}"
        for violation in results.response["violations"]
    ]


def _invitation_link(live_app) -> str:
    """The personal link, read from the email as the outbox wrote it."""
    [eml] = Path(live_app.instance_path, "mail").glob("*.eml")
    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["To"] == "wanda@example.org"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "<img" not in html  # no tracking pixel
    links = re.findall(r"https?://\S+/i/[\w-]+(?=\s)", text)
    return links[0]


def test_from_the_invitation_email_to_a_seat_with_the_keyboard_only(live_app, page):
    with live_app.app_context():
        event = make_event(title="Seminarium dla sieci Działamy Razem", invitation_only=True)
        row = ImportRow(1, "Wanda Łęgowska", "wanda@example.org", "Fundacja Źródło", "m-leszno")
        invite_people(event.id, [row], None)
        deliver_due()
    link = _invitation_link(live_app)
    page.goto(link)
    # The form is filled in from the invitation; the note says it may be changed.
    assert page.input_value("#first_name") == "Wanda"
    assert page.input_value("#last_name") == "Łęgowska"
    assert page.input_value("#email") == "wanda@example.org"
    assert page.input_value("#county") == "m-leszno"
    assert "Masz zaproszenie" in page.inner_text("#invitation-note")
    assert violations(page) == []

    tab_to(page, "#organization_type")
    page.keyboard.press("ArrowDown")
    tab_to(page, "#dr_member-0")
    page.keyboard.press("Space")
    tab_to(page, "#data_consent")
    page.keyboard.press("Space")
    tab_to(page, "button[type=submit].button-primary")
    page.keyboard.press("Enter")
    page.wait_for_url("**/r/*")
    assert "Potwierdzona" in page.inner_text(".status-box")
    assert violations(page) == []
    with live_app.app_context():
        registration = db.session.scalar(sa.select(Registration))
        assert registration.status == RegistrationStatus.CONFIRMED
        assert registration.organization == "Fundacja Źródło"
        invitation = db.session.scalar(sa.select(Invitation))
        assert invitation.status == InvitationStatus.REGISTERED
        assert invitation.registration_id == registration.id


def test_declining_takes_one_press_of_a_key(live_app, page):
    with live_app.app_context():
        event = make_event(title="Seminarium w Koninie", invitation_only=True)
        row = ImportRow(1, "Wanda Łęgowska", "wanda@example.org", "Fundacja Źródło", None)
        [invitation] = invite_people(event.id, [row], None)
        token = invitation.token
    page.goto(f"{live_app.url}/i/{token}/decline")
    assert violations(page) == []
    tab_to(page, "main button[type=submit]")
    page.keyboard.press("Enter")
    page.wait_for_selector("#declined")
    assert violations(page) == []
    with live_app.app_context():
        assert db.session.scalar(sa.select(Invitation.status)) == InvitationStatus.DECLINED
