"""Conventions of the files people download: CSV that Polish Excel opens, the
guard against cells read as formulas, and the fonts embedded in every PDF.

Below the services: exports, reports, questionnaire results and invitation
lists all write their files through these, so that each convention is written
once.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from pathlib import Path

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FONTS = Path(__file__).resolve().parents[1] / "static" / "fonts"


def neutralize(value):
    """Text a spreadsheet would take for a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(headings: Iterable, rows: Iterable[Iterable]) -> Iterator[str]:
    """UTF-8 with BOM, semicolons, CRLF: what Polish Excel opens without a wizard.

    One line at a time, so that a long list can be streamed; every text cell is
    neutralized.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")

    def line(values) -> str:
        writer.writerow([neutralize(value) for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(headings)
    for row in rows:
        yield line(row)


def csv_text(headings: Iterable, rows: Iterable[Iterable]) -> str:
    """The whole file of `csv_lines` as one string."""
    return "".join(csv_lines(headings, rows))


def add_fonts(pdf) -> None:
    """Embed DejaVu Sans (regular and bold) in an fpdf2 document: Polish letters print."""
    pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
