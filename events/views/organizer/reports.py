"""Organizer: figures for the funder, per event and for the whole programme."""

from flask import Response, render_template, request
from flask_babel import gettext as _
from markupsafe import Markup

from events.documents import csv_text
from events.services.programmes import find_programme, list_programmes
from events.services.reports import (
    build_report,
    counties_with_people,
    county_chart_svg,
    figures_rows,
    programme_lines,
)
from events.views.organizer.blueprint import bp, event_or_404


def _labels() -> dict[str, str]:
    return {
        "totals": _("Totals"),
        "registered": _("Registered"),
        "confirmed": _("Confirmed / attended"),
        "waitlisted": _("On the waiting list"),
        "pending": _("Awaiting approval"),
        "cancelled": _("Cancellations"),
        "no_shows": _("Did not come"),
        "beyond_capacity": _("Let in beyond the limit of seats (added at the door)"),
        "dr_members": _("DR network members"),
        "in_groups": _("Confirmed people registered in a group"),
        "groups": _("Groups"),
        "county": _("County"),
        "type": _("Type of organization"),
        "courses": _("Courses"),
        "courses_count": _("Courses"),
        "sessions": _("Sessions"),
        "session_attendances": _("Presences at sessions"),
        "hours_attended": _("Hours attended (person-hours)"),
        "programme": _("Programme"),
        "no_programme": _("No programme"),
    }


def _page(report, event, programme=None):
    chart = county_chart_svg(
        report, _("Confirmed and attended per county"), (_("Confirmed people"), _("Attended"))
    )
    chart = Markup(chart)  # noqa: S704 - county_chart_svg escapes every text it holds
    busy = counties_with_people(report)
    quiet = [code for code, item in report.by_county.items() if not item.has_people]
    return render_template(
        "organizer/report.html",
        report=report,
        event=event,
        chart=chart,
        busy=busy,
        quiet=quiet,
        programme=programme,
        programmes=list_programmes() if event is None else [],
        lines=programme_lines(report),
    )


def _csv(report, filename: str) -> Response:
    headings = [_("Section"), _("Item"), _("Confirmed people"), _("Attended")]
    response = Response(csv_text(headings, figures_rows(report, _labels())), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/report")
def programme_report():
    """The whole programme's figures; `?programme=<slug>`: one partnership programme's
    (an unknown slug: the whole programme)."""
    programme = find_programme(request.args.get("programme"))
    return _page(build_report(programme_id=programme.id if programme else None), None, programme)


@bp.get("/report.csv")
def programme_report_csv():
    programme = find_programme(request.args.get("programme"))
    if programme is None:
        return _csv(build_report(), "raport-programu.csv")
    return _csv(build_report(programme_id=programme.id), f"raport-{programme.slug}.csv")


@bp.get("/events/<int:event_id>/report")
def event_report(event_id: int):
    event = event_or_404(event_id)
    return _page(build_report(event.id), event)


@bp.get("/events/<int:event_id>/report.csv")
def event_report_csv(event_id: int):
    event = event_or_404(event_id)
    return _csv(build_report(event.id), f"raport-{event.slug}.csv")
