"""Figures for the funder."""

import csv
import io
from datetime import timedelta

import pytest

from events.models import OrganizationType, Role, utcnow
from events.services.checkin.door import Actor, check_in_registration
from events.services.registration import cancel_registration, register_attendee
from events.services.reports import build_report
from tests.conftest import csrf_token
from tests.factories import attendee, make_event, make_user


@pytest.fixture
def past_event(app):
    """Ended yesterday: 3 confirmed (2 came), 1 waiting, 1 cancelled."""
    with app.app_context():
        make_user(email="org@example.org", password="haslo-organizatora", role=Role.COORDINATOR)
        event = make_event(capacity=3)
        people = [
            register_attendee(event.id, attendee(county=county, organization_type=kind,
                                                 dr_member=member), notify=False)
            for county, kind, member in [
                ("pilski", OrganizationType.NGO, True),
                ("pilski", OrganizationType.LOCAL_GOVERNMENT, False),
                ("kolski", OrganizationType.NGO, True),
                ("kolski", OrganizationType.NGO, True),
            ]
        ]  # fmt: skip
        extra = register_attendee(event.id, attendee(), notify=False)
        cancel_registration(extra.id)  # the 5th was on the waiting list
        for person in people[:2]:
            check_in_registration(event.id, person.id, Actor(user_id=1))
        yesterday = utcnow() - timedelta(days=1)
        event.starts_at, event.ends_at = yesterday - timedelta(hours=3), yesterday
        from events.extensions import db

        db.session.commit()
        return event.id


def test_the_figures_of_an_event(app, past_event):
    with app.app_context():
        report = build_report(past_event)
    assert (report.registered, report.confirmed, report.waitlisted) == (4, 3, 1)
    assert (report.attended, report.no_shows, report.cancelled) == (2, 1, 1)
    assert report.dr_members == 2
    assert (report.by_county["pilski"].confirmed, report.by_county["pilski"].attended) == (2, 2)
    assert report.by_county["kolski"].confirmed == 1
    assert len(report.by_county) == 36  # every county shown, zeros included
    assert report.by_county["zlotowski"].confirmed == 0
    assert report.by_type[OrganizationType.LOCAL_GOVERNMENT].attended == 1


def test_the_report_page_has_a_chart_and_a_csv(app, past_event):
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = csrf_token(client, "/login")
    client.post("/login", data={"email": "org@example.org", "password": "haslo-organizatora",
                                "csrf_token": token})  # fmt: skip
    html = client.get(f"/organizer/events/{past_event}/report").get_data(as_text=True)
    assert "<svg" in html and "Piła County" in html and "Złotów County" in html
    # Counties with people first, most first, in the chart and the table; zeros folded away.
    chart = html[html.index("<svg") : html.index("</svg>")]
    assert chart.index("Piła County") < chart.index("Koło County")
    assert "Złotów County" not in chart and "<details" in html
    folded = html[html.index("<details") :]
    assert "Złotów County" in folded and "Piła County" not in folded
    response = client.get(f"/organizer/events/{past_event}/report.csv")
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert ["Totals", "Confirmed / attended", "3", "2"] in rows
    assert ["County", "Piła County", "2", "2"] in rows
    programme = client.get("/organizer/report").get_data(as_text=True)
    assert "Report for the whole programme" in programme
