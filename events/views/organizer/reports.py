"""Organizer: figures for the funder, per event and for the whole programme."""

from flask import Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from events.documents import csv_text
from events.models import Organization, Programme
from events.services.event_admin import slugify
from events.services.organizations.directory import list_organizations
from events.services.organizations.scope import Scope
from events.services.programmes import find_programme, list_programmes
from events.services.reports import (
    build_report,
    counties_with_people,
    county_chart_svg,
    figures_rows,
    kind_lines,
    organization_lines,
    programme_lines,
)
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp, cut_by_organization, event_or_404


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
        "organization": _("Organization running the event"),
        "kind": _("Kind of event"),
    }


def _cut() -> tuple[Scope, Organization | None, Programme | None]:
    """The report's part of the network (`cut_by_organization`) and programme:
    `?programme=<slug>`, one programme (unknown: every one)."""
    scope, organization = cut_by_organization()
    return scope, organization, find_programme(request.args.get("programme"))


def _page(report, event, programme=None, organization=None):
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
        organization=organization,
        programmes=list_programmes() if event is None else [],
        organizations=list_organizations() if event is None and current_user.is_coordinator else [],
        lines=programme_lines(report),
        organization_rows=[(o.name, line) for o, line in organization_lines(report)],
        kind_rows=[(kind.label, line) for kind, line in kind_lines(report)],
    )


def _csv(report, filename: str) -> Response:
    headings = [_("Section"), _("Item"), _("Confirmed people"), _("Attended")]
    response = Response(csv_text(headings, figures_rows(report, _labels())), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/report")
@access(Rule.ORGANIZER)
def programme_report():
    """The figures of the whole programme, cut as `_cut` says."""
    scope, organization, programme = _cut()
    report = build_report(programme_id=programme.id if programme else None, scope=scope)
    return _page(report, None, programme, organization)


@bp.get("/report.csv")
@access(Rule.ORGANIZER)
def programme_report_csv():
    scope, organization, programme = _cut()
    report = build_report(programme_id=programme.id if programme else None, scope=scope)
    name = "-".join(
        ["raport", programme.slug if programme else "programu"]
        + ([slugify(organization.short_name)] if organization else [])
    )
    return _csv(report, f"{name}.csv")


@bp.get("/events/<int:event_id>/report")
@access(Rule.SCOPED)
def event_report(event_id: int):
    event = event_or_404(event_id)
    return _page(build_report(event.id), event)


@bp.get("/events/<int:event_id>/report.csv")
@access(Rule.SCOPED)
def event_report_csv(event_id: int):
    event = event_or_404(event_id)
    return _csv(build_report(event.id), f"raport-{event.slug}.csv")
