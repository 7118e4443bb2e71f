"""Who holds the data: the privacy notice from the configuration, the contact on every
page, consents with their versions, and the needs that go after the event."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from events import consents
from events.extensions import db
from events.models import Registration, utcnow
from events.services.privacy import forget_needs
from events.services.registration import RegistrationError, register_attendee
from tests.conftest import csrf_token
from tests.factories import attendee, form_data, make_event

CONTROLLER = {
    "CONTROLLER_NAME": "Stowarzyszenie Działamy Razem",
    "CONTROLLER_ADDRESS": "ul. Święty Marcin 80/82, 61-809 Poznań",
    "CONTROLLER_EMAIL": "dane@dzialamyrazem.example.org",
    "CONTROLLER_PHONE": "+48 61 000 00 00",
    "DPO_EMAIL": "iod@dzialamyrazem.example.org",
    "CONTACT_EMAIL": "biuro@dzialamyrazem.example.org",
    "CONTACT_PHONE": None,
    "RETENTION_MONTHS": 24,
}


@pytest.fixture
def app_config():
    return CONTROLLER


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("pl", ["Administrator", "Prezesa Urzędu Ochrony Danych Osobowych", "24 miesiące"]),
        ("en", ["Controller", "President of the Personal Data Protection Office", "24 months"]),
    ],
)
def test_the_privacy_notice_names_the_configured_controller(client, language, words):
    client.set_cookie("lang", language)
    html = client.get("/privacy").get_data(as_text=True)
    for value in (
        "Stowarzyszenie Działamy Razem",
        "ul. Święty Marcin 80/82, 61-809 Poznań",
        "mailto:dane@dzialamyrazem.example.org",
        "mailto:iod@dzialamyrazem.example.org",
        consents.DATA_PROCESSING_VERSION,
        consents.NEEDS_VERSION,
    ):
        assert value in html
    for word in words:
        assert word in html


def test_every_page_links_the_notice_and_the_contact_and_an_event_its_map(app, client):
    with app.app_context():
        slug = make_event(venue_address="ul. Główna 1, 62-800 Kalisz").slug
    for path in ("/", f"/events/{slug}", f"/events/{slug}/register", "/lost-link", "/nowhere"):
        html = client.get(path).get_data(as_text=True)
        assert 'href="/privacy"' in html, path
        assert "mailto:biuro@dzialamyrazem.example.org" in html, path
    event_page = client.get(f"/events/{slug}").get_data(as_text=True)
    assert "https://www.openstreetmap.org/search?query=Centrum+Kultury" in event_page
    form = client.get(f"/events/{slug}/register").get_data(as_text=True)
    assert "przez Stowarzyszenie Działamy Razem" in form  # the consent names the controller


def test_consents_store_their_version_and_needs_need_their_own(app, client):
    with app.app_context():
        slug = make_event().slug
    token = csrf_token(client, f"/events/{slug}/register")
    refused = client.post(
        f"/events/{slug}/register",
        data=form_data(email="a@example.org", needs="Wózek", csrf_token=token),
    )
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    assert '<a href="#needs_consent">' in html and "<title>Błąd: " in html
    accepted = client.post(
        f"/events/{slug}/register",
        data=form_data(email="a@example.org", needs="Wózek", needs_consent="y", csrf_token=token),
    )
    assert accepted.status_code == 302
    plain = client.post(
        f"/events/{slug}/register", data=form_data(email="b@example.org", csrf_token=token)
    )
    assert plain.status_code == 302
    with app.app_context():
        rows = {r.email: r for r in db.session.scalars(sa.select(Registration))}
        assert rows["a@example.org"].data_consent_version == "2026-11-rodo-2"
        assert rows["a@example.org"].needs_consent_version == consents.NEEDS_VERSION
        assert rows["a@example.org"].needs_consent_at is not None
        assert rows["b@example.org"].needs_consent_at is None


def test_the_service_refuses_needs_without_their_consent(ctx):
    event = make_event()
    with pytest.raises(RegistrationError) as refused:
        register_attendee(event.id, attendee(needs="Dieta bezglutenowa"))
    assert refused.value.code == "needs_consent"


def test_stored_consents_keep_the_version_agreed_to(ctx):
    event = make_event()
    older = register_attendee(event.id, attendee())
    older.data_consent_version = "2026-11-rodo-1"  # agreed before the texts changed
    db.session.commit()
    register_attendee(event.id, attendee())
    versions = db.session.scalars(
        sa.select(Registration.data_consent_version).order_by(Registration.id)
    ).all()
    assert versions == ["2026-11-rodo-1", "2026-11-rodo-2"]


def test_needs_are_deleted_once_the_event_has_ended(ctx, runner):
    past_start = utcnow() - timedelta(days=2)
    ended = make_event()
    coming = make_event()
    gone = register_attendee(ended.id, attendee(needs="Pętla indukcyjna", needs_consent=True))
    kept = register_attendee(coming.id, attendee(needs="Pętla indukcyjna", needs_consent=True))
    ended.starts_at, ended.ends_at = past_start, past_start + timedelta(hours=3)
    db.session.commit()

    result = runner.invoke(args=["anonymize"])  # the daily retention run

    assert result.exit_code == 0, result.output
    assert "1 registration(s) lost their needs" in result.output
    db.session.refresh(gone)
    db.session.refresh(kept)
    assert gone.needs is None and gone.needs_consent_version == consents.NEEDS_VERSION
    assert gone.email.endswith("@example.org")  # within the retention period: still there
    assert kept.needs == "Pętla indukcyjna"
    assert forget_needs() == 0
