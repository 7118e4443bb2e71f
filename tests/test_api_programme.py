"""The public programme as JSON: its filters and pages, seats and states, one event with
its sessions, Polish or English, conditional requests and reading from other sites."""

from datetime import timedelta

import pytest

from events.extensions import db
from events.models import EventKind, EventStatus, RegistrationStatus, utcnow
from tests.factories import (
    make_course,
    make_event,
    make_organization,
    make_programme,
    make_registration,
)


@pytest.fixture
def programme(app):
    with app.app_context():
        partner = make_organization("P", name="Stowarzyszenie Pomorskie")
        host = make_organization("Q", name="Fundacja Kwiatowa")
        partnerships = make_programme("partnerstwa")
        full = make_event(
            title="Seminarium w Pile", county="pilski", capacity=1, programme_id=partnerships.id
        )
        make_registration(full, RegistrationStatus.CONFIRMED)
        make_event(title="Szkolenie liderów", kind=EventKind.TRAINING, organization=partner)
        coorganized = make_event(title="Spotkanie w Turku", organization=host)
        coorganized.coorganizers = [partner]
        make_event(title="Szkic", status=EventStatus.DRAFT)
        past = utcnow() - timedelta(days=3)
        make_event(title="Dawne seminarium", starts_at=past, ends_at=past + timedelta(hours=2))
        course = make_course(title="Kurs dla liderów", kind=EventKind.PARTNER_MEETING)
        db.session.commit()
        return {"full": full.slug, "course": course.slug}


def _titles(answer) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [item["title"] for item in answer.get_json()["items"]]


def test_the_programme_is_filtered_as_on_its_page(client, programme):
    everything = _titles(client.get("/api/v1/events"))
    assert "Szkic" not in everything and "Dawne seminarium" not in everything
    assert len(everything) == 4
    assert _titles(client.get("/api/v1/events?county=pilski")) == ["Seminarium w Pile"]
    assert _titles(client.get("/api/v1/events?kind=training")) == ["Szkolenie liderów"]
    assert _titles(client.get("/api/v1/events?programme=partnerstwa")) == ["Seminarium w Pile"]
    assert sorted(_titles(client.get("/api/v1/events?organization=P"))) == [
        "Spotkanie w Turku",
        "Szkolenie liderów",
    ]
    assert _titles(client.get("/api/v1/events?programme=nie-ma-takiego")) == []
    assert _titles(client.get("/api/v1/events?organization=ZZZ")) == []
    assert "Dawne seminarium" in _titles(client.get("/api/v1/events?include_past=true"))
    month = utcnow().strftime("%Y-%m")
    assert len(_titles(client.get(f"/api/v1/events?month={month}"))) >= 1


def test_pages_and_bad_parameters(client, programme):
    first = client.get("/api/v1/events?per_page=3").get_json()
    assert (first["total"], first["pages"], len(first["items"])) == (4, 2, 3)
    last = client.get("/api/v1/events?per_page=3&page=2").get_json()
    assert len(last["items"]) == 1
    assert client.get("/api/v1/events?per_page=3&page=9").get_json()["items"] == []
    for query in ("page=0", "per_page=500", "month=2027-13", "kind=party", "spare=1"):
        answer = client.get(f"/api/v1/events?{query}")
        assert answer.status_code == 422, query
        assert answer.mimetype == "application/problem+json"
        assert answer.get_json()["code"] == "invalid" and answer.get_json()["errors"]


def test_seats_states_and_one_event_with_its_sessions(client, programme):
    full = client.get(f"/api/v1/events/{programme['full']}?lang=en").get_json()
    assert full["registration"]["seats_left"] == 0
    assert full["registration"]["state"] == "waitlist"
    assert full["registration"]["state_label"] == "Full – waiting list"
    assert full["programme"]["slug"] == "partnerstwa"
    assert full["url"].endswith(f"/events/{programme['full']}")
    assert full["sessions"] == []
    course = client.get(f"/api/v1/events/{programme['course']}").get_json()
    assert len(course["sessions"]) == 3
    assert course["sessions"][0]["starts_at"] < course["sessions"][1]["starts_at"]
    missing = client.get("/api/v1/events/nie-ma-takiego")
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    draft = client.get("/api/v1/events?include_past=true").get_json()
    assert all(item["status"] != "draft" for item in draft["items"])


def test_polish_or_english_by_parameter_or_header(client, programme):
    url = f"/api/v1/events/{programme['full']}"
    polish = client.get(url, headers={"Accept-Language": "pl"}).get_json()
    english = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.9"}).get_json()
    assert polish["kind_label"] == "Seminarium" and english["kind_label"] == "Seminar"
    assert polish["county_name"] != english["county_name"] or polish["county_name"]
    forced = client.get(url + "?lang=pl", headers={"Accept-Language": "en"}).get_json()
    assert forced["kind_label"] == "Seminarium"
    assert client.get(url).headers["Vary"].count("Accept-Language") == 1


def test_an_unchanged_answer_is_not_sent_again(app, client, programme):
    answer = client.get("/api/v1/events")
    etag = answer.headers["ETag"]
    assert answer.headers["Cache-Control"] == "public, max-age=60"
    again = client.get("/api/v1/events", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    with app.app_context():
        make_event(title="Nowe spotkanie")
    changed = client.get("/api/v1/events", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Nowe spotkanie" in _titles(changed)


def test_any_site_may_read_the_programme_but_not_the_organizer_api(client, programme):
    answer = client.get("/api/v1/events", headers={"Origin": "https://powiat.example.pl"})
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in answer.headers["Access-Control-Expose-Headers"]
    preflight = client.options(
        "/api/v1/events",
        headers={"Origin": "https://powiat.example.pl", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.headers["Access-Control-Allow-Methods"] == "GET"
    organizer = client.get("/api/v1/organizer/events", headers={"Origin": "https://x.example"})
    assert "Access-Control-Allow-Origin" not in organizer.headers
    assert client.get("/api/openapi.json").headers["Access-Control-Allow-Origin"] == "*"
