"""Partnership programmes: organizers keep the list; events and questionnaires belong to
one; the public programme, the calendar feed, reports and downloads are cut by it."""

import csv
import io
from datetime import time, timedelta

import icalendar
import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import AuditEntry, Event, Programme, Questionnaire, Role, utcnow
from events.services.checkin.door import Actor, check_in_registration
from events.services.copies import CopyPlan, duplicate_event
from events.services.programmes import (
    ProgrammeData,
    ProgrammeError,
    create_programme,
    delete_programme,
    find_programme,
    list_programmes,
    move_programme,
    programme_choices,
    update_programme,
)
from events.services.registration import register_attendee
from events.services.reports import build_report, programme_lines
from events.timezone import local_date
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_programme, make_user
from tests.test_questionnaires import make_questionnaire

PASSWORD = "haslo-organizatora"


def log_in(client, email="org@example.org", language=None):
    if language:
        client.set_cookie("lang", language)
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    return csrf_token(client, "/lost-link")


@pytest.fixture
def organizer(app):
    with app.app_context():
        make_user(email="org@example.org", password=PASSWORD, role=Role.COORDINATOR)
        make_user(email="bramka@example.org", password=PASSWORD, role=Role.STAFF)
    client = app.test_client()
    client.token = log_in(client)
    return client


@pytest.fixture
def two_programmes(app):
    """Partnerships (with a seminar in Piła) and social economy (a meeting in Konin);
    a training in Kalisz belongs to none."""
    with app.app_context():
        partnerships = make_programme(
            "partnerstwa",
            name_pl="Program rozwoju partnerstw lokalnych w Wielkopolsce 2027–2030",
            name_en="Local partnerships in Wielkopolska 2027–2030",
            description_pl="Lokalne zespoły partnerskie w powiatach.",
            description_en="Local partner teams in the counties.",
        )
        economy = make_programme("ekonomia", name_pl="Program ekonomii społecznej")
        make_event(title="Seminarium w Pile", programme_id=partnerships.id)
        make_event(title="Spotkanie w Koninie", programme_id=economy.id)
        make_event(title="Szkolenie w Kaliszu")
        return partnerships.id, economy.id


# The service


def test_programmes_keep_the_organizers_order_and_move_up_and_down(ctx):
    for name in ("Partnerstwa", "Współpraca", "Ekonomia społeczna"):
        create_programme(ProgrammeData(name_pl=name), None)
    first, second, third = list_programmes()
    move_programme(third.id, -1, None)
    assert [p.name_pl for p in list_programmes()] == ["Partnerstwa", "Ekonomia społeczna",
                                                      "Współpraca"]  # fmt: skip
    move_programme(first.id, -1, None)  # already first: nothing moves
    move_programme(second.id, 1, None)  # already last
    assert [name for _id, name in programme_choices()] == ["Partnerstwa", "Ekonomia społeczna",
                                                           "Współpraca"]  # fmt: skip
    actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["programme_created"] * 3 + ["programme_moved"]


def test_a_programme_keeps_its_slug_when_renamed(ctx):
    programme = create_programme(
        ProgrammeData(name_pl="Program współpracy z samorządami 2027–2029"), None
    )
    slug = programme.slug
    assert slug == "program-wspolpracy-z-samorzadami-2027-2029"
    update_programme(programme.id, ProgrammeData(name_pl="Nowa nazwa", name_en="New name"), None)
    renamed = find_programme(slug)
    assert (renamed.name("pl"), renamed.name("en")) == ("Nowa nazwa", "New name")
    assert find_programme("no-such-programme") is None and find_programme("") is None
    twin = create_programme(ProgrammeData(name_pl="Program współpracy z samorządami 2027–2029"),
                            None)  # fmt: skip
    assert twin.slug == f"{slug}-2"  # the old name is free again, its slug is not


def test_an_empty_or_taken_name_is_refused_next_to_the_field(ctx):
    create_programme(ProgrammeData(name_pl="Partnerstwa lokalne"), None)
    with pytest.raises(ProgrammeError) as refused:
        create_programme(ProgrammeData(name_pl="partnerstwa LOKALNE"), None)
    assert refused.value.code == "invalid" and set(refused.value.field_errors) == {"name_pl"}
    with pytest.raises(ProgrammeError):
        create_programme(ProgrammeData(name_pl=""), None)
    assert len(list_programmes()) == 1


def test_a_programme_in_use_is_never_deleted_an_unused_one_is(ctx):
    used = make_programme("partnerstwa")
    unused = make_programme("pusty")
    make_event(programme_id=used.id)
    make_event(programme_id=used.id)
    make_questionnaire(programme_id=used.id)
    with pytest.raises(ProgrammeError) as refused:
        delete_programme(used.id, None)
    assert refused.value.code == "in_use"
    assert "2 wydarzenia" in str(refused.value.message)
    assert "1 ankieta" in str(refused.value.message)
    delete_programme(unused.id, None)
    assert [p.slug for p in list_programmes()] == ["partnerstwa"]


def test_a_copy_of_an_event_keeps_its_programme(ctx):
    programme = make_programme("partnerstwa")
    original = make_event(programme_id=programme.id)
    organizer = make_user()
    day = local_date(utcnow()) + timedelta(days=20)
    # Fixed hours (Polish time): the original's, taken from the clock, ended past
    # midnight when the suite ran late in the evening.
    plan = CopyPlan(
        title="Seminarium w Kole", day=day, starts=time(10), ends=time(12), county="kolski",
        venue_name="Dom Kultury", venue_address="",
    )  # fmt: skip
    copy = duplicate_event(original.id, plan, organizer)
    assert db.session.get(Event, copy.id).programme_id == programme.id


# The organizer's pages


def test_an_organizer_adds_renames_reorders_and_deletes_a_programme(app, organizer):
    token = organizer.token
    for name in ("Program partnerstw", "Program ekonomii społecznej"):
        added = organizer.post("/organizer/programmes/new",
                               data={"csrf_token": token, "name_pl": name})  # fmt: skip
        assert added.status_code == 302
    with app.app_context():
        first, second = (p.id for p in list_programmes())
        make_event(programme_id=first)
    page = organizer.get("/organizer/programmes").get_data(as_text=True)
    assert page.index("Program partnerstw") < page.index("Program ekonomii społecznej")
    assert "?programme=program-partnerstw" in page
    assert organizer.get("/organizer/").get_data(as_text=True).count('href="/organizer/programmes"')
    organizer.post(f"/organizer/programmes/{second}/move",
                   data={"csrf_token": token, "direction": "up"})  # fmt: skip
    page = organizer.get("/organizer/programmes").get_data(as_text=True)
    assert page.index("Program ekonomii społecznej") < page.index("Program partnerstw")
    edited = organizer.post(
        f"/organizer/programmes/{second}/edit",
        data={"csrf_token": token, "name_pl": "Razem w gospodarce", "name_en": "Together",
              "description_pl": "Spółdzielnie socjalne."},
    )  # fmt: skip
    assert edited.status_code == 302
    # The used one cannot be deleted: the page says what belongs to it.
    refusal = organizer.get(f"/organizer/programmes/{first}/delete").get_data(as_text=True)
    assert "należą do niego 1 wydarzenie i 0 ankiet" in refusal
    assert organizer.post(f"/organizer/programmes/{first}/delete",
                          data={"csrf_token": token}).status_code == 200  # fmt: skip
    deleted = organizer.post(f"/organizer/programmes/{second}/delete", data={"csrf_token": token})
    assert deleted.status_code == 302
    with app.app_context():
        assert [p.name_pl for p in list_programmes()] == ["Program partnerstw"]
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-3:] == ["programme_moved", "programme_changed", "programme_deleted"]
        assert all(entry.actor == "org@example.org" for entry in db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.like("programme%"))))  # fmt: skip


def test_bad_input_is_shown_next_to_the_fields_and_kept(app, organizer):
    with app.app_context():
        make_programme("partnerstwa", name_pl="Program partnerstw")
    refused = organizer.post(
        "/organizer/programmes/new",
        data={"csrf_token": organizer.token, "name_pl": "", "name_en": "Partnerships",
              "description_pl": "x" * 501},
    )  # fmt: skip
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert 'href="#name_pl"' in html and 'href="#description_pl"' in html
    assert 'id="name_pl-error"' in html and "Podaj nazwę po polsku." in html
    assert 'value="Partnerships"' in html  # what was typed stays
    taken = organizer.post(
        "/organizer/programmes/new",
        data={"csrf_token": organizer.token, "name_pl": "program PARTNERSTW"},
    ).get_data(as_text=True)
    assert 'id="name_pl-error"' in taken and "Inny program ma już tę nazwę." in taken
    with app.app_context():
        assert len(list_programmes()) == 1
    assert organizer.get("/organizer/programmes/999/edit").status_code == 404


def test_anonymous_visitors_and_door_staff_are_refused(app, organizer):
    with app.app_context():
        programme_id = make_programme("partnerstwa").id
    paths = ["/organizer/programmes", "/organizer/programmes/new",
             f"/organizer/programmes/{programme_id}/edit",
             f"/organizer/programmes/{programme_id}/delete"]  # fmt: skip
    anonymous, staff = app.test_client(), app.test_client()
    log_in(staff, "bramka@example.org")
    for path in paths:
        assert "/login" in anonymous.get(path).headers["Location"]
        assert staff.get(path).status_code == 403
    token = csrf_token(staff, "/lost-link")
    assert staff.post(f"/organizer/programmes/{programme_id}/delete",
                      data={"csrf_token": token}).status_code == 403  # fmt: skip
    with app.app_context():
        assert find_programme("partnerstwa") is not None


def test_the_event_form_offers_the_programmes(app, organizer, two_programmes):
    partnerships, _economy = two_programmes
    with app.app_context():
        event = db.session.scalar(sa.select(Event).where(Event.title == "Szkolenie w Kaliszu"))
        event_id = event.id
    page = organizer.get(f"/organizer/events/{event_id}/edit").get_data(as_text=True)
    assert '<label for="programme_id">' in page
    assert "Program rozwoju partnerstw lokalnych w Wielkopolsce 2027–2030" in page
    form = event_form(event_id, app)
    saved = organizer.post(f"/organizer/events/{event_id}/edit",
                           data={**form, "csrf_token": organizer.token,
                                 "programme_id": str(partnerships)})  # fmt: skip
    assert saved.status_code == 302
    with app.app_context():
        assert db.session.get(Event, event_id).programme_id == partnerships
    wrong = organizer.post(f"/organizer/events/{event_id}/edit",
                           data={**form, "csrf_token": organizer.token,
                                 "programme_id": "99999"})  # fmt: skip
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and 'href="#programme_id"' in html
    assert "Wybierz program z listy." in html


def event_form(event_id, app) -> dict:
    """What the edit form posts for the event as it is."""
    from events.timezone import to_local

    with app.app_context():
        event = db.session.get(Event, event_id)
        return {
            "title": event.title, "kind": event.kind.value, "description": event.description,
            "starts_at": to_local(event.starts_at).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": to_local(event.ends_at).strftime("%Y-%m-%dT%H:%M"),
            "venue_name": event.venue_name, "venue_address": event.venue_address,
            "county": event.county, "capacity": str(event.capacity), "mode": "open",
            "waitlist_enabled": "y",
        }  # fmt: skip


def test_questionnaire_settings_choose_from_the_programmes(app, organizer, two_programmes):
    _partnerships, economy = two_programmes
    with app.app_context():
        questionnaire, _keys = make_questionnaire(programme_id=None)
        questionnaire_id = questionnaire.id
    url = f"/organizer/questionnaires/{questionnaire_id}/settings"
    assert "Program ekonomii społecznej" in organizer.get(url).get_data(as_text=True)
    today = local_date(utcnow())
    data = {"csrf_token": organizer.token, "kind": "consultation", "title_pl": "Konsultacje",
            "purpose_pl": "Po co", "opens_on": today.isoformat(), "send_after_hours": "2",
            "closes_on": (today + timedelta(days=9)).isoformat()}  # fmt: skip
    missing = organizer.post(url, data=data).get_data(as_text=True)
    assert 'href="#programme_id"' in missing  # a consultation is about a programme
    assert organizer.post(url, data={**data, "programme_id": str(economy)}).status_code == 302
    with app.app_context():
        assert db.session.get(Questionnaire, questionnaire_id).programme.slug == "ekonomia"
    listed = organizer.get("/organizer/questionnaires?programme=ekonomia").get_data(as_text=True)
    assert "Konsultacje" in listed


# The public programme and the calendar feed


def test_the_programme_page_is_filtered_by_programme(app, client, two_programmes):
    everything = client.get("/").get_data(as_text=True)
    assert (
        '<label for="programme">' in everything
        and '<select id="programme" name="programme">' in everything
    )
    assert all(title in everything for title in ("Seminarium w Pile", "Spotkanie w Koninie",
                                                 "Szkolenie w Kaliszu"))  # fmt: skip
    assert everything.count('class="programme-name"') == 2  # on the cards of the two
    one = client.get("/?programme=partnerstwa").get_data(as_text=True)
    assert "Seminarium w Pile" in one
    assert "Spotkanie w Koninie" not in one and "Szkolenie w Kaliszu" not in one
    assert '<h2 id="programme-name">Program rozwoju partnerstw lokalnych' in one
    assert "Lokalne zespoły partnerskie w powiatach." in one
    assert '<option value="partnerstwa" selected>' in one
    assert 'href="/events.ics?programme=partnerstwa"' in one
    # An unknown programme is ignored like any invalid filter.
    unknown = client.get("/?programme=nie-ma-takiego").get_data(as_text=True)
    assert unknown.count('class="event-card"') == 3
    client.set_cookie("lang", "en")
    english = client.get("/?programme=partnerstwa").get_data(as_text=True)
    assert "Local partnerships in Wielkopolska 2027–2030" in english
    assert "Local partner teams in the counties." in english


def test_an_event_page_names_its_programme(app, client, two_programmes):
    with app.app_context():
        slug = db.session.scalar(sa.select(Event.slug).where(Event.title == "Seminarium w Pile"))
    html = client.get(f"/events/{slug}").get_data(as_text=True)
    assert '<a href="/?programme=partnerstwa">Program rozwoju partnerstw lokalnych' in html


def test_the_calendar_feed_is_filtered_by_programme(app, client, two_programmes):
    def titles(path):
        response = client.get(path)
        assert response.mimetype == "text/calendar"
        return {
            str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(response.data).walk("VEVENT")
        }

    assert titles("/events.ics?programme=ekonomia") == {"Spotkanie w Koninie"}
    assert len(titles("/events.ics")) == 3
    # A subscription to a programme that is gone is told so, not filled with everything.
    assert client.get("/events.ics?programme=nie-ma").status_code == 404
    response = client.get("/events.ics?programme=ekonomia")
    assert "dzialamy-razem-ekonomia.ics" in response.headers["Content-Disposition"]
    assert (
        "Program ekonomii społecznej" in icalendar.Calendar.from_ical(response.data)["X-WR-CALNAME"]
    )


def test_a_renamed_or_deleted_programme_shows_at_once_on_the_cached_pages(app, client):
    with app.app_context():
        programme = make_programme("partnerstwa", name_pl="Stara nazwa")
        make_event(title="Seminarium w Pile", programme_id=programme.id)
        programme_id = programme.id
        unused = make_programme("pusty", name_pl="Program bez wydarzeń").id
    assert "Stara nazwa" in client.get("/").get_data(as_text=True)  # now cached
    assert "Stara nazwa" in client.get("/?programme=partnerstwa").get_data(as_text=True)
    with app.app_context():
        update_programme(programme_id, ProgrammeData(name_pl="Nowa nazwa"), None)
    for path in ("/", "/?programme=partnerstwa"):
        html = client.get(path).get_data(as_text=True)
        assert "Nowa nazwa" in html and "Stara nazwa" not in html
    assert "Program bez wydarzeń" in client.get("/").get_data(as_text=True)
    with app.app_context():
        delete_programme(unused, None)
    assert "Program bez wydarzeń" not in client.get("/").get_data(as_text=True)


# Reports and downloads


@pytest.fixture
def people_in_programmes(app, two_programmes):
    """Two confirmed in Piła (partnerships, one checked in), one in Konin (economy),
    one in Kalisz (no programme)."""
    with app.app_context():
        by_title = {e.title: e.id for e in db.session.scalars(sa.select(Event))}
        pila = [
            register_attendee(by_title["Seminarium w Pile"], attendee(last_name=name), notify=False)
            for name in ("Nowak", "Kowalska")
        ]
        check_in_registration(by_title["Seminarium w Pile"], pila[0].id, Actor(user_id=None))
        register_attendee(by_title["Spotkanie w Koninie"], attendee(last_name="Wójcik"),
                          notify=False)  # fmt: skip
        register_attendee(by_title["Szkolenie w Kaliszu"], attendee(last_name="Zieliński"),
                          notify=False)  # fmt: skip
    return two_programmes


def test_the_funder_report_has_totals_per_programme_and_a_cut(app, people_in_programmes):
    partnerships, economy = people_in_programmes
    with app.app_context():
        whole = build_report()
        lines = {(p.slug if p else None): line for p, line in programme_lines(whole)}
        assert list(lines) == ["partnerstwa", "ekonomia", None]  # their order, none last
        assert (lines["partnerstwa"].events, lines["partnerstwa"].confirmed,
                lines["partnerstwa"].attended) == (1, 2, 1)  # fmt: skip
        assert (lines["ekonomia"].confirmed, lines[None].confirmed) == (1, 1)
        cut = build_report(programme_id=partnerships)
        assert (cut.confirmed, cut.attended) == (2, 1)
        assert build_report(programme_id=economy).confirmed == 1


def test_the_report_pages_and_csv_are_cut_by_programme(app, organizer, people_in_programmes):
    whole = organizer.get("/organizer/report").get_data(as_text=True)
    assert 'id="by-programme"' in whole and "Program ekonomii społecznej" in whole
    assert '<label for="programme">' in whole
    cut = organizer.get("/organizer/report?programme=partnerstwa").get_data(as_text=True)
    assert "Raport: Program rozwoju partnerstw lokalnych" in cut
    assert 'href="/organizer/report.csv?programme=partnerstwa"' in cut
    response = organizer.get("/organizer/report.csv?programme=partnerstwa")
    assert "raport-partnerstwa.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert ["Podsumowanie", "Potwierdzeni / obecni", "2", "1"] in rows
    whole = organizer.get("/organizer/report.csv").data.decode("utf-8-sig")
    whole_rows = list(csv.reader(io.StringIO(whole), delimiter=";"))
    assert ["Program", "Program ekonomii społecznej", "1", "0"] in whole_rows
    assert ["Program", "Bez programu", "1", "0"] in whole_rows


def test_the_downloads_have_a_programme_column_and_a_cut(app, organizer, people_in_programmes):
    response = organizer.get("/organizer/participants.csv?programme=partnerstwa")
    assert "uczestnicy-partnerstwa.csv" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Wydarzenie", "Data wydarzenia", "Program"]
    assert sorted(row[3] for row in rows[1:]) == ["Kowalska", "Nowak"]
    assert {row[2] for row in rows[1:]} == {
        "Program rozwoju partnerstw lokalnych w Wielkopolsce 2027–2030"
    }
    everyone = organizer.get("/organizer/participants.csv").data.decode("utf-8-sig")
    assert len(everyone.strip().splitlines()) == 5
    import openpyxl

    workbook = openpyxl.load_workbook(
        io.BytesIO(organizer.get("/organizer/participants.xlsx?programme=ekonomia").data)
    )
    values = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert values[0][2] == "Program" and len(values) == 2
    assert values[1][2] == "Program ekonomii społecznej" and values[1][3] == "Wójcik"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Programme)) == 2
