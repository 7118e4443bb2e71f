"""Safe copies and publishing (issue 21): a copy asks first for its day, hours, county
and venue (none is the original's); a title still naming the original's county is
shown back; publishing is a confirmation naming date, place and county; a copy's
"(kopia)" title never goes public; a warning when the same event is already public."""

import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import Event, EventStatus, Role, utcnow
from events.timezone import WARSAW, local_date, to_local
from tests.factories import attendee, make_course, make_event, make_user
from tests.test_organizer import PASSWORD, log_in


@pytest.fixture
def organizer(app):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
    client = app.test_client()
    client.token = log_in(client, "org@example.org")
    return client


def status_of(app, event_id):
    with app.app_context():
        return db.session.get(Event, event_id).status


def draft(app, **overrides):
    """A draft from 10:00 to 14:00 (Warsaw) in three days: on one day, whatever the hour
    the test runs at."""
    start = datetime.combine(local_date(utcnow()) + timedelta(days=3), time(10), tzinfo=WARSAW)
    overrides = {"starts_at": start, "ends_at": start + timedelta(hours=4), **overrides}
    with app.app_context():
        return make_event(status=EventStatus.DRAFT, **overrides).id


def test_the_edit_page_links_to_a_confirmation_after_the_form(app, organizer):
    event_id = draft(app, venue_name="Dom Kultury w Kole")
    page = organizer.get(f"/organizer/events/{event_id}/edit").get_data(as_text=True)
    assert page.index("</form>", page.index('class="event-form"')) < page.index(
        f'href="/organizer/events/{event_id}/publish"'
    )
    confirmation = organizer.get(f"/organizer/events/{event_id}/publish")
    text = confirmation.get_data(as_text=True)
    assert confirmation.status_code == 200
    assert "Dom Kultury w Kole" in text and "ul. Główna 1, 62-800 Kalisz" in text
    assert "Kalisz" in text and 'method="post"' in text
    assert status_of(app, event_id) == EventStatus.DRAFT  # looking publishes nothing


def test_only_the_confirmations_post_publishes(app, organizer):
    event_id = draft(app)
    response = organizer.post(
        f"/organizer/events/{event_id}/publish", data={"csrf_token": organizer.token}
    )
    assert response.status_code == 302
    assert status_of(app, event_id) == EventStatus.PUBLISHED


def test_a_post_without_its_token_publishes_nothing(app, organizer):
    event_id = draft(app)
    response = organizer.post(f"/organizer/events/{event_id}/publish", data={})
    assert response.status_code in (200, 400)
    assert status_of(app, event_id) == EventStatus.DRAFT


def test_a_copys_title_is_never_published(app, organizer):
    for title in ("Spotkanie konsultacyjne – powiat kolski (kopia)", "Meeting (Copy) "):
        event_id = draft(app, title=title)
        page = organizer.get(f"/organizer/events/{event_id}/publish").get_data(as_text=True)
        assert "(kopia)" in page and "Yes, publish" not in page
        response = organizer.post(
            f"/organizer/events/{event_id}/publish", data={"csrf_token": organizer.token}
        )
        assert response.status_code == 200
        assert "give the copy its own title" in response.get_data(as_text=True)
        assert status_of(app, event_id) == EventStatus.DRAFT


def test_the_same_event_already_public_is_warned_about_but_allowed(app, organizer):
    with app.app_context():
        original = make_event(title="Spotkanie konsultacyjne", county="kolski")
        start, other_day = original.starts_at, original.starts_at.replace(year=2099)
    twin = draft(app, title="Spotkanie konsultacyjne", county="kolski", starts_at=start)
    elsewhere = draft(app, title="Spotkanie konsultacyjne", county="kaliski", starts_at=start)
    later = draft(
        app,
        title="Spotkanie konsultacyjne",
        county="kolski",
        starts_at=other_day,
        ends_at=other_day + timedelta(hours=2),  # (hour=23 was before a start after 23:00 UTC)
    )
    warning = "already published"
    assert warning in organizer.get(f"/organizer/events/{twin}/publish").get_data(as_text=True)
    for event_id in (elsewhere, later):
        page = organizer.get(f"/organizer/events/{event_id}/publish").get_data(as_text=True)
        assert warning not in page
    organizer.post(f"/organizer/events/{twin}/publish", data={"csrf_token": organizer.token})
    assert status_of(app, twin) == EventStatus.PUBLISHED
    with app.app_context():
        count = db.session.scalar(
            sa.select(sa.func.count()).where(
                Event.status == EventStatus.PUBLISHED, Event.county == "kolski"
            )
        )
    assert count == 2


def copy_form(organizer, event_id):
    response = organizer.get(f"/organizer/events/{event_id}/duplicate")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def field_value(page, name):
    tag = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', page).group(0)
    value = re.search(r'value="([^"]*)"', tag)
    return value.group(1) if value else ""


def make_copy(organizer, event_id, **fields):
    data = {
        "csrf_token": organizer.token,
        "title": "Spotkanie konsultacyjne – powiat gnieźnieński",
        "day": (local_date(utcnow()) + timedelta(days=20)).isoformat(),
        "starts": "10:00",
        "ends": "13:30",
        "county": "gnieznienski",
        "venue_name": "Starostwo Powiatowe w Gnieźnie",
        "venue_address": "ul. Jana Pawła II 9/10, 62-200 Gniezno",
    }
    data.update(fields)
    return organizer.post(f"/organizer/events/{event_id}/duplicate", data=data)


def copies_of(app, title):
    with app.app_context():
        return db.session.scalars(sa.select(Event).where(Event.title == title)).all()


def test_a_copy_asks_for_its_day_county_and_venue_none_prefilled(app, organizer):
    with app.app_context():
        original = make_event(
            title="Spotkanie konsultacyjne – powiat kolski",
            county="kolski",
            venue_name="Dom Kultury w Kole",
            **{"registration_closes_at": utcnow() + timedelta(minutes=10)},
        )
        event_id, hours = original.id, to_local(original.starts_at).strftime("%H:%M")
    edit = organizer.get(f"/organizer/events/{event_id}/edit").get_data(as_text=True)
    assert f'href="/organizer/events/{event_id}/duplicate"' in edit  # a link, not a POST
    page = copy_form(organizer, event_id)
    assert field_value(page, "title") == "Spotkanie konsultacyjne – powiat kolski"
    assert field_value(page, "starts") == hours  # the hours are the original's
    assert field_value(page, "day") == ""
    assert field_value(page, "venue_name") == "" and field_value(page, "venue_address") == ""
    assert "Dom Kultury w Kole" not in page
    selected = re.search(r'<select[^>]*name="county".*?</select>', page, re.S).group(0)
    assert "selected" not in selected  # no county chosen
    assert copies_of(app, "Spotkanie konsultacyjne – powiat gnieźnieński") == []  # GET makes none


def test_the_copy_is_a_draft_on_the_new_day_with_the_registration_dates_moved(app, organizer):
    with app.app_context():
        start = utcnow().replace(microsecond=0) + timedelta(days=3)
        original = make_event(
            title="Spotkanie konsultacyjne – powiat kolski",
            county="kolski",
            starts_at=start,
            ends_at=start + timedelta(hours=3),
            registration_closes_at=start - timedelta(days=1),
            checkin_opens_minutes=90,
        )
        from events.services.registration import register_attendee

        register_attendee(original.id, attendee(), notify=False)
        event_id, original_close = original.id, original.registration_closes_at
    day = local_date(utcnow()) + timedelta(days=20)
    response = make_copy(organizer, event_id, day=day.isoformat())
    assert response.status_code == 302
    (copy,) = copies_of(app, "Spotkanie konsultacyjne – powiat gnieźnieński")
    assert copy.status == EventStatus.DRAFT and copy.county == "gnieznienski"
    assert local_date(copy.starts_at) == day
    assert to_local(copy.starts_at).strftime("%H:%M") == "10:00"
    assert to_local(copy.ends_at).strftime("%H:%M") == "13:30"
    assert copy.venue_name == "Starostwo Powiatowe w Gnieźnie"
    assert copy.registration_closes_at == copy.starts_at - (start - original_close)
    assert copy.checkin_opens_minutes == 90 and copy.capacity == 10
    assert "(kopia)" not in copy.title
    with app.app_context():
        assert db.session.get(Event, copy.id).registrations == []
    assert response.headers["Location"].endswith(f"/organizer/events/{copy.id}/edit")


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"day": ""}, "day", "Enter the date."),
        ({"day": "2020-01-01"}, "day", "This day has passed"),
        ({"day": "31.02.2027"}, "day", "Not a valid date value."),
        ({"day": "9999-12-31"}, "day", "At most 5 years ahead."),
        ({"county": ""}, "county", "Choose the county."),
        ({"venue_name": " "}, "venue_name", "Enter the venue."),
        ({"ends": "09:00"}, "ends", "The end must be after the start."),
        ({"starts": ""}, "starts", "Enter the time."),
    ],
)
def test_bad_copy_input_is_explained_next_to_its_field(app, organizer, fields, field, message):
    event_id = draft(app, title="Seminarium", county="kolski")
    response = make_copy(organizer, event_id, title="Seminarium", **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in page and message in page
    assert f'href="#{field}"' in page  # linked from the error summary
    assert field_value(page, "venue_address") == "ul. Jana Pawła II 9/10, 62-200 Gniezno"  # kept
    assert copies_of(app, "Seminarium") != [] and len(copies_of(app, "Seminarium")) == 1


def test_a_title_still_naming_the_old_county_is_shown_back_to_be_confirmed(app, organizer):
    event_id = draft(app, title="Spotkanie konsultacyjne – powiat kolski", county="kolski")
    response = make_copy(organizer, event_id, title="Spotkanie konsultacyjne – powiat kolski")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="title-error"' in page
    assert "still names Koło County" in page and 'name="keep_title"' in page
    assert len(copies_of(app, "Spotkanie konsultacyjne – powiat kolski")) == 1
    kept = make_copy(
        organizer, event_id, title="Spotkanie konsultacyjne – powiat kolski", keep_title="y"
    )
    assert kept.status_code == 302
    assert len(copies_of(app, "Spotkanie konsultacyjne – powiat kolski")) == 2
    # The same county, or a title naming no county, asks nothing.
    city = draft(app, title="Seminarium – Konin", county="m-konin")
    assert (
        make_copy(organizer, city, title="Seminarium – Konin", county="m-konin").status_code == 302
    )
    assert "still names Konin" in make_copy(organizer, city, title="Seminarium – Konin").get_data(
        as_text=True
    )
    assert make_copy(organizer, city, title="Seminarium – konińskie NGO").status_code == 302


def test_a_copied_course_moves_its_sessions_and_keeps_their_hours(app, organizer):
    with app.app_context():
        course = make_course(certificate_min_percent=75, weekly=True, venue_name="Sala A")
        days = [local_date(s.starts_at) - local_date(course.starts_at) for s in course.sessions]
        hours = [to_local(s.starts_at).time() for s in course.sessions]
        event_id = course.id
    page = copy_form(organizer, event_id)
    assert 'name="starts"' not in page and "Date of the first session" in page
    day = date(2027, 3, 22)  # the weeks after cross the change to summer time
    response = make_copy(organizer, event_id, title="Szkolenie – kopia", day=day.isoformat())
    assert response.status_code == 302
    (copy,) = copies_of(app, "Szkolenie – kopia")
    with app.app_context():
        copy = db.session.get(Event, copy.id)
        sessions = copy.sessions
        assert local_date(sessions[0].starts_at) == day
        assert [to_local(s.starts_at).time() for s in sessions] == hours
        assert [local_date(s.starts_at) - day for s in sessions] == days
        # Sessions at the course's venue move to the copy's; the one elsewhere stays.
        assert [s.venue_name for s in sessions] == [
            "Starostwo Powiatowe w Gnieźnie",
            "Dom Kultury w Śremie",
            "Starostwo Powiatowe w Gnieźnie",
        ]
        assert copy.certificate_min_percent == 75


def test_an_event_past_midnight_is_copied_past_midnight(app, organizer):
    with app.app_context():
        start = utcnow().replace(hour=20, minute=0, second=0, microsecond=0) + timedelta(days=2)
        event_id = make_event(
            title="Gra nocna", starts_at=start, ends_at=start + timedelta(hours=6)
        ).id
        hours = (
            to_local(start).strftime("%H:%M"),
            to_local(start + timedelta(hours=6)).strftime("%H:%M"),
        )
    day = local_date(utcnow()) + timedelta(days=30)
    response = make_copy(
        organizer, event_id, title="Gra nocna", day=day.isoformat(), starts=hours[0], ends=hours[1]
    )
    assert response.status_code == 302
    copy = max(copies_of(app, "Gra nocna"), key=lambda event: event.id)
    assert copy.ends_at - copy.starts_at == timedelta(hours=6)
    assert local_date(copy.starts_at) == day
