"""Reading an invitation list: CSV (UTF-8, or the Windows-1250 that Polish Excel
still writes) or XLSX, with the columns name, email, organization and county (and
optionally language: pl or en, Polish when empty).

Nothing here touches the database: `read_invitation_file` turns the upload into
rows, each with its problems (a bad address, a duplicate, an unknown county, a
formula), or refuses the whole file with a clear reason (not what it claims to
be, too big, too many rows, missing columns). The preview shows every row; only
the confirmation saves (see `invitations.invite_people`).
"""

import csv
import enum
import io
import time
import zipfile
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from openpyxl import load_workbook

from events.counties import COUNTIES
from events.identifiers import normalize_email
from events.search import fold
from events.services import DomainError

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# A workbook is read only as far as its list goes: the heading is looked for in the
# first MAX_COLUMNS columns, the rows only up to the last column the list uses, and
# the reading stops after MAX_SECONDS (a sheet of thousands of formatted cells per
# row would otherwise hold a worker for minutes).
MAX_COLUMNS = 40
MAX_SECONDS = 10.0
FORMULA_START = ("=", "+", "-", "@")

# Headings accepted for each column, folded (lower case, no Polish letters).
HEADINGS = {
    "name": {"name", "imie i nazwisko", "nazwisko i imie", "imie nazwisko", "osoba"},
    "email": {"email", "e-mail", "adres e-mail", "adres email", "mail"},
    "organization": {"organization", "organisation", "organizacja", "instytucja"},
    "county": {"county", "powiat"},
    "language": {"language", "jezyk"},
}
LANGUAGES = {"pl": "pl", "polski": "pl", "polish": "pl", "en": "en", "angielski": "en",
             "english": "en"}  # fmt: skip
REQUIRED = ("name", "email")


class InvitationFileError(DomainError):
    """Codes: too_big, not_xlsx, not_text, empty, missing_columns, too_many_rows, unknown_type,
    too_slow, cell_too_long."""

    class Code(enum.StrEnum):
        CELL_TOO_LONG = "cell_too_long"
        EMPTY = "empty"
        MISSING_COLUMNS = "missing_columns"
        NOT_TEXT = "not_text"
        NOT_XLSX = "not_xlsx"
        TOO_BIG = "too_big"
        TOO_MANY_ROWS = "too_many_rows"
        TOO_SLOW = "too_slow"
        UNKNOWN_TYPE = "unknown_type"


@dataclass
class ImportRow:
    line: int  # as the organizer's spreadsheet numbers it (the heading is line 1)
    name: str
    email: str
    organization: str = ""
    county: str | None = None  # a county code
    county_given: str = ""
    language: str = "pl"  # of the invitation email, and of the later registration's emails
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def read_invitation_file(filename: str, data: bytes) -> list[ImportRow]:
    """The rows of an uploaded list, each with its problems. Raises InvitationFileError."""
    if len(data) > MAX_BYTES:
        raise InvitationFileError("too_big", _l("The file is larger than 2 MB. Split the list."))
    if not data.strip():
        raise InvitationFileError("empty", _l("The file is empty."))
    name = filename.lower()
    if name.endswith(".xlsx"):
        table = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        table = _csv_rows(data)
    else:
        raise InvitationFileError(
            "unknown_type", _l("Upload a CSV file (.csv) or an Excel workbook (.xlsx).")
        )
    return _rows(table)


def _xlsx_rows(data: bytes) -> list[list[str]]:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InvitationFileError(
            "not_xlsx",
            _l("This file is not an Excel workbook (.xlsx), although its name says so."),
        )
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as error:  # a zip that is not a workbook: any of openpyxl's errors
        raise InvitationFileError(
            "not_xlsx",
            _l("This file is not an Excel workbook (.xlsx), although its name says so."),
        ) from error
    try:
        return _sheet_rows(workbook.worksheets[0])
    finally:
        workbook.close()


def _sheet_rows(sheet) -> list[list[str]]:
    """The heading row, then every row up to the list's last column, within the time."""
    started = time.monotonic()
    heading = next(sheet.iter_rows(max_row=1, max_col=MAX_COLUMNS, values_only=True), ())
    heading = ["" if value is None else str(value) for value in heading]
    last = max(_columns(heading).values()) + 1
    table = [heading]
    for row in sheet.iter_rows(min_row=2, max_col=last, values_only=True):
        table.append(["" if value is None else str(value) for value in row])
        if len(table) > MAX_ROWS + 1:
            break
        if time.monotonic() - started > MAX_SECONDS:
            raise InvitationFileError(
                "too_slow",
                _l(
                    "This workbook takes too long to read (its sheet holds far more cells "
                    "than the list). Copy the list's columns into a new workbook, or save "
                    "it as CSV, and upload that."
                ),
            )
    return table


def _csv_rows(data: bytes) -> list[list[str]]:
    if b"\x00" in data[:4096]:
        raise InvitationFileError("not_text", _l("This file is not a text (CSV) file."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1250", errors="replace")  # Polish Excel's "CSV (rozdzielany…)"
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    table = []
    try:
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            table.append(row)
            if len(table) > MAX_ROWS + 1:
                break
    except csv.Error as error:  # a cell longer than the csv module's limit (128 KiB)
        raise InvitationFileError(
            "cell_too_long",
            _l(
                "Line %(line)d of the file holds a cell far longer than a name or an "
                "address. Check that the file is the invitation list.",
                line=len(table) + 1,
            ),
        ) from error
    return table


def _columns(heading: list[str]) -> dict[str, int]:
    found = {}
    for index, cell in enumerate(heading):
        folded = " ".join(fold(cell).replace("_", " ").split())
        for column, names in HEADINGS.items():
            if folded in names and column not in found:
                found[column] = index
    missing = [column for column in REQUIRED if column not in found]
    if missing:
        raise InvitationFileError(
            "missing_columns",
            _l(
                "The first row must name the columns: name, email, organization, county "
                "(or in Polish: imię i nazwisko, e-mail, organizacja, powiat). Missing: "
                "%(missing)s.",
                missing=", ".join(missing),
            ),
        )
    return found


def _rows(table: list[list[str]]) -> list[ImportRow]:
    table = [row for row in table if any(cell.strip() for cell in row)]
    if not table:
        raise InvitationFileError("empty", _l("The file is empty."))
    if len(table) > MAX_ROWS + 1:
        raise InvitationFileError(
            "too_many_rows",
            _l("The list has more than %(most)d rows. Split it into smaller lists.", most=MAX_ROWS),
        )
    columns = _columns(table[0])
    rows = []
    for line, cells in enumerate(table[1:], start=2):

        def cell(column, cells=cells):
            index = columns.get(column)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        rows.append(
            ImportRow(
                line=line,
                name=cell("name"),
                email=cell("email"),
                organization=cell("organization"),
                county_given=cell("county"),
                language=cell("language"),
            )
        )
    for row in rows:
        _check_row(row)
    _mark_duplicates(rows)
    return rows


_COUNTY_NAMES = {}
for _county in COUNTIES:
    for _name in (_county.code, _county.name_pl, _county.name_en):
        _COUNTY_NAMES[" ".join(fold(_name).split())] = _county.code
    _COUNTY_NAMES[fold(_county.name_pl.split(" (")[0])] = _county.code


def county_code(given: str) -> str | None:
    """A county from its code or its Polish or English name, any case, with or
    without Polish letters; None when there is no such county."""
    return _COUNTY_NAMES.get(" ".join(fold(given).split()))


def _check_row(row: ImportRow) -> None:
    values = (row.name, row.email, row.organization, row.county_given)
    if any(value.startswith(FORMULA_START) for value in values if value):
        row.problems.append(str(_l("A cell holds a formula; type the text itself.")))
    if not row.name:
        row.problems.append(str(_l("No name.")))
    if len(row.name) > 200 or len(row.organization) > 200:
        row.problems.append(str(_l("The name or organization is too long.")))
    try:
        validate_email(row.email, check_deliverability=False, allow_smtputf8=False)
        row.email = normalize_email(row.email)
    except EmailNotValidError:
        row.problems.append(str(_l("Not a valid email address.")))
    language = LANGUAGES.get(fold(row.language or "pl"))
    if language is None:
        row.problems.append(str(_l("Unknown language: %(language)s.", language=row.language)))
    row.language = language or "pl"
    if row.county_given:
        row.county = county_code(row.county_given)
        if row.county is None:
            row.problems.append(str(_l("Unknown county: %(county)s.", county=row.county_given)))


def _mark_duplicates(rows: list[ImportRow]) -> None:
    first_line = {}
    for row in rows:
        if not row.email:
            continue
        if row.email in first_line:
            row.problems.append(
                str(_l("The same address as in line %(line)d.", line=first_line[row.email]))
            )
        else:
            first_line[row.email] = row.line
