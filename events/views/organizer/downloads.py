"""Organizer: participant lists to download (CSV, XLSX, the attendance sheet PDF) and
the name badges (PDF). Each download is audited (which file, how many people) before
it is sent: a streamed CSV leaves its entry even when the reader stops it."""

import os

from flask import Response, abort, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from events.documents import XLSX_MIME
from events.services.audit import downloaded
from events.services.badges import badge_people, badges_pdf, sheet_for
from events.services.exports import attendance_pdf, csv_lines, row_count, xlsx_file
from events.services.lifecycle import confirmed_people
from events.services.participants import TableQuery
from events.services.programmes import find_programme
from events.views import query_id
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp, current_scope, event_or_404
from events.views.organizer.registrations import table_query


def _csv_response(event_id: int | None, query: TableQuery, filename: str) -> Response:
    downloaded(current_user, filename, row_count(event_id, query), event_id)
    response = Response(stream_with_context(csv_lines(event_id, query)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _xlsx_response(event_id: int | None, query: TableQuery, filename: str) -> Response:
    downloaded(current_user, filename, row_count(event_id, query), event_id)
    path = xlsx_file(event_id, query)
    response = send_file(path, mimetype=XLSX_MIME, as_attachment=True, download_name=filename)
    response.call_on_close(lambda: os.remove(path))
    return response


@bp.get("/events/<int:event_id>/participants.csv")
@access(Rule.SCOPED)
def event_csv(event_id: int):
    event = event_or_404(event_id)
    return _csv_response(event.id, table_query(request.args), f"{event.slug}.csv")


@bp.get("/events/<int:event_id>/participants.xlsx")
@access(Rule.SCOPED)
def event_xlsx(event_id: int):
    event = event_or_404(event_id)
    return _xlsx_response(event.id, table_query(request.args), f"{event.slug}.xlsx")


def _programme_query() -> tuple[TableQuery, str]:
    """The whole programme's table query, cut by `?programme=<slug>` (unknown: not cut),
    and the file's name without its extension."""
    query = table_query(request.args)
    query.scope = current_scope()
    programme = find_programme(request.args.get("programme"))
    if programme is None:
        return query, "uczestnicy-programu"
    query.programme_id = programme.id
    return query, f"uczestnicy-{programme.slug}"


@bp.get("/participants.csv")
@access(Rule.ORGANIZER)
def programme_csv():
    query, name = _programme_query()
    return _csv_response(None, query, f"{name}.csv")


@bp.get("/participants.xlsx")
@access(Rule.ORGANIZER)
def programme_xlsx():
    query, name = _programme_query()
    return _xlsx_response(None, query, f"{name}.xlsx")


@bp.get("/events/<int:event_id>/attendance.pdf")
@access(Rule.SCOPED)
def attendance_sheet(event_id: int):
    """The printable attendance list of confirmed people, by last name."""
    event = event_or_404(event_id)
    people = confirmed_people(event.id)
    project = _("Działamy Razem: seminars, training courses and meetings")
    document = attendance_pdf(event, people, project)
    return audited_pdf(document, f"lista-{event.slug}.pdf", len(people), event.id)


@bp.get("/events/<int:event_id>/badges.pdf")
@access(Rule.SCOPED)
def badges(event_id: int):
    """Name badges of the confirmed people, by last name: `layout` a4 (8 a sheet) or
    labels (24 a sheet), `start` the first free slot of the first sheet, `absent=1`
    only the people not checked in yet."""
    event = event_or_404(event_id)
    sheet = sheet_for(request.args.get("layout"))
    if sheet is None:
        abort(404)
    people = badge_people(event.id, not_checked_in=request.args.get("absent") == "1")
    document = badges_pdf(event, people, sheet, query_id("start") or 1)
    return audited_pdf(document, f"identyfikatory-{event.slug}.pdf", len(people), event.id)


def audited_pdf(document: bytes, filename: str, rows: int, event_id: int) -> Response:
    """A PDF of `rows` people of the event, made before it is audited (the people
    loaded for it stay loaded), audited before it is sent."""
    downloaded(current_user, filename, rows, event_id)
    response = Response(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
