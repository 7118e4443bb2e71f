"""The organizer API's registrations of one event: the table with its filters (scope
`read`), a person added by hand and the organizer's actions on a registration (scope
`write`), the report's figures and the participant list as a file (scope `read`).
Each does what the organizer area does, through the same services."""

import os

from flask import Response as FlaskResponse
from flask import g
from spectree import Response

from events.documents import XLSX_MIME
from events.models import TokenScope
from events.services import DomainError, participants
from events.services.audit import downloaded
from events.services.exports import csv_lines, row_count, xlsx_file
from events.services.lifecycle import ActorKind, allowed_actions
from events.services.participants import TableQuery, registration_table
from events.services.registration import Attendee
from events.services.reports import build_report
from events.views.api.blueprint import bp
from events.views.api.managed_events import REFUSALS, TOKEN
from events.views.api.openapi import spec
from events.views.api.schemas import (
    ExportQuery,
    Problem,
    RegistrationIn,
    RegistrationOut,
    RegistrationPage,
    RegistrationQuery,
    ReportOut,
)
from events.views.api.token_auth import managed_event, not_found, refusal, token_route


def registration_fields(registration, actions) -> RegistrationOut:
    return RegistrationOut(
        id=registration.id,
        event_id=registration.event_id,
        status=registration.status,
        status_label=str(registration.status.label),
        first_name=registration.first_name,
        last_name=registration.last_name,
        email=registration.email,
        phone=registration.phone,
        organization=registration.organization,
        organization_type=registration.organization_type,
        county=registration.county,
        dr_member=registration.dr_member,
        walk_in=registration.walk_in,
        registered_at=registration.created_at,
        checked_in_at=registration.checked_in_at,
        actions=sorted(action.value for action in actions),
    )


def _table_query(query) -> TableQuery:
    return TableQuery(
        search=query.q,
        status=query.status,
        county=query.county,
        organization_type=getattr(query, "organization_type", None),
        page=getattr(query, "page", 1),
    )


@bp.get("/v1/organizer/events/<int:event_id>/registrations")
@token_route(TokenScope.READ)
@spec.validate(
    query=RegistrationQuery,
    resp=Response(HTTP_200=RegistrationPage, **REFUSALS),
    tags=["organizer"],
    security=TOKEN,
)
def registrations(event_id: int, query: RegistrationQuery):
    """The event's registrations, as the organizer's table filters and pages them."""
    event = managed_event(event_id)
    if event is None:
        return not_found()
    table = registration_table(event.id, _table_query(query))
    return RegistrationPage(
        items=[registration_fields(row.registration, row.actions) for row in table.rows],
        page=table.page,
        pages=table.pages,
        total=table.total,
    )


def _one(event_id: int, registration_id: int) -> RegistrationOut:
    registration = participants.registration_of_event(event_id, registration_id)
    return registration_fields(registration, allowed_actions(registration, ActorKind.ORGANIZER))


@bp.post("/v1/organizer/events/<int:event_id>/registrations")
@token_route(TokenScope.WRITE)
@spec.validate(
    json=RegistrationIn,
    resp=Response(HTTP_201=RegistrationOut, HTTP_409=Problem, **REFUSALS),
    tags=["organizer"],
    security=TOKEN,
)
def add_registration(event_id: int, json: RegistrationIn):
    """A person added by hand: the same rules as online (seats, waiting list, one
    registration per address); `notify` sends them the confirmation with the ticket."""
    event = managed_event(event_id)
    if event is None:
        return not_found()
    attendee = Attendee(
        first_name=json.first_name.strip(),
        last_name=json.last_name.strip(),
        email=json.email.strip(),
        organization=json.organization.strip(),
        organization_type=json.organization_type,
        county=json.county,
        dr_member=json.dr_member,
        data_consent=json.data_consent,
        phone=json.phone.strip() or None,
        language=json.language,
    )
    try:
        registration = participants.add_by_hand(event.id, attendee, g.api_user, json.notify)
    except DomainError as error:
        return refusal(error)
    return _one(event.id, registration.id), 201


def _action_route(action: str, service, summary: str) -> None:
    """POST …/registrations/<id>/<action>: one route per action, each in the document."""

    def view(event_id: int, registration_id: int):
        event = managed_event(event_id)
        if event is None:
            return not_found()
        try:
            service(event.id, registration_id, g.api_user)
            return _one(event.id, registration_id)
        except DomainError as error:
            return refusal(error)

    view.__name__ = view.__qualname__ = f"registration_{action}"
    view.__doc__ = summary
    validated = spec.validate(
        resp=Response(HTTP_200=RegistrationOut, HTTP_409=Problem, **REFUSALS),
        tags=["organizer"],
        security=TOKEN,
    )(view)
    route = f"/v1/organizer/events/<int:event_id>/registrations/<int:registration_id>/{action}"
    bp.post(route)(token_route(TokenScope.WRITE)(validated))


_action_route("cancel", participants.cancel, "Cancel the registration; the person is told.")
_action_route("accept", participants.approve, "Accept an application awaiting approval.")
_action_route("decline", participants.decline, "Decline an application awaiting approval.")
_action_route("seat", participants.promote, "Give a waiting-list place a seat.")


def _breakdowns(lines: dict) -> dict[str, dict[str, int]]:
    return {
        str(key): {"confirmed": line.confirmed, "attended": line.attended}
        for key, line in lines.items()
    }


@bp.get("/v1/organizer/events/<int:event_id>/report")
@token_route(TokenScope.READ)
@spec.validate(resp=Response(HTTP_200=ReportOut, **REFUSALS), tags=["organizer"], security=TOKEN)
def report(event_id: int):
    """The event's figures, as its report page counts them."""
    event = managed_event(event_id)
    if event is None:
        return not_found()
    figures = build_report(event.id, scope=g.api_scope)
    return ReportOut(
        registered=figures.registered,
        confirmed=figures.confirmed,
        waitlisted=figures.waitlisted,
        pending=figures.pending,
        cancelled=figures.cancelled,
        attended=figures.attended,
        attended_by_how={how.value: count for how, count in figures.attended_by_how.items()},
        no_shows=figures.no_shows,
        beyond_capacity=figures.beyond_capacity,
        dr_members=figures.dr_members,
        in_groups=figures.in_groups,
        groups=figures.groups,
        by_county=_breakdowns(figures.by_county),
        by_organization_type=_breakdowns(figures.by_type),
        sessions=figures.sessions,
        session_attendances=figures.session_attendances,
        hours_attended=figures.hours_attended,
    )


@bp.get("/v1/organizer/events/<int:event_id>/participants")
@token_route(TokenScope.READ)
@spec.validate(
    query=ExportQuery, resp=Response("HTTP_200", **REFUSALS), tags=["organizer"], security=TOKEN
)
def participant_list(event_id: int, query: ExportQuery):
    """The participant list as a file (`format=csv` or `xlsx`), with the table's
    filters; each download is written to the audit log, as from the page."""
    event = managed_event(event_id)
    if event is None:
        return not_found()
    table_query = _table_query(query)
    filename = f"{event.slug}.{query.format}"
    downloaded(g.api_user, filename, row_count(event.id, table_query), event.id)
    if query.format == "xlsx":
        path = xlsx_file(event.id, table_query)
        try:
            with open(path, "rb") as file:
                content, mimetype = file.read(), XLSX_MIME
        finally:
            os.remove(path)
    else:
        content, mimetype = "".join(csv_lines(event.id, table_query)).encode(), "text/csv"
    # Whole, not streamed: the schema's check of each answer reads it anyway.
    response = FlaskResponse(content, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
