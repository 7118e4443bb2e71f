"""Figures for the project's funder, per event and for the whole programme.

Counts come from registration statuses and the door state on each registration only, so anonymizing
people (which keeps county, organization type and membership) leaves them as
they were. Presences are also counted by how each came on the record (scanned
at the door, added at the door, entered afterwards from the paper sheet): the
three kinds add up to the total.
"""

from dataclasses import dataclass, field
from datetime import datetime
from xml.sax.saxutils import escape

import sqlalchemy as sa

from events.counties import COUNTIES, county_name
from events.extensions import db
from events.models import (
    ACTIVE_STATUSES,
    CourseSession,
    Event,
    EventKind,
    EventStatus,
    Organization,
    OrganizationType,
    Presence,
    Programme,
    Registration,
    RegistrationStatus,
    utcnow,
)
from events.services.courses.sessions import course_figures
from events.services.organizations.scope import NETWORK, Scope
from events.services.programmes import list_programmes


@dataclass
class Breakdown:
    confirmed: int = 0
    attended: int = 0

    @property
    def has_people(self) -> bool:
        return bool(self.confirmed or self.attended)


@dataclass
class ProgrammeTotals:
    """One programme's line in the funder's report."""

    events: int = 0  # published or cancelled
    registered: int = 0
    confirmed: int = 0
    attended: int = 0


@dataclass
class Report:
    registered: int = 0  # active: confirmed, waiting or awaiting approval
    confirmed: int = 0
    waitlisted: int = 0
    pending: int = 0
    cancelled: int = 0
    attended: int = 0
    # How each attendance came on the record; the kinds add up to `attended`.
    attended_by_how: dict[Presence, int] = field(default_factory=lambda: dict.fromkeys(Presence, 0))
    no_shows: int = 0  # confirmed, the event is over, never checked in
    # Added at the door when every seat was taken (among the confirmed, counted apart).
    beyond_capacity: int = 0
    dr_members: int = 0  # among the confirmed
    # Registered by a group's coordinator (each member counts as one person above too).
    in_groups: int = 0  # among the confirmed
    groups: int = 0  # groups with someone confirmed
    by_county: dict[str, Breakdown] = field(default_factory=dict)
    by_type: dict[OrganizationType, Breakdown] = field(default_factory=dict)
    # Courses: a person counts once per course above (attended: came to a session);
    # here their sessions and hours.
    courses: int = 0
    sessions: int = 0
    session_attendances: int = 0  # people present, summed over the sessions
    session_attendances_by_how: dict[Presence, int] = field(
        default_factory=lambda: dict.fromkeys(Presence, 0)
    )
    hours_attended: float = 0.0  # person-hours at the sessions
    # By partnership programme (None: events in no programme), by the organization
    # running the event and by the kind of event: lines of the same shape.
    by_programme: dict[int | None, ProgrammeTotals] = field(default_factory=dict)
    by_organization: dict[int, ProgrammeTotals] = field(default_factory=dict)
    by_kind: dict[EventKind, ProgrammeTotals] = field(default_factory=dict)


def _cut(event_id: int | None, programme_id: int | None, scope: Scope) -> list:
    """The WHERE clauses over `Event` choosing the events a report counts."""
    clauses = [Event.status != EventStatus.DRAFT, scope.events()]
    if event_id is not None:
        clauses.append(Event.id == event_id)
    if programme_id is not None:
        clauses.append(Event.programme_id == programme_id)
    return clauses


def build_report(
    event_id: int | None = None,
    now: datetime | None = None,
    programme_id: int | None = None,
    scope: Scope = NETWORK,
) -> Report:
    """The figures of one event, or of every published or past event of `scope` when
    None (of one partnership programme's events only, with `programme_id`)."""
    now = now or utcnow()
    cut = _cut(event_id, programme_id, scope)
    attended = Registration.checked_in_at.is_not(None)
    statement = (
        sa.select(
            Registration.status,
            Registration.county,
            Registration.organization_type,
            Registration.dr_member,
            attended.label("attended"),
            Registration.checked_in_how,
            Registration.beyond_capacity,
            Event.ends_at,
            Event.programme_id,
            Event.organization_id,
            Event.kind,
            sa.func.count(),
            sa.func.count(Registration.group_id),
        )
        .join(Event, Event.id == Registration.event_id)
        .where(*cut)
        .group_by(
            Registration.status,
            Registration.county,
            Registration.organization_type,
            Registration.dr_member,
            attended,
            Registration.checked_in_how,
            Registration.beyond_capacity,
            Event.ends_at,
            Event.programme_id,
            Event.organization_id,
            Event.kind,
        )
    )
    report = Report(
        by_county={county.code: Breakdown() for county in COUNTIES},
        by_type={kind: Breakdown() for kind in OrganizationType},
    )
    rows = db.session.execute(statement)
    _count_events(report, cut)
    for (
        status,
        county,
        kind,
        member,
        was_there,
        how,
        beyond,
        ends_at,
        programme,
        organization,
        event_kind,
        count,
        grouped,
    ) in rows:
        for lines, key in (
            (report.by_programme, programme),
            (report.by_organization, organization),
            (report.by_kind, event_kind),
        ):
            _add_programme(lines, key, status, bool(was_there), count)
        if status == RegistrationStatus.CONFIRMED:
            report.in_groups += grouped
        if was_there:  # a presence recorded before its kind was kept: at the door
            report.attended_by_how[how or Presence.DOOR] += count
        if beyond and status == RegistrationStatus.CONFIRMED:
            report.beyond_capacity += count
        _add(report, status, county, kind, member, bool(was_there), ends_at < now, count)
    _add_courses(report, cut)
    report.groups = _groups(cut)
    return report


def _groups(cut: list) -> int:
    """Groups with at least one confirmed member."""
    statement = (
        sa.select(sa.func.count(sa.distinct(Registration.group_id)))
        .join(Event, Event.id == Registration.event_id)
        .where(
            *cut,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.group_id.is_not(None),
        )
    )
    return db.session.scalar(statement)


def _count_events(report: Report, cut: list) -> None:
    """Each line's number of (published or cancelled) events."""
    for lines, column in (
        (report.by_programme, Event.programme_id),
        (report.by_organization, Event.organization_id),
        (report.by_kind, Event.kind),
    ):
        rows = db.session.execute(sa.select(column, sa.func.count()).where(*cut).group_by(column))
        lines.update({key: ProgrammeTotals(events=count) for key, count in rows})


def _add_programme(totals, programme_id, status, was_there: bool, count: int) -> None:
    line = totals.setdefault(programme_id, ProgrammeTotals())
    line.registered += count if status in ACTIVE_STATUSES else 0
    line.confirmed += count if status == RegistrationStatus.CONFIRMED else 0
    line.attended += count if was_there else 0


def programme_lines(report: Report) -> list[tuple[Programme | None, ProgrammeTotals]]:
    """The report's lines by programme, in the organizers' order; events in no programme
    last (None)."""
    lines = [
        (programme, report.by_programme[programme.id])
        for programme in list_programmes()
        if programme.id in report.by_programme
    ]
    if None in report.by_programme:
        lines.append((None, report.by_programme[None]))
    return lines


def organization_lines(report: Report) -> list[tuple[Organization, ProgrammeTotals]]:
    """The report's lines by the organization running the events, by name."""
    ids = list(report.by_organization)
    organizations = db.session.scalars(
        sa.select(Organization).where(Organization.id.in_(ids)).order_by(Organization.name)
    )
    return [
        (organization, report.by_organization[organization.id]) for organization in organizations
    ]


def kind_lines(report: Report) -> list[tuple[EventKind, ProgrammeTotals]]:
    """The report's lines by kind of event, in the kinds' own order."""
    return [(kind, report.by_kind[kind]) for kind in EventKind if kind in report.by_kind]


def _add_courses(report: Report, cut: list) -> None:
    courses = sa.select(CourseSession.event_id).join(Event, Event.id == CourseSession.event_id)
    courses = courses.where(*cut).distinct()
    figures = course_figures(list(db.session.scalars(courses)))
    for item in figures.values():
        report.courses += 1
        report.sessions += item["sessions"]
        report.session_attendances += item["attendances"]
        for how, count in item["by_how"].items():
            report.session_attendances_by_how[how] += count
        report.hours_attended += item["minutes_attended"] / 60


def _add(report, status, county, kind, member, was_there, over, count) -> None:
    if status in ACTIVE_STATUSES:
        report.registered += count
    if status == RegistrationStatus.WAITLISTED:
        report.waitlisted += count
    elif status == RegistrationStatus.PENDING:
        report.pending += count
    elif status == RegistrationStatus.CANCELLED:
        report.cancelled += count
    if was_there:
        report.attended += count
    if status != RegistrationStatus.CONFIRMED:
        return
    report.confirmed += count
    report.dr_members += count if member else 0
    report.no_shows += count if over and not was_there else 0
    for breakdown in (report.by_county.setdefault(county, Breakdown()), report.by_type[kind]):
        breakdown.confirmed += count
        breakdown.attended += count if was_there else 0


def figures_rows(report: Report, labels: dict[str, str]) -> list[list]:
    """The report as rows for a CSV: (section, item, confirmed, attended)."""
    rows = [
        [labels["totals"], labels["registered"], report.registered, ""],
        [labels["totals"], labels["confirmed"], report.confirmed, report.attended],
        *([labels["totals"], str(how.label), "", report.attended_by_how[how]] for how in Presence),
        [labels["totals"], labels["waitlisted"], report.waitlisted, ""],
        [labels["totals"], labels["pending"], report.pending, ""],
        [labels["totals"], labels["cancelled"], report.cancelled, ""],
        [labels["totals"], labels["no_shows"], report.no_shows, ""],
        [labels["totals"], labels["beyond_capacity"], report.beyond_capacity, ""],
        [labels["totals"], labels["dr_members"], report.dr_members, ""],
    ]
    if report.groups:
        rows += [
            [labels["totals"], labels["in_groups"], report.in_groups, ""],
            [labels["totals"], labels["groups"], report.groups, ""],
        ]
    if report.courses:
        rows += [
            [labels["courses"], labels["courses_count"], report.courses, ""],
            [labels["courses"], labels["sessions"], report.sessions, ""],
            [labels["courses"], labels["session_attendances"], "", report.session_attendances],
            *(
                [labels["courses"], str(how.label), "", report.session_attendances_by_how[how]]
                for how in Presence
            ),
            [labels["courses"], labels["hours_attended"], "", round(report.hours_attended, 2)],
        ]
    rows += [
        [labels["county"], county_name(code), item.confirmed, item.attended]
        for code, item in report.by_county.items()
    ]
    rows += [
        [labels["type"], str(kind.label), item.confirmed, item.attended]
        for kind, item in report.by_type.items()
    ]
    rows += [
        [labels["programme"], programme.name() if programme else labels["no_programme"],
         line.confirmed, line.attended]
        for programme, line in programme_lines(report)
    ]  # fmt: skip
    rows += [
        [labels["organization"], organization.name, line.confirmed, line.attended]
        for organization, line in organization_lines(report)
    ]
    rows += [
        [labels["kind"], str(kind.label), line.confirmed, line.attended]
        for kind, line in kind_lines(report)
    ]
    return rows


def counties_with_people(report: Report) -> list[tuple[str, Breakdown]]:
    """(code, figures) of the counties with confirmed or attending people, most first."""
    rows = [(code, item) for code, item in report.by_county.items() if item.has_people]
    return sorted(rows, key=lambda row: (-row[1].confirmed, -row[1].attended))


def county_chart_svg(report: Report, title: str, legend: tuple[str, str]) -> str:
    """A horizontal bar chart of confirmed and attended people per county, as SVG.

    Only the counties with someone in them, most first: the zeros are listed
    beside the chart, folded away. Each county's name stands above its bars, so
    that the chart stays narrow and its text readable on a phone."""
    bar, label, gap, width = 16, 20, 10, 360
    chart_width = width - 40
    rows = counties_with_people(report)
    top = max([item.confirmed for _code, item in rows] + [1])
    step = label + 2 * bar + gap
    height = 30 + len(rows) * step
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        'aria-labelledby="chart-title">',
        f'<title id="chart-title">{escape(title)}</title>',
        '<rect x="0" y="4" width="14" height="14" fill="#0b5394"/>'
        f'<text x="20" y="17" font-size="15">{escape(legend[0])}</text>',
        '<rect x="190" y="4" width="14" height="14" fill="#145c2c"/>'
        f'<text x="210" y="17" font-size="15">{escape(legend[1])}</text>',
    ]
    for index, (code, item) in enumerate(rows):
        y = 30 + index * step
        parts.append(
            f'<text x="0" y="{y + label - 5}" font-size="15">{escape(county_name(code))}</text>'
        )
        for offset, value, colour in (
            (label, item.confirmed, "#0b5394"),
            (label + bar, item.attended, "#145c2c"),
        ):
            length = round(chart_width * value / top)
            parts.append(
                f'<rect x="0" y="{y + offset}" width="{length}" height="{bar - 1}" '
                f'fill="{colour}"/><text x="{length + 4}" y="{y + offset + bar - 3}" '
                f'font-size="14">{value}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
