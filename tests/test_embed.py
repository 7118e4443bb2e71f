"""The programme on partners' websites: /embed/programme, its filters and languages,
and who may frame it (only this site and the origins of EMBED_ORIGINS)."""

from datetime import timedelta

import pytest

from events.config import ConfigError, embed_origins, load_config
from events.models import EventKind, EventStatus, utcnow
from events.services.registration import register_attendee
from events.timezone import to_local
from tests.conftest import make_app
from tests.factories import attendee, make_event, make_organization, make_programme, make_user
from tests.network import log_in

PARTNER = "https://powiat.example.pl"


def embed(client, query="", **headers) -> str:
    response = client.get(f"/embed/programme{query}", headers=headers)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


# What it lists


def test_lists_upcoming_public_events_with_links_to_their_pages(app, client):
    past = utcnow() - timedelta(days=2)
    with app.app_context():
        make_event(title="Seminarium w Kaliszu", slug="seminarium-kalisz")
        make_event(title="Szkic", status=EventStatus.DRAFT)
        make_event(title="Dawne spotkanie", starts_at=past, ends_at=past + timedelta(hours=2))

    html = embed(client)

    assert "Seminarium w Kaliszu" in html
    assert "Szkic" not in html and "Dawne spotkanie" not in html
    # Through the language switch: the reader lands on the page in the frame's language.
    link = (
        'href="https://rejestracja.example.org/language/pl?next=/events/seminarium-kalisz"'
        ' target="_top"'
    )
    assert link in html
    assert "Centrum Kultury" in html and "Kalisz" in html
    assert "Zostało 10 miejsc" in html
    full = 'href="https://rejestracja.example.org/language/pl?next=/" target="_top"'
    assert full in html  # the full programme
    assert "site-header" not in html and "<nav" not in html  # no site menu in a frame


def test_shows_the_seats_left_state_of_each_event(app, client):
    with app.app_context():
        full = make_event(title="Pełne", capacity=1, waitlist_enabled=False)
        register_attendee(full.id, attendee())
        make_event(title="Odwołane", status=EventStatus.CANCELLED)
    html = embed(client, "?lang=en")
    assert "No seats left" in html and "Event cancelled" in html


def test_times_are_shown_in_warsaw(app, client):
    with app.app_context():
        start = (utcnow() + timedelta(days=30)).replace(hour=9, minute=0, second=0, microsecond=0)
        event = make_event(starts_at=start, ends_at=start + timedelta(hours=2))
        local = to_local(event.starts_at)
    assert f"{local:%H}:00–" in embed(client)


def test_filters_by_programme_county_organization_and_kind(app, client):
    with app.app_context():
        programme = make_programme("wies")
        partner = make_organization("PN")
        make_event(title="W programie", programme_id=programme.id)
        make_event(title="W Pile", county="pilski")
        make_event(title="Partnera", organization=partner)
        make_event(title="Współorganizowane", coorganizers=[partner])
        make_event(title="Szkolenie", kind=EventKind.TRAINING)

    def titles(query):
        html = embed(client, query)
        names = ("W programie", "W Pile", "Partnera", "Współorganizowane", "Szkolenie")
        return {name for name in names if f">{name}</a>" in html}

    assert titles("?programme=wies") == {"W programie"}
    assert titles("?county=pilski") == {"W Pile"}
    assert titles("?organization=PN") == {"Partnera", "Współorganizowane"}
    assert titles("?kind=training") == {"Szkolenie"}
    assert titles("?kind=training&county=pilski") == set()


def test_the_full_programme_link_keeps_the_filters_the_programme_page_knows(app, client):
    with app.app_context():
        make_programme("wies")
    html = embed(client, "?programme=wies&county=pilski&organization=DR")
    programme = "/language/pl?next=/?county%3Dpilski%26programme%3Dwies"
    assert f'href="https://rejestracja.example.org{programme}"' in html


@pytest.mark.parametrize(
    "query",
    [
        "?programme=nie-ma-takiego",
        "?county=atlantyda",
        "?organization=NIKT",
        "?kind=party",
        "?organization=" + "X" * 500,
        "?programme=%ff%fe",
        "?organization=DR%0A",
    ],
)
def test_an_unknown_filter_value_shows_no_events_never_an_error(app, client, query):
    with app.app_context():
        make_event(title="Seminarium")
    html = embed(client, query)
    assert "Seminarium" not in html
    assert 'class="embed-empty"' in html
    assert 'href="https://rejestracja.example.org/language/pl?next=/" target="_top"' in html


def test_a_nul_in_a_filter_is_a_bad_request_as_everywhere_on_the_site(client):
    assert client.get("/embed/programme?organization=%00").status_code == 400


def test_limit_defaults_to_ten_and_stays_within_one_to_fifty(app, client):
    with app.app_context():
        for number in range(51):
            start = utcnow() + timedelta(hours=number + 1)
            make_event(title=f"W{number}", starts_at=start, ends_at=start + timedelta(hours=1))
    limits = {"": 10, "3": 3, "0": 1, "abc": 10, "-5": 10, "999999999999": 10, "80": 50}
    for limit, shown in limits.items():
        html = embed(client, f"?limit={limit}")
        assert html.count("<li>") == shown, limit
        assert ">W0</a>" in html  # soonest first


# Languages


def test_polish_by_default_english_by_accept_language_or_lang(app, client):
    with app.app_context():
        make_event(capacity=10)
    html = embed(client)
    assert '<html lang="pl">' in html and "Zostało 10 miejsc" in html
    html = embed(client, **{"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in html and "Upcoming events" in html and "10 seats left" in html
    html = embed(client, "?lang=pl", **{"Accept-Language": "en"})
    assert '<html lang="pl">' in html
    assert '<html lang="en">' in embed(client, "?lang=en")
    assert '<html lang="pl">' in embed(client, "?lang=xx")


def test_the_language_cookie_of_this_site_does_not_choose_the_frames_language(app, client):
    client.set_cookie("lang", "en")
    assert '<html lang="pl">' in embed(client)


def test_an_empty_list_says_so(client):
    html = embed(client, "?lang=en")
    assert "No upcoming events here at the moment." in html and "<ul" not in html


# Headers: caching and framing


def test_cached_publicly_for_a_short_while_per_language(client):
    response = client.get("/embed/programme")
    assert response.headers["Cache-Control"] == "public, max-age=120"
    assert "Accept-Language" in response.headers["Vary"]
    again = client.get("/embed/programme", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_never_kept_by_shared_caches_for_someone_logged_in(app, client):
    with app.app_context():
        make_user(email="org@example.org")
    log_in(client, "org@example.org")
    assert client.get("/embed/programme").headers["Cache-Control"] == "private, no-store"


def test_without_embed_origins_only_this_site_may_frame_it(client):
    headers = client.get("/embed/programme").headers
    assert "X-Frame-Options" not in headers
    assert headers["Content-Security-Policy"].endswith("frame-ancestors 'self'")
    assert "script-src 'self'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize("app_config", [{"EMBED_ORIGINS": f"{PARTNER}, http://127.0.0.1:8080"}])
def test_the_configured_origins_may_frame_it_and_no_other_page(client):
    headers = client.get("/embed/programme").headers
    assert "X-Frame-Options" not in headers
    policy = headers["Content-Security-Policy"]
    assert policy.endswith(f"frame-ancestors 'self' {PARTNER} http://127.0.0.1:8080")
    for path in ("/", "/privacy", "/api/v1/events", "/embed/nothing-here", "/login"):
        headers = client.get(path).headers
        assert headers["X-Frame-Options"] == "DENY", path
        assert headers["Content-Security-Policy"].endswith("frame-ancestors 'none'"), path


# Configuration


def test_embed_origins_are_read_from_the_environment_spaces_or_commas():
    origins = load_config({"EMBED_ORIGINS": " https://Powiat.example.pl/,http://127.0.0.1:8080 "})
    assert origins["EMBED_ORIGINS"] == ("https://powiat.example.pl", "http://127.0.0.1:8080")
    assert load_config({})["EMBED_ORIGINS"] == ()
    assert embed_origins("https://a.example.pl https://a.example.pl") == ("https://a.example.pl",)
    assert embed_origins("http://[::1]:8000") == ("http://[::1]:8000",)


@pytest.mark.parametrize(
    "value",
    [
        "powiat.example.pl",
        "*",
        "https://*.example.pl",
        "'self'",
        "https://powiat.example.pl/programme",
        "https://powiat.example.pl?x=1",
        "https://user@powiat.example.pl",
        "https://powiat.example.pl:99999",
        "https://powiat.example.pl:",
        "ftp://powiat.example.pl",
        "https://powiat.example.pl;script-src",
        "https://",
    ],
)
def test_a_value_that_is_not_an_origin_stops_the_start(value):
    with pytest.raises(ConfigError, match="EMBED_ORIGINS must list origins"):
        load_config({"EMBED_ORIGINS": f"https://ok.example.pl {value}"})


def test_the_factory_refuses_a_bad_origin_passed_by_the_caller(tmp_path):
    with pytest.raises(ConfigError, match="EMBED_ORIGINS"):
        make_app(f"sqlite:///{tmp_path / 'x.db'}", EMBED_ORIGINS="partner.example.pl")
