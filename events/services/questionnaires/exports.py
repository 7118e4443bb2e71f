"""A questionnaire's raw answers to download, as the participant lists are
(events.services.exports): one row per response, one column per question (the
newest version's questions, then those only older versions asked); CSV in UTF-8
with BOM and semicolons, formula-like cells neutralized; XLSX with text stored
as text, which Excel never runs as a formula.
"""

import os
import tempfile

import sqlalchemy as sa
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from events.counties import county_name
from events.documents import csv_text
from events.extensions import db
from events.models import Questionnaire, QuestionnaireResponse, Registration
from events.services.questionnaires.questions import answer_text, text
from events.services.questionnaires.results import Filters, all_questions, filtered_responses


def export_columns(questionnaire: Questionnaire, questions: list[dict], language: str) -> list[str]:
    headings = [_("Date"), _("Source"), _("County"), _("Type of organization"), _("Meeting"),
                _("Version")]  # fmt: skip
    if not questionnaire.anonymous:
        headings += [_("First and last name"), _("Email address")]
    return headings + [text(question, "text", language) for question in questions]


def export_rows(questionnaire: Questionnaire, language: str, filters: Filters | None = None):
    """(headings, rows): one row per response, one column per question."""
    questions = all_questions(questionnaire.id)
    rows = []
    people = {}
    responses = filtered_responses(questionnaire.id, filters or Filters())
    if not questionnaire.anonymous:
        ids = {r.registration_id for r in responses if r.registration_id}
        people = {
            person.id: person
            for person in db.session.scalars(
                sa.select(Registration).where(Registration.id.in_(ids))
            )
        }
    for response in responses:
        row = [
            response.submitted_on,
            str(response.source.label),
            county_name(response.county),
            str(response.organization_type.label) if response.organization_type else "",
            response.event.title if response.event else "",
            response.version.number,
        ]
        if not questionnaire.anonymous:
            person = people.get(response.registration_id)
            row += [person.full_name, person.email] if person else ["", ""]
        row += [answer_text(q, response.answers.get(q["key"]), language) for q in questions]
        rows.append(row)
    return export_columns(questionnaire, questions, language), rows


def response_count(questionnaire: Questionnaire) -> int:
    """How many responses (rows) the downloads hold."""
    query = sa.select(sa.func.count()).where(
        QuestionnaireResponse.questionnaire_id == questionnaire.id
    )
    return db.session.scalar(query)


def responses_csv(questionnaire: Questionnaire, language: str) -> str:
    headings, rows = export_rows(questionnaire, language)
    cells = (
        [value.isoformat() if hasattr(value, "isoformat") else value for value in row]
        for row in rows
    )
    return csv_text(headings, cells)


def responses_xlsx(questionnaire: Questionnaire, language: str) -> str:
    """The workbook in a temporary file; returns its path (the caller deletes it)."""
    headings, rows = export_rows(questionnaire, language)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Responses"))
    sheet.freeze_panes = "A2"
    header = []
    for heading in headings:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # stored as text: never run as a formula
            elif hasattr(value, "isoformat"):
                cell.number_format = "yyyy-mm-dd"
            cells.append(cell)
        sheet.append(cells)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    workbook.save(path)
    return path
