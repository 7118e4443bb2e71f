"""Participant lists to download: CSV for Polish Excel, XLSX, and the printable
attendance sheet (PDF). CSV and XLSX are written row by row from a streamed
query, so 10,000 registrations never sit in memory at once.

In the CSV, cells that a spreadsheet would run as a formula (=, +, -, @, tab,
carriage return at the start) are neutralized with a leading apostrophe; in
the XLSX every text is stored as a string cell, which Excel never evaluates.
"""

import os
import tempfile
from collections.abc import Iterator
from datetime import datetime

import sqlalchemy as sa
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from fpdf import FPDF
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from events import documents
from events.counties import county_name
from events.extensions import db
from events.models import Event, Presence, Registration, RegistrationGroup
from events.services.participants import TableQuery, filtered
from events.services.programmes import programme_choices
from events.services.questionnaires.at_registration import event_answers
from events.services.questionnaires.questions import answer_text, text
from events.timezone import to_local

BATCH = 500


def columns(with_event: bool, asked: list[dict] = ()) -> list[tuple[str, int]]:
    """(heading, XLSX width) in the current language; `asked`: the event's own questions,
    a column each."""
    names = [
        (_("Last name"), 18), (_("First name"), 14), (_("Email address"), 28),
        (_("Phone"), 16), (_("Organization"), 30), (_("Type of organization"), 24),
        (_("County"), 22), (_("DR network member"), 10), (_("Status"), 16),
        (_("Registered at"), 17), (_("Checked in at"), 17), (_("How present"), 24),
        (_("Needs"), 30),
        (_("Photo consent"), 10),
        (_("Group"), 28),
    ]  # fmt: skip
    if with_event:
        names = [(_("Event"), 36), (_("Event date"), 17), (_("Programme"), 30)] + names
    language = str(get_locale() or "pl")
    return names + [(text(question, "text", language), 30) for question in asked]


def _asked(event_id: int | None) -> tuple[list[dict], dict]:
    """An event's own questions and the answers; the programme-wide lists have none."""
    return event_answers(event_id) if event_id is not None else ([], {})


def _rows(event_id: int | None, query: TableQuery, asked=([], {})) -> Iterator[list]:
    questions, answers = asked
    language = str(get_locale() or "pl")
    statement = filtered(event_id, query).add_columns(
        Event.title, Event.starts_at, Event.programme_id, RegistrationGroup.coordinator_name
    )
    statement = statement.join(Event, Event.id == Registration.event_id).outerjoin(
        RegistrationGroup, RegistrationGroup.id == Registration.group_id
    )
    names = {programme_id: name for programme_id, name in programme_choices()}
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    for registration, title, starts_at, programme_id, coordinator in result:
        checked_in_at = registration.checked_in_at
        row = [
            registration.last_name,
            registration.first_name,
            registration.email or "",  # a walk-in may have given none
            registration.phone or "",
            registration.organization,
            str(registration.organization_type.label),
            county_name(registration.county),
            _("yes") if registration.dr_member else _("no"),
            str(registration.status.label),
            to_local(registration.created_at),
            to_local(checked_in_at),
            _presence(registration) if checked_in_at else "",
            registration.needs or "",
            _("yes") if registration.image_consent_at else _("no"),
            group_label(registration.group_id, coordinator),
        ]
        given = answers.get(registration.id, {})
        row += [answer_text(q, given.get(q["key"]), language) for q in questions]
        if event_id is None:
            row = [title, to_local(starts_at), names.get(programme_id, "")] + row
        yield row


def group_label(group_id: int | None, coordinator: str | None) -> str:
    """Who registered a group's member: "Group 12: Anna Nowak" (its number and its
    coordinator); empty for a person who registered alone."""
    if group_id is None:
        return ""
    return _("Group %(number)d: %(name)s", number=group_id, name=coordinator or "")


def _presence(registration: Registration) -> str:
    """How the presence came on the record (for a course: at the first session attended);
    one recorded before the kind was kept was at the door."""
    return str((registration.checked_in_how or Presence.DOOR).label)


def csv_lines(event_id: int | None, query: TableQuery) -> Iterator[str]:
    """The table as CSV for Polish Excel (see events.documents), streamed."""
    asked = _asked(event_id)
    headings = (heading for heading, _width in columns(event_id is None, asked[0]))
    rows = ([_csv_cell(value) for value in row] for row in _rows(event_id, query, asked))
    return documents.csv_lines(headings, rows)


def _csv_cell(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return value


def row_count(event_id: int | None, query: TableQuery) -> int:
    """How many people the CSV or XLSX of this table holds (one COUNT query)."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(filtered(event_id, query).subquery())
    )


def xlsx_file(event_id: int | None, query: TableQuery) -> str:
    """Write the workbook to a temporary file (write-only mode streams rows to disk);
    returns its path: the caller sends it and deletes it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Participants"))
    asked = _asked(event_id)
    headings = columns(event_id is None, asked[0])
    for index, (_heading, width) in enumerate(headings, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for heading, _width in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    total = row_count(event_id, query)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headings))}{total + 1}"
    sheet.append(header)
    for row in _rows(event_id, query, asked):
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
        documents.add_fonts(self)
        self.set_auto_page_break(auto=True, margin=15)
        self.heading = _("Attendance list")
        self.set_title(f"{self.heading} – {event.title}")
        self._widths: dict[tuple, float] = {}
        self._title_lines: list[str] | None = None
        self._when_lines: list[str] = []

    def width(self, text: str) -> float:
        """get_string_width, remembered: it costs ~50 µs, and counties and
        organizations repeat."""
        key = (self.font_family, self.font_style, self.font_size_pt, text)
        if key not in self._widths:
            self._widths[key] = self.get_string_width(text)
        return self._widths[key]

    def header(self):
        if self._title_lines is None:  # broken into lines once, not on each of 450 pages
            held = self.session or self.event  # a course's sheet is for one of its sessions
            when = format_datetime(held.starts_at, "EEEE, d MMMM y, HH:mm")
            place = ", ".join(p for p in (held.venue_name, held.venue_address) if p)
            if self.session is not None:
                place = place or ", ".join(
                    p for p in (self.event.venue_name, self.event.venue_address) if p
                )
                when = f"{self.session.title} · {when}" if self.session.title else when
            self.set_font("DejaVu", "B", 12)
            title = f"{self.heading}: {self.event.title}"
            self._title_lines = self.multi_cell(0, 6, title, dry_run=True, output="LINES")
            self.set_font("DejaVu", "", 9)
            self._when_lines = self.multi_cell(
                0, 5, f"{when} · {place}", dry_run=True, output="LINES"
            )
        self.set_font("DejaVu", "", 8)
        self.cell(0, 4, self.project, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "B", 12)
        for line in self._title_lines:
            self.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
        self.set_font("DejaVu", "", 9)
        for line in self._when_lines:
            self.cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, _("Page %(page)s of %(pages)s", page=self.page_no(), pages="{nb}"),
                  align="C")  # fmt: skip


COLUMNS = (8, 45, 55, 32, 40)  # mm: number, name, organization, county, signature
ROW_HEIGHT, LINE_HEIGHT, PADDING = 11, 4.2, 1.2


def attendance_pdf(
    event: Event, registrations: list[Registration], project: str, session=None
) -> bytes:
    """A numbered table of name, organization and county, with an empty signature column
    (for one `session` of a course: its date and place in the heading). A person added
    at the door is marked so beside the name, a group's member with the group's number.

    Drawn row by row with fpdf2's plain primitives (rectangles and text): its
    table layout breaks every cell into lines character by character, which
    took 40 s for 10,000 people. Long texts take two lines, then end with "…".
    """
    pdf = AttendanceSheet(project, event, session)
    headings = [_("No."), _("First and last name"), _("Organization"), _("County"), _("Signature")]
    walk_in = _("(added at the door)")
    pdf.add_page()
    _heading_row(pdf, headings)
    for number, registration in enumerate(registrations, start=1):
        if pdf.get_y() + ROW_HEIGHT > pdf.page_break_trigger:
            pdf.add_page()
            _heading_row(pdf, headings)
        name = (
            f"{registration.full_name} {walk_in}"
            if registration.walk_in
            else registration.full_name
        )
        if registration.group_id is not None:  # its number: the exports name the coordinator
            name += " (" + _("group %(number)d", number=registration.group_id) + ")"
        cells = [
            str(number),
            name,
            registration.organization,
            county_name(registration.county),
            "",
        ]
        _row(pdf, cells, right_first=True)
    return bytes(pdf.output())


def _heading_row(pdf: AttendanceSheet, headings: list[str]) -> None:
    pdf.set_font("DejaVu", "B", 9)
    pdf.set_fill_color(230, 230, 230)
    _row(pdf, headings, fill=True, height=7)
    pdf.set_font("DejaVu", "", 9)


def _row(
    pdf: AttendanceSheet, cells: list[str], fill=False, right_first=False, height=ROW_HEIGHT
) -> None:
    x, y = pdf.l_margin, pdf.get_y()
    for index, (width, content) in enumerate(zip(COLUMNS, cells, strict=True)):
        pdf.rect(x, y, width, height, style="DF" if fill else "D")
        for line_number, line in enumerate(_fit(pdf, content, width - 2 * PADDING)):
            shift = (
                width - 2 * PADDING - pdf.get_string_width(line) if right_first and not index else 0
            )
            pdf.text(x + PADDING + shift, y + PADDING + 3 + line_number * LINE_HEIGHT, line)
        x += width
    pdf.set_y(y + height)


def _fit(pdf: AttendanceSheet, text: str, width: float, lines: int = 2) -> list[str]:
    """`text` in at most `lines` lines of `width` mm, broken at spaces; cut with "…"."""
    if pdf.width(text) <= width:
        return [text]
    words, result, current = text.split(), [], ""
    index = 0
    while index < len(words) and len(result) < lines:
        candidate = f"{current} {words[index]}".strip()
        if not current or pdf.width(candidate) <= width:
            current, index = candidate, index + 1
        else:
            result.append(current)
            current = ""
    if current:
        result.append(current)
    cut = index < len(words)  # words left over: the last line says so
    return [
        _cut(pdf, line, width, ellipsis=cut and number == len(result) - 1)
        for number, line in enumerate(result)
    ]


def _cut(pdf: AttendanceSheet, line: str, width: float, ellipsis: bool = False) -> str:
    """The line, shortened to `width` mm with "…" when it is too long (or `ellipsis`)."""
    if not ellipsis and pdf.width(line) <= width:
        return line
    while line and pdf.width(line + "…") > width:
        line = line[:-1]
    return line.rstrip() + "…"
