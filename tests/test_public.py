"""The public programme and event pages, in Polish and English."""

from datetime import UTC, datetime, timedelta

import pytest

from events.models import EventKind, EventStatus, utcnow
from events.services.registration import register_attendee
from tests.factories import attendee, make_event


def page(client, url, language=None) -> str:
    if language:
        client.set_cookie("lang", language)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_programme_lists_published_upcoming_events_only(app, client):
    past = utcnow() - timedelta(days=3)
    with app.app_context():
        make_event(title="Seminarium w Kaliszu")
        make_event(title="Szkic wydarzenia", status=EventStatus.DRAFT)
        make_event(title="Dawne spotkanie", starts_at=past, ends_at=past + timedelta(hours=2))

    html = page(client, "/")

    assert "Seminarium w Kaliszu" in html
    assert "Szkic wydarzenia" not in html
    assert "Dawne spotkanie" not in html
    assert "Dawne spotkanie" in page(client, "/?past=1")


def test_programme_is_polish_by_default_and_english_on_request(app, client):
    with app.app_context():
        make_event(capacity=10)
    html = page(client, "/")
    assert 'lang="pl"' in html and "Zostało 10 miejsc" in html
    response = client.get("/language/en?next=/")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    html = page(client, "/")  # the choice is remembered in a cookie
    assert 'lang="en"' in html and "10 seats left" in html


def test_language_switch_never_redirects_elsewhere(client):
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.get("/language/en", query_string={"next": target})
        assert response.headers["Location"] == "/"
    assert client.get("/language/xx").status_code == 404


def test_each_event_shows_seats_waiting_list_or_closed_registration(app, client):
    with app.app_context():
        make_event(title="Otwarte", capacity=3)
        full = make_event(title="Pełne", capacity=1)
        register_attendee(full.id, attendee())
        no_waitlist = make_event(title="Bez listy", capacity=1, waitlist_enabled=False)
        register_attendee(no_waitlist.id, attendee())
        make_event(title="Zamknięte", registration_closes_at=utcnow() - timedelta(hours=1))

    html = page(client, "/", "en")

    def card(title):
        start = html.index(f">{title}<")
        return html[start : html.index("</li>", start)]

    assert "3 seats left" in card("Otwarte")
    assert "Full – waiting list" in card("Pełne")
    assert "No seats left" in card("Bez listy")
    assert "Registration closed" in card("Zamknięte")


def test_filters_by_kind_county_and_month(app, client):
    soon = utcnow().replace(microsecond=0) + timedelta(days=3)
    later = soon + timedelta(days=62)
    with app.app_context():
        make_event(title="Szkolenie A", kind=EventKind.TRAINING, county="m-poznan")
        make_event(title="Konsultacje B", kind=EventKind.CONSULTATION, county="pilski")
        make_event(title="Seminarium C", starts_at=later, ends_at=later + timedelta(hours=2))
        make_event(title="Seminarium D", starts_at=soon, ends_at=soon + timedelta(hours=2))

    assert titles_in(page(client, "/?kind=training")) == ["Szkolenie A"]
    assert titles_in(page(client, "/?county=pilski")) == ["Konsultacje B"]
    month = (later + timedelta(hours=2)).strftime("%Y-%m")  # Warsaw is ahead of UTC
    assert titles_in(page(client, f"/?month={month}")) == ["Seminarium C"]


def titles_in(html):
    titles = ["Szkolenie A", "Konsultacje B", "Seminarium C", "Seminarium D"]
    return [title for title in titles if title in html]


@pytest.mark.parametrize(
    "query",
    ["kind=<script>", "county=nowhere", "month=2026-13", "month=abcd-ef", "month=" + "9" * 500],
)
def test_invalid_filters_are_ignored_not_errors(app, client, query):
    with app.app_context():
        make_event(title="Seminarium widoczne")
    assert "Seminarium widoczne" in page(client, f"/?{query}")


def test_event_page_shows_details_in_warsaw_time_escaped(app, client):
    start = datetime(2030, 3, 14, 9, 30, tzinfo=UTC)  # 10:30 in Warsaw (CET)
    with app.app_context():
        slug = make_event(
            title="Seminarium <b>pogrubione</b>",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            venue_name="Dom Kultury „Zorza”",
        ).slug
    html = page(client, f"/events/{slug}", "en")
    assert "Seminarium &lt;b&gt;pogrubione&lt;/b&gt;" in html
    assert "10:30" in html and "12:30" in html
    assert "Dom Kultury „Zorza”" in html
    assert f'href="/events/{slug}/register"' in html


def test_drafts_and_unknown_events_are_not_found(app, client):
    with app.app_context():
        slug = make_event(status=EventStatus.DRAFT).slug
    assert client.get(f"/events/{slug}").status_code == 404
    assert client.get(f"/events/{slug}/register").status_code == 404
    assert client.get("/events/nie-ma-takiego").status_code == 404


def test_cancelled_event_is_shown_as_cancelled_without_a_register_button(app, client):
    with app.app_context():
        slug = make_event(status=EventStatus.CANCELLED).slug
    html = page(client, f"/events/{slug}", "en")
    assert "Event cancelled" in html
    assert f"/events/{slug}/register" not in html


def test_the_programme_is_a_subscribable_calendar(app, client):
    import icalendar

    with app.app_context():
        make_event(title="Seminarium w Pile")
        make_event(title="Odwołane", status=EventStatus.CANCELLED)
        make_event(title="Szkic", status=EventStatus.DRAFT)
    response = client.get("/events.ics")
    assert response.mimetype == "text/calendar"
    entries = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    by_title = {str(entry["SUMMARY"]): entry for entry in entries}
    assert set(by_title) == {"Seminarium w Pile", "Odwołane: Odwołane"}
    assert by_title["Odwołane: Odwołane"]["STATUS"] == "CANCELLED"
    assert str(by_title["Seminarium w Pile"]["UID"]).endswith("@rejestracja.example.org")


def test_each_event_has_its_own_calendar_file(app, client):
    import icalendar

    with app.app_context():
        slug = make_event(title="Konsultacje w Turku").slug
        draft = make_event(status=EventStatus.DRAFT).slug
    html = page(client, f"/events/{slug}")
    assert f'href="/events/{slug}.ics"' in html
    [entry] = icalendar.Calendar.from_ical(client.get(f"/events/{slug}.ics").data).walk("VEVENT")
    assert entry["SUMMARY"] == "Konsultacje w Turku"
    assert f"https://rejestracja.example.org/events/{slug}" in entry["DESCRIPTION"]
    assert client.get(f"/events/{draft}.ics").status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/events/%00",
        "/events/%00/register",
        "/events/%00.ics",
        "/r/%00abc",
        "/r/%00/calendar.ics",
        "/?county=%00",
        "/events/" + "ż" * 3000,
        "/r/" + "%F0%9F%8E%89" * 100,
        "/events/%3Cscript%3E",
    ],
)
def test_odd_addresses_get_a_clear_answer_never_a_500(client, url):
    response = client.get(url)
    assert response.status_code in (400, 404)
    assert "<html" in response.get_data(as_text=True)


def test_an_event_across_warsaw_midnight_shows_both_dates(app, client):
    """21:30–23:30 UTC is one day in UTC but 23:30–01:30 in Warsaw (summer time)."""
    start = datetime(2030, 6, 1, 21, 30, tzinfo=UTC)
    with app.app_context():
        slug = make_event(starts_at=start, ends_at=start + timedelta(hours=2)).slug
    html = page(client, f"/events/{slug}", "pl")
    assert "1 czerwca 2030, 23:30" in html
    assert "2 czerwca 2030, 01:30" in html


def test_a_one_day_event_shows_its_date_once(app, client):
    start = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)  # 10:00 in Warsaw
    with app.app_context():
        slug = make_event(starts_at=start, ends_at=start + timedelta(hours=6)).slug
    html = page(client, f"/events/{slug}", "pl")
    assert "1 czerwca 2030, 10:00–16:00" in html
