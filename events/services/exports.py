"""Participant lists to download: CSV for Polish Excel, XLSX, and the printable
attendance sheet (PDF). CSV and XLSX are written row by row from a streamed
query, so 10,000 registrations never sit in memory at once.

In the CSV, cells that a spreadsheet would run as a formula (=, +, -, @, tab,
carriage return at the start) are neutralized with a leading apostrophe; in
the XLSX every text is stored as a string cell, which Excel never evaluates.
"""

import csv
import io
import os
import tempfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from events.counties import county_name
from events.extensions import db
from events.models import Event, Registration
from events.services.participants import TableQuery, filtered
from events.timezone import WARSAW

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FONTS = Path(__file__).resolve().parents[2] / "static" / "fonts"
BATCH = 500


def neutralize(value):
    """Text a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _local(moment: datetime | None) -> datetime | None:
    """Excel knows no time zones: Warsaw wall-clock time, without the zone."""
    return moment.astimezone(WARSAW).replace(tzinfo=None) if moment else None


def columns(with_event: bool) -> list[tuple[str, int]]:
    """(heading, XLSX width) in the current language."""
    names = [
        (_("Last name"), 18), (_("First name"), 14), (_("Email address"), 28),
        (_("Phone"), 16), (_("Organization"), 30), (_("Type of organization"), 24),
        (_("County"), 22), (_("DR network member"), 10), (_("Status"), 16),
        (_("Registered at"), 17), (_("Checked in at"), 17), (_("Needs"), 30),
        (_("Photo consent"), 10),
    ]  # fmt: skip
    if with_event:
        names = [(_("Event"), 36), (_("Event date"), 17)] + names
    return names


def _rows(event_id: int | None, query: TableQuery) -> Iterator[list]:
    statement = filtered(event_id, query).add_columns(Event.title, Event.starts_at)
    statement = statement.join(Event, Event.id == Registration.event_id)
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    for registration, title, starts_at in result:
        checked_in_at = registration.checked_in_at
        row = [
            registration.last_name,
            registration.first_name,
            registration.email,
            registration.phone or "",
            registration.organization,
            str(registration.organization_type.label),
            county_name(registration.county),
            _("yes") if registration.dr_member else _("no"),
            str(registration.status.label),
            _local(registration.created_at),
            _local(checked_in_at),
            registration.needs or "",
            _("yes") if registration.image_consent_at else _("no"),
        ]
        yield ([title, _local(starts_at)] + row) if event_id is None else row


def csv_lines(event_id: int | None, query: TableQuery) -> Iterator[str]:
    """UTF-8 with BOM, semicolons, CRLF: what Polish Excel opens without a wizard."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def line(values) -> str:
        writer.writerow(values)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(heading for heading, _width in columns(event_id is None))
    for row in _rows(event_id, query):
        yield line(_csv_cell(value) for value in row)


def _csv_cell(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return neutralize(value)


def xlsx_file(event_id: int | None, query: TableQuery) -> str:
    """Write the workbook to a temporary file (write-only mode streams rows to disk);
    returns its path: the caller sends it and deletes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Participants"))
    headings = columns(event_id is None)
    for index, (_heading, width) in enumerate(headings, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for heading, _width in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(filtered(event_id, query).subquery())
    )
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{total + 1}"
    sheet.append(header)
    for row in _rows(event_id, query):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    workbook.save(path)
    return path


def _xlsx_cell(sheet, value):
    if isinstance(value, datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm"
        return cell
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # stored as text: Excel never runs it as a formula
        return cell
    return value


class AttendanceSheet(FPDF):
    """A4 portrait, DejaVu Sans (Polish letters), the event on every page."""

    def __init__(self, project: str, event: Event, session=None):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.project, self.event, self.session = project, event, session
        self.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_auto_page_break(auto=True, margin=15)
        self.heading = _("Attendance list")
        self.set_title(f"{self.heading} – {event.title}")

    def header(self):
        self.set_font("DejaVu", "", 8)
        self.cell(0, 4, self.project, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "B", 12)
        self.multi_cell(0, 6, f"{self.heading}: {self.event.title}", new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 9)
        held = self.session or self.event  # a course's sheet is for one of its sessions
        when = format_datetime(held.starts_at, "EEEE, d MMMM y, HH:mm")
        place = ", ".join(p for p in (held.venue_name, held.venue_address) if p)
        if self.session is not None:
            place = place or ", ".join(
                p for p in (self.event.venue_name, self.event.venue_address) if p
            )
            when = f"{self.session.title} · {when}" if self.session.title else when
        self.multi_cell(0, 5, f"{when} · {place}", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, _("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}"),
                  align="C")  # fmt: skip


def attendance_pdf(
    event: Event, registrations: list[Registration], project: str, session=None
) -> bytes:
    """A numbered table of name, organization and county, with an empty signature column
    (for one `session` of a course: its date and place in the heading)."""
    pdf = AttendanceSheet(project, event, session)
    pdf.add_page()
    pdf.set_font("DejaVu", "", 9)
    headings = [_("No."), _("First and last name"), _("Organization"), _("County"), _("Signature")]
    with pdf.table(
        col_widths=(8, 45, 55, 32, 40),
        text_align=("RIGHT", "LEFT", "LEFT", "LEFT", "LEFT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=5,
        min_row_height=11,
        repeat_headings=1,
    ) as table:
        table.row(headings)
        for number, registration in enumerate(registrations, start=1):
            table.row(
                [
                    str(number),
                    registration.full_name,
                    registration.organization,
                    county_name(registration.county),
                    "",
                ]
            )
    return bytes(pdf.output())
