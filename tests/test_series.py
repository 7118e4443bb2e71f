"""A series (issue 21): many drafts from one template in one table, one transaction;
the preview is what is made; the chosen drafts published after one confirmation; a
change common to the series, at once for drafts, offered for the published events."""

import html
import re
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from events.extensions import db
from events.models import (
    AuditEntry,
    Event,
    EventKind,
    EventStatus,
    OutboxMessage,
    RegistrationMode,
    Role,
    Series,
    utcnow,
)
from events.services.registration import register_attendee
from events.services.series import (
    MonthlyRule,
    SeriesChoice,
    SeriesError,
    SeriesRow,
    Spacing,
    county_title,
    create_series,
    monthly_days,
    plan_rows,
    spaced_days,
    validate_rows,
)
from events.timezone import WARSAW, local_date, to_local
from tests.factories import attendee, make_course, make_event, make_programme, make_user
from tests.test_organizer import PASSWORD, log_in

TITLE = "Spotkanie konsultacyjne – powiat kolski"
EIGHTEEN = (
    "chodzieski", "czarnkowsko-trzcianecki", "gnieznienski", "gostynski", "grodziski",
    "jarocinski", "kaliski", "kepinski", "koninski", "koscianski", "krotoszynski",
    "leszczynski", "miedzychodzki", "nowotomyski", "obornicki", "ostrowski", "pilski",
    "zlotowski",
)  # fmt: skip


@pytest.fixture
def organizer(app):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
    client = app.test_client()
    client.token = log_in(client, "org@example.org")
    return client


def in_days(days: int, hour: int = 10) -> datetime:
    return datetime.combine(local_date(utcnow()) + timedelta(days=days), time(hour), tzinfo=WARSAW)


def template(app, **overrides) -> int:
    """A published consultation in Koło from 10:00 to 13:00 (Warsaw) in ten days;
    registration closes a day before, 25 seats, its own contact address."""
    start = in_days(10)
    values = {
        "title": TITLE,
        "kind": EventKind.CONSULTATION,
        "county": "kolski",
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "registration_closes_at": start - timedelta(days=1),
        "venue_name": "Starostwo Powiatowe",
        "venue_address": "ul. Sienkiewicza 21, 62-600 Koło",
        "capacity": 25,
        "contact_email": "konsultacje@example.org",
        "description": "Konsultacje programu współpracy.",
    }
    values.update(overrides)
    with app.app_context():
        return make_event(**values).id


def events_of(app, series_id=None):
    with app.app_context():
        query = sa.select(Event).order_by(Event.starts_at, Event.id)
        if series_id is not None:
            query = query.where(Event.series_id == series_id)
        else:
            query = query.where(Event.series_id.is_not(None))
        return db.session.scalars(query).all()


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


# Planning -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "county", "new", "expected"),
    [
        (TITLE, "kolski", "gnieznienski", "Spotkanie konsultacyjne – powiat gnieźnieński"),
        (TITLE, "kolski", "m-poznan", "Spotkanie konsultacyjne – Poznań"),
        ("Powiat Kolski: konsultacje", "kolski", "slupecki", "Powiat słupecki: konsultacje"),
        (
            "Powiat kolski: konsultacje dla NGO (powiat kolski)",
            "kolski",
            "pilski",
            "Powiat pilski: konsultacje dla NGO (powiat pilski)",
        ),
        ("Forum kolski", "kolski", "sremski", "Forum śremski"),
        ("Seminarium – Konin", "m-konin", "kolski", "Seminarium – powiat kolski"),
        ("Seminarium – Konin", "m-konin", "m-leszno", "Seminarium – Leszno"),
        ("Konsultacje programu", "kolski", "pilski", "Konsultacje programu – powiat pilski"),
        ("Konsultacje", "spoza", "turecki", "Konsultacje – powiat turecki"),
    ],
)
def test_a_title_names_each_county_in_its_adjective(title, county, new, expected):
    assert county_title(title, county, new) == expected


def test_dates_follow_the_spacing_or_the_monthly_rule():
    friday = date(2027, 1, 8)
    assert spaced_days(friday, Spacing.WORKING_DAYS, 4) == [
        date(2027, 1, 8), date(2027, 1, 11), date(2027, 1, 12), date(2027, 1, 13),
    ]  # fmt: skip
    assert spaced_days(friday, Spacing.WEEKLY, 3) == [
        date(2027, 1, 8), date(2027, 1, 15), date(2027, 1, 22),
    ]  # fmt: skip
    assert spaced_days(friday, Spacing.SAME_DAY, 2) == [friday, friday]
    second_tuesdays = monthly_days(MonthlyRule(2, 1, date(2027, 1, 1), 6))
    assert second_tuesdays == [
        date(2027, 1, 12), date(2027, 2, 9), date(2027, 3, 9),
        date(2027, 4, 13), date(2027, 5, 11), date(2027, 6, 8),
    ]  # fmt: skip
    assert monthly_days(MonthlyRule(-1, 4, date(2027, 11, 1), 3)) == [
        date(2027, 11, 26), date(2027, 12, 31), date(2028, 1, 28),
    ]  # fmt: skip


def test_rows_are_prefilled_from_the_template(app):
    event_id = template(app)
    with app.app_context():
        event = db.session.get(Event, event_id)
        first = local_date(event.starts_at) + timedelta(days=7)
        rows = plan_rows(
            event,
            SeriesChoice(counties=("gnieznienski", "m-poznan"), first_day=first),
        )
        teams = plan_rows(
            event,
            SeriesChoice(teams=("Zespół Kolski", "Zespół Kłodawa"), first_day=first),
        )
        monthly = plan_rows(event, SeriesChoice(rule=MonthlyRule(2, 1, date(2027, 1, 1), 6)))
    assert [row.title for row in rows] == [
        "Spotkanie konsultacyjne – powiat gnieźnieński",
        "Spotkanie konsultacyjne – Poznań",
    ]
    assert [row.day for row in rows] == [first, first + timedelta(days=7)]
    assert rows[0] == SeriesRow(
        title="Spotkanie konsultacyjne – powiat gnieźnieński",
        day=first,
        starts=time(10),
        ends=time(13),
        venue_name="Starostwo Powiatowe",
        venue_address="ul. Sienkiewicza 21, 62-600 Koło",
        capacity=25,
        contact_email="konsultacje@example.org",
        county="gnieznienski",
    )
    assert [row.title for row in teams] == [f"{TITLE} – Zespół Kolski", f"{TITLE} – Zespół Kłodawa"]
    assert {row.county for row in teams + monthly} == {"kolski"}
    assert [row.day.month for row in monthly] == [1, 2, 3, 4, 5, 6]


def good_row(**changes) -> SeriesRow:
    values = {
        "title": "Spotkanie konsultacyjne – powiat pilski",
        "day": local_date(utcnow()) + timedelta(days=20),
        "starts": time(10),
        "ends": time(13),
        "venue_name": "Starostwo Powiatowe w Pile",
        "venue_address": "al. Niepodległości 33/35, 64-920 Piła",
        "capacity": 30,
        "contact_email": "pila@example.org",
        "county": "pilski",
    }
    values.update(changes)
    return SeriesRow(**values)


def test_validation_names_each_wrong_cell(app):
    event_id = template(app)
    yesterday = local_date(utcnow()) - timedelta(days=1)
    rows = [
        good_row(),
        good_row(day=yesterday),
        good_row(ends=time(9)),
        good_row(title=" "),
        good_row(capacity=0),
        good_row(county="atlantyda"),
        good_row(contact_email="pila.example.org"),
        good_row(day=None, starts=None, venue_name=""),
        good_row(title="Spotkanie (kopia)"),
    ]
    with app.app_context():
        errors = validate_rows(rows, db.session.get(Event, event_id))
    messages = {
        index: {name: str(text) for name, text in cells.items()} for index, cells in errors.items()
    }
    assert 0 not in messages
    assert messages[1] == {"day": "This day has passed. Choose a day to come."}
    assert messages[2] == {"ends": "The end must be after the start."}
    assert messages[3] == {"title": "Enter a title."}
    assert messages[4] == {"capacity": "At least 1 seat."}
    assert messages[5] == {"county": "Choose a county from the list."}
    assert messages[6] == {"contact_email": "Enter an email address like name@example.pl."}
    assert messages[7] == {
        "day": "Enter the date.",
        "starts": "Enter the time.",
        "venue_name": "Enter the venue.",
    }
    assert "kopia" in messages[8]["title"]


# One transaction ------------------------------------------------------------------


def test_an_invalid_last_row_creates_nothing(app):
    event_id = template(app)
    rows = [good_row(county=code, title=f"Spotkanie – {code}") for code in EIGHTEEN[:17]]
    rows.append(good_row(ends=time(8)))
    before = count(app, Event), count(app, AuditEntry)
    with app.app_context():
        user = make_user()
        with pytest.raises(SeriesError) as refused:
            create_series(event_id, rows, user)
    assert set(refused.value.row_errors) == {17}
    assert (count(app, Event), count(app, AuditEntry), count(app, Series)) == (*before, 0)


def test_a_row_that_fails_at_the_database_undoes_the_whole_series(app):
    """The 18th insert is refused by the database (a trigger-like check): the 17
    events before it, the series and their audit entries are gone with it."""
    event_id = template(app)
    rows = [good_row(county=code, title=f"Spotkanie – {code}") for code in EIGHTEEN]
    before = count(app, Event), count(app, AuditEntry)

    def refuse_the_last(mapper, connection, target):
        if target.title == "Spotkanie – zlotowski":
            raise sa.exc.IntegrityError("INSERT INTO event", {}, Exception("refused"))

    sa.event.listen(Event, "before_insert", refuse_the_last)
    try:
        with app.app_context():
            user = make_user()
            with pytest.raises(sa.exc.IntegrityError):
                create_series(event_id, rows, user)
    finally:
        sa.event.remove(Event, "before_insert", refuse_the_last)
    assert (count(app, Event), count(app, AuditEntry), count(app, Series)) == (*before, 0)


def test_eighteen_drafts_keep_the_template_and_move_its_registration_dates(app):
    event_id = template(app)
    rows = [good_row(county=code, title=county_title(TITLE, "kolski", code)) for code in EIGHTEEN]
    with app.app_context():
        series = create_series(event_id, rows, make_user())
        series_id = series.id
    made = events_of(app, series_id)
    assert len(made) == 18 and {event.status for event in made} == {EventStatus.DRAFT}
    assert sorted(event.county for event in made) == sorted(EIGHTEEN)
    for event in made:
        assert event.kind == EventKind.CONSULTATION and event.capacity == 30
        assert event.description == "Konsultacje programu współpracy."
        assert event.registration_closes_at == event.starts_at - timedelta(days=1)
        assert event.contact_email == "pila@example.org"


def test_a_course_series_moves_the_sessions(app):
    with app.app_context():
        course = make_course(weekly=True, venue_name="Sala A")
        hours = [to_local(session.starts_at).time() for session in course.sessions]
        course_id = course.id
    day = local_date(utcnow()) + timedelta(days=40)
    rows = [good_row(day=day, starts=None, ends=None, county="pilski", title="Szkolenie – Piła")]
    with app.app_context():
        series_id = create_series(course_id, rows, make_user()).id
        (copy,) = db.session.scalars(sa.select(Event).where(Event.series_id == series_id)).all()
        assert local_date(copy.sessions[0].starts_at) == day
        assert [to_local(session.starts_at).time() for session in copy.sessions] == hours


# Through the pages ---------------------------------------------------------------


def start_series(organizer, event_id, **fields):
    data = {
        "csrf_token": organizer.token,
        "basis": "counties",
        "counties": list(EIGHTEEN[:10]),
        "counties_typed": "",
        "first_day": (local_date(utcnow()) + timedelta(days=14)).isoformat(),
        "spacing": "working_days",
    }
    data.update(fields)
    return organizer.post(f"/organizer/events/{event_id}/series/new", data=data)


def table_inputs(page: str) -> dict:
    """What the table (or the preview's hidden inputs) would send back."""
    values = {}
    for tag in re.findall(r'<input[^>]*name="rows-[^"]*"[^>]*>', page):
        name = re.search(r'name="([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        values[name] = html.unescape(value.group(1)) if value else ""
    for select in re.findall(r'<select[^>]*name="(rows-[^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(
            r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', select[1]
        )
        values[select[0]] = next(group for group in chosen.groups() if group) if chosen else ""
    return values


def send_rows(organizer, event_id, values, action):
    data = {"csrf_token": organizer.token, "action": action, **values}
    return organizer.post(f"/organizer/events/{event_id}/series/rows", data=data)


def test_step_one_asks_again_when_nothing_is_chosen(app, organizer):
    event_id = template(app)
    page = start_series(organizer, event_id, counties=[], first_day="").get_data(as_text=True)
    assert "Choose at least one county." in page and "Enter the date." in page
    assert "<legend>Counties</legend>" in page and 'type="checkbox" name="counties"' in page
    typed = start_series(organizer, event_id, counties=[], counties_typed="kolski, Atlantyda")
    assert "Unknown counties: Atlantyda." in typed.get_data(as_text=True)
    assert count(app, Series) == 0


def test_counties_can_be_typed_by_name(app, organizer):
    event_id = template(app)
    typed = "powiat gnieźnieński, Poznań\nkolski; Koło; m-konin; poznański"
    page = start_series(organizer, event_id, counties=[], counties_typed=typed)
    values = table_inputs(page.get_data(as_text=True))
    counties = [values[f"rows-{index}-county"] for index in range(4)]
    assert counties == ["gnieznienski", "m-poznan", "kolski", "m-konin"]
    assert values["rows-4-county"] == "poznanski" and "rows-5-county" not in values


def test_a_series_for_partner_teams_or_on_a_monthly_rule(app, organizer):
    event_id = template(app)
    first = local_date(utcnow()) + timedelta(days=14)
    teams = start_series(
        organizer,
        event_id,
        basis="teams",
        teams="Zespół Partnerski Koło\n\n Zespół Kłodawa \n",
        first_day=first.isoformat(),
        spacing="weekly",
    )
    values = table_inputs(teams.get_data(as_text=True))
    assert [values[f"rows-{index}-title"] for index in range(2)] == [
        f"{TITLE} – Zespół Partnerski Koło",
        f"{TITLE} – Zespół Kłodawa",
    ]
    assert values["rows-1-day"] == (first + timedelta(weeks=1)).isoformat()
    assert "rows-2-title" not in values
    year = local_date(utcnow()).year + 1
    monthly = start_series(
        organizer,
        event_id,
        basis="rule",
        counties=[],
        first_day="",
        rule_ordinal="2",
        rule_weekday="1",
        rule_first_month=f"{year}-01",
        rule_times="6",
    )
    values = table_inputs(monthly.get_data(as_text=True))
    days = [date.fromisoformat(values[f"rows-{index}-day"]) for index in range(6)]
    assert [day.month for day in days] == [1, 2, 3, 4, 5, 6] and "rows-6-day" not in values
    assert all(day.weekday() == 1 and 8 <= day.day <= 14 for day in days)  # second Tuesdays
    assert {values[f"rows-{index}-title"] for index in range(6)} == {TITLE}
    missing = start_series(organizer, event_id, basis="rule", rule_first_month="styczeń")
    page = missing.get_data(as_text=True)
    assert "as year-month" in page and "Enter how many times." in page


def test_the_table_has_a_labelled_input_per_cell(app, organizer):
    event_id = template(app)
    page = start_series(organizer, event_id).get_data(as_text=True)
    assert page.count("<tr>") == 11  # the header and ten rows
    assert '<label for="rows-9-venue_name" class="visually-hidden">Venue, row 10</label>' in page
    values = table_inputs(page)
    assert values["rows-0-title"] == "Spotkanie konsultacyjne – powiat chodzieski"
    assert values["rows-0-starts"] == "10:00" and values["rows-0-capacity"] == "25"
    days = [date.fromisoformat(values[f"rows-{index}-day"]) for index in range(10)]
    assert all(day.weekday() < 5 for day in days) and days == sorted(set(days))
    assert count(app, Series) == 0  # the table makes nothing


def test_errors_are_shown_per_cell_and_the_values_kept(app, organizer):
    event_id = template(app)
    values = table_inputs(start_series(organizer, event_id).get_data(as_text=True))
    values.update({"rows-2-ends": "09:00", "rows-5-day": "2020-01-01", "rows-7-capacity": "dużo"})
    response = send_rows(organizer, event_id, values, "create")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for cell, message in (
        ("rows-2-ends", "The end must be after the start."),
        ("rows-5-day", "This day has passed."),
        ("rows-7-capacity", "Not a valid integer value."),
    ):
        assert f'id="{cell}-error"' in page and message in page
        assert f'href="#{cell}"' in page  # from the error summary
        tag = re.search(rf'<(?:input|select)[^>]*id="{cell}"[^>]*>', page).group(0)
        assert f'aria-describedby="{cell}-error"' in tag and 'aria-invalid="true"' in tag
    assert "Row 3, Ends at: The end must be after the start." in page
    assert table_inputs(page)["rows-7-capacity"] == "dużo"  # kept as typed
    assert count(app, Series) == 0 and events_of(app) == []


def preview_rows(page: str) -> list[dict]:
    rows = []
    for body in re.findall(r"<tr>\s*<th scope=\"row\">\d+</th>(.*?)</tr>", page, re.S):
        cells = {}
        for name, attrs, text in re.findall(
            r'<td data-field="(\w+)"([^>]*)>(.*?)</td>', body, re.S
        ):
            value = re.search(r'data-value="([^"]*)"', attrs)
            cells[name] = html.unescape(value.group(1) if value else text.strip())
        rows.append(cells)
    return rows


def test_the_preview_is_exactly_what_is_made(app, organizer):
    event_id = template(app)
    values = table_inputs(start_series(organizer, event_id).get_data(as_text=True))
    values.update({"rows-3-venue_name": "Dom Kultury w Gostyniu", "rows-4-capacity": ""})
    preview = send_rows(organizer, event_id, values, "preview").get_data(as_text=True)
    promised = preview_rows(preview)
    assert len(promised) == 10 and count(app, Series) == 0  # looking makes nothing
    created = send_rows(organizer, event_id, table_inputs(preview), "create")
    assert created.status_code == 302
    series_id = int(created.headers["Location"].rsplit("/", 1)[1])
    made = events_of(app, series_id)
    assert len(made) == 10
    for row, event in zip(promised, made, strict=True):
        assert row["title"] == event.title
        assert row["day"] == local_date(event.starts_at).isoformat()
        hours = f"{to_local(event.starts_at):%H:%M}–{to_local(event.ends_at):%H:%M}"
        assert row["hours"] == hours
        assert row["venue_name"] == event.venue_name
        assert row["venue_address"] == event.venue_address
        assert row["capacity"] == (str(event.capacity) if event.capacity else "no limit")
        assert row["contact_email"] == (event.contact_email or "")
        assert row["county"] == event.county
    assert made[3].venue_name == "Dom Kultury w Gostyniu" and made[4].capacity is None
    # "Create drafts" pressed again: the same series, nothing more is made.
    again = send_rows(organizer, event_id, table_inputs(preview), "create")
    assert again.headers["Location"] == created.headers["Location"]
    assert count(app, Series) == 1 and len(events_of(app)) == 10


def make_series(app, organizer, event_id, counties=EIGHTEEN[:4]) -> int:
    values = table_inputs(
        start_series(organizer, event_id, counties=list(counties)).get_data(as_text=True)
    )
    created = send_rows(organizer, event_id, values, "create")
    assert created.status_code == 302
    return int(created.headers["Location"].rsplit("/", 1)[1])


def test_publish_the_chosen_drafts_after_one_confirmation(app, organizer):
    event_id = template(app)
    series_id = make_series(app, organizer, event_id)
    first, second, third, fourth = events_of(app, series_id)
    page = organizer.get(f"/organizer/series/{series_id}").get_data(as_text=True)
    assert page.count('type="checkbox" name="event"') == 4 and "Publish selected" in page
    query = f"event={first.id}&event={third.id}"
    confirmation = organizer.get(f"/organizer/series/{series_id}/publish?{query}")
    text = confirmation.get_data(as_text=True)
    assert first.title in text and third.title in text and second.title not in text
    assert "Chodzież County" in text and "Starostwo Powiatowe" in text
    assert "Yes, publish 2 events" in text
    assert {event.status for event in events_of(app, series_id)} == {EventStatus.DRAFT}
    response = organizer.post(
        f"/organizer/series/{series_id}/publish",
        data={"csrf_token": organizer.token, "event": [first.id, third.id]},
    )
    assert response.status_code == 302
    statuses = [event.status for event in events_of(app, series_id)]
    assert statuses == [
        EventStatus.PUBLISHED,
        EventStatus.DRAFT,
        EventStatus.PUBLISHED,
        EventStatus.DRAFT,
    ]
    # Once published, the programme and the calendar feed show each once; drafts not.
    programme = organizer.get("/").get_data(as_text=True)
    feed = Calendar.from_ical(organizer.get("/events.ics").get_data())
    summaries = [str(entry["SUMMARY"]) for entry in feed.walk("VEVENT")]
    for event in (first, third):
        assert programme.count(f'href="/events/{event.slug}"') == 1
        assert summaries.count(event.title) == 1
    for event in (second, fourth):
        assert event.slug not in programme and event.title not in summaries
    # "Publish all" takes the drafts left; a post without its token publishes nothing.
    organizer.post(f"/organizer/series/{series_id}/publish?all=1", data={})
    assert events_of(app, series_id)[1].status == EventStatus.DRAFT
    organizer.post(
        f"/organizer/series/{series_id}/publish?all=1", data={"csrf_token": organizer.token}
    )
    assert {event.status for event in events_of(app, series_id)} == {EventStatus.PUBLISHED}


def test_a_copy_title_in_a_series_publishes_none(app, organizer):
    event_id = template(app)
    series_id = make_series(app, organizer, event_id, counties=EIGHTEEN[:2])
    first, second = events_of(app, series_id)
    with app.app_context():
        db.session.get(Event, second.id).title = "Spotkanie (kopia)"
        db.session.commit()
    response = organizer.post(
        f"/organizer/series/{series_id}/publish",
        data={"csrf_token": organizer.token, "event": [first.id, second.id]},
    )
    assert response.status_code == 200 and "(kopia)" in response.get_data(as_text=True)
    assert {event.status for event in events_of(app, series_id)} == {EventStatus.DRAFT}


# A common change ------------------------------------------------------------------


def change(organizer, series_id, **fields):
    data = {
        "csrf_token": organizer.token,
        "change_description": "y",
        "description": "Nowy opis konsultacji.",
        "change_registration": "y",
        "mode": "approval",
        "waitlist_enabled": "y",
        "opens_days": "14",
        "closes_hours": "48",
    }
    data.update(fields)
    return organizer.post(f"/organizer/series/{series_id}/change", data=data)


def test_a_common_change_goes_to_drafts_and_is_offered_for_published_events(app, organizer):
    event_id = template(app)
    series_id = make_series(app, organizer, event_id, counties=EIGHTEEN[:3])
    first, second, third = events_of(app, series_id)
    organizer.post(
        f"/organizer/series/{series_id}/publish",
        data={"csrf_token": organizer.token, "event": [first.id, second.id]},
    )
    with app.app_context():
        for registrant in ("anna@example.org", "jan@example.org"):
            register_attendee(first.id, attendee(email=registrant), notify=False)
        register_attendee(second.id, attendee(email="ewa@example.org"), notify=False)
    offered = change(organizer, series_id)
    page = offered.get_data(as_text=True)
    assert offered.status_code == 200 and "1 draft was changed." in page
    assert first.title in page and second.title in page and third.title not in page
    draft, published = events_of(app, series_id)[2], events_of(app, series_id)[0]
    assert draft.description == "Nowy opis konsultacji."
    assert draft.mode == RegistrationMode.APPROVAL
    assert draft.registration_opens_at == draft.starts_at - timedelta(days=14)
    assert draft.registration_closes_at == draft.starts_at - timedelta(hours=48)
    assert published.description == "Konsultacje programu współpracy."  # only offered
    messages_before = count(app, OutboxMessage)

    confirm = {"confirm": "1", "event": [first.id, second.id], "note": "Zmiana zasad zapisów."}
    response = change(organizer, series_id, **confirm)
    assert response.status_code == 302
    for event in events_of(app, series_id):
        assert event.description == "Nowy opis konsultacji."
        assert event.registration_closes_at == event.starts_at - timedelta(hours=48)
    with app.app_context():
        notes = db.session.scalars(
            sa.select(OutboxMessage.recipient).where(OutboxMessage.kind == "organizer_message")
        ).all()
        updates = db.session.scalars(
            sa.select(AuditEntry.event_id).where(AuditEntry.action == "event_updated")
        ).all()
    assert sorted(notes) == ["anna@example.org", "ewa@example.org", "jan@example.org"]
    assert count(app, OutboxMessage) == messages_before + 3
    assert sorted(updates) == [first.id, second.id]  # through the normal update
    # Sent again (a second click): nothing differs, nothing is sent again.
    again = change(organizer, series_id, **confirm)
    assert again.status_code == 302
    assert count(app, OutboxMessage) == messages_before + 3


def test_a_published_event_left_out_keeps_its_settings(app, organizer):
    event_id = template(app)
    series_id = make_series(app, organizer, event_id, counties=EIGHTEEN[:2])
    first, second = events_of(app, series_id)
    organizer.post(
        f"/organizer/series/{series_id}/publish?all=1", data={"csrf_token": organizer.token}
    )
    change(organizer, series_id, confirm="1", event=[first.id], change_registration="")
    first, second = events_of(app, series_id)
    assert first.description == "Nowy opis konsultacji."
    assert second.description == "Konsultacje programu współpracy."
    assert first.mode == RegistrationMode.OPEN  # the registration settings were not ticked


def test_a_change_that_does_not_fit_changes_nothing(app, organizer):
    event_id = template(app)
    series_id = make_series(app, organizer, event_id, counties=EIGHTEEN[:2])
    response = change(organizer, series_id, opens_days="1", closes_hours="30")
    assert response.status_code == 200
    assert "Registration must close after it opens." in response.get_data(as_text=True)
    nothing = change(organizer, series_id, change_description="", change_registration="")
    assert "Tick what to change" in nothing.get_data(as_text=True)
    assert {e.description for e in events_of(app, series_id)} == {
        "Konsultacje programu współpracy."
    }


def test_a_series_belongs_to_a_programme_the_template_suggests(app, organizer):
    with app.app_context():
        cooperation = make_programme("cooperation").id
        partnerships = make_programme("partnerships").id
    event_id = template(app, programme_id=cooperation)
    page = start_series(organizer, event_id).get_data(as_text=True)
    chosen = re.search(r'<option selected value="(\d+)"|<option value="(\d+)" selected', page)
    assert chosen and int(next(group for group in chosen.groups() if group)) == cooperation

    values = table_inputs(page)
    refused = send_rows(organizer, event_id, {**values, "programme_id": "999999"}, "create")
    text = refused.get_data(as_text=True)
    assert "Choose a programme from the list." in text and count(app, Series) == 0

    preview = send_rows(
        organizer, event_id, {**values, "programme_id": str(partnerships)}, "preview"
    )
    assert f'name="programme_id" value="{partnerships}"' in preview.get_data(as_text=True)
    created = send_rows(
        organizer, event_id, {**values, "programme_id": str(partnerships)}, "create"
    )
    series_id = int(created.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        assert db.session.get(Series, series_id).programme_id == partnerships
    assert {event.programme_id for event in events_of(app, series_id)} == {partnerships}
    assert "Programme partnerships" in organizer.get(f"/organizer/series/{series_id}").get_data(
        as_text=True
    )


def test_rows_still_at_the_templates_place_are_marked_before_publishing(app, organizer):
    """Prefilled venues are the template's: rows of other counties that keep them are
    marked on the preview and on the publish confirmation; a changed one is not."""
    event_id = template(app)
    values = table_inputs(start_series(organizer, event_id).get_data(as_text=True))
    values.update({"rows-0-venue_name": "Dom Kultury", "rows-0-venue_address": "ul. Polna 1"})
    preview = send_rows(organizer, event_id, values, "preview").get_data(as_text=True)
    assert preview.count("data-unchanged") == 9  # ten rows, the first one moved
    assert "9 events are in other counties than the template, but at its place" in preview
    created = send_rows(organizer, event_id, table_inputs(preview), "create")
    series_id = int(created.headers["Location"].rsplit("/", 1)[1])
    confirmation = organizer.get(f"/organizer/series/{series_id}/publish?all=1")
    page = confirmation.get_data(as_text=True)
    assert page.count("as the template, in another county") == 9


@pytest.mark.parametrize(
    "fields",
    [
        {"basis": "rule", "rule_first_month": "0000-01", "rule_times": "3"},
        {"basis": "rule", "rule_first_month": "9999-12", "rule_times": "3"},
        {"first_day": "9999-12-20", "spacing": "weekly"},
    ],
)
def test_dates_far_off_are_told_not_a_500(app, organizer, fields):
    event_id = template(app)
    answer = start_series(organizer, event_id, rule_ordinal="2", rule_weekday="1", **fields)
    assert answer.status_code == 200
    assert "years ahead" in answer.get_data(as_text=True)


def test_cells_out_of_bounds_are_told_in_their_cells(app, organizer):
    event_id = template(app)
    values = table_inputs(start_series(organizer, event_id).get_data(as_text=True))
    values.update({"rows-0-day": "9999-12-31", "rows-1-capacity": "9" * 30})
    page = send_rows(organizer, event_id, values, "create").get_data(as_text=True)
    assert "Row 1, Date: At most 5 years ahead." in page
    assert "Row 2, Seats: At most 100000 seats." in page
    assert count(app, Series) == 0


def test_more_rows_than_the_table_takes_are_refused_not_cut(app, organizer):
    event_id = template(app)
    values = table_inputs(start_series(organizer, event_id).get_data(as_text=True))
    row = {
        name.split("-", 2)[2]: value for name, value in values.items() if name.startswith("rows-0-")
    }
    many = {f"rows-{index}-{name}": value for index in range(70) for name, value in row.items()}
    page = send_rows(organizer, event_id, many, "create").get_data(as_text=True)
    assert "At most 60 events at once." in page
    assert count(app, Series) == 0 and events_of(app) == []


def test_a_title_that_still_names_the_template_county_is_marked(app, organizer):
    event_id = template(app)
    values = table_inputs(start_series(organizer, event_id).get_data(as_text=True))
    values["rows-2-title"] = "Spotkanie konsultacyjne – powiat kolski"
    preview = send_rows(organizer, event_id, values, "preview").get_data(as_text=True)
    assert preview.count("data-old-county") == 1 and "still names Koło County" in preview


def test_the_dashboard_leads_to_the_series_of_its_events(app, organizer):
    series_id = make_series(app, organizer, template(app))
    dashboard = organizer.get("/organizer/").get_data(as_text=True)
    assert dashboard.count(f'href="/organizer/series/{series_id}"') == 4
