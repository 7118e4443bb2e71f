"""The results of a questionnaire as a PDF for the funder: figures and bar charts.

The same figures as the results page (events.services.questionnaires.results),
with the same filters and the same fewer-than-3 rule; the bars are drawn by the
PDF itself, so the file stays small and sharp when printed. DejaVu Sans keeps
the Polish letters.
"""

import io

from flask_babel import format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from events import documents
from events.counties import county_name
from events.messages.qr import ticket_png
from events.models import Questionnaire, utcnow
from events.services.questionnaires.results import Results

OPEN_ANSWERS_SHOWN = 15
BRAND = (11, 83, 148)


class ResultsPdf(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="P", unit="mm", format="A4")
        documents.add_fonts(self)
        self.set_auto_page_break(auto=True, margin=15)
        self.set_title(title)
        self.heading = title

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.cell(0, 5, f"{self.heading} · " + _("Page %(page)s of %(pages)s",
                  page=self.page_no(), pages="{nb}"), align="C")  # fmt: skip

    def bars(self, rows) -> None:
        """One bar per row: its label, then the bar with the count and the percentage;
        the full width is 100 % of the answers."""
        width = self.epw - 40
        for row in rows:
            if self.will_page_break(11):
                self.add_page()
            self.set_font("DejaVu", "", 9)
            self.multi_cell(0, 4.5, row.label, new_x="LMARGIN", new_y="NEXT")
            y = self.get_y()
            length = max(width * float(min(row.percent, 100)) / 100, 0.3)
            self.set_fill_color(*BRAND)
            self.rect(self.l_margin, y + 0.5, length, 4, style="F")
            self.set_xy(self.l_margin + length + 2, y)
            self.cell(38, 5, f"{row.count} ({row.percent} %)".replace(".", ","))
            self.set_xy(self.l_margin, y + 6)


def _facts(pdf: ResultsPdf, questionnaire: Questionnaire, results: Results, described: str):
    pdf.set_font("DejaVu", "", 9)
    lines = [
        questionnaire.programme.name() if questionnaire.programme else "",
        questionnaire.event.title if questionnaire.event else "",
        _("Open") + ": " + format_date(questionnaire.opens_at, "d MMMM y") + " – "
        + format_date(questionnaire.last_day, "d MMMM y"),
        _("Filters") + ": " + (described or _("none")),
        _("Responses") + ": " + (
            _("fewer than 3") if results.suppressed and results.total else str(results.total)
        ),
        _("Made on %(date)s", date=format_date(utcnow(), "d MMMM y")),
    ]  # fmt: skip
    for line in lines:
        if line:
            pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)


def _counties(pdf: ResultsPdf, results: Results) -> None:
    pdf.set_font("DejaVu", "B", 12)
    pdf.cell(0, 7, _("Responses by county"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(
        col_widths=(120, 40),
        text_align=("LEFT", "RIGHT"),
        headings_style=FontFace(emphasis="BOLD", fill_color=(230, 230, 230)),
        line_height=5,
        width=160,
        align="LEFT",
    ) as table:
        table.row([_("County"), _("Responses")])
        for code, count in results.by_county:
            shown = "< 3 *" if count is None else str(count)
            table.row([county_name(code) if code else _("Not given"), shown])
    if any(count is None for _code, count in results.by_county):
        pdf.set_font("DejaVu", "", 8)
        pdf.multi_cell(0, 4.5, "* " + _(
            "Fewer than 3 responses: the exact number is not shown, so that nobody in a "
            "small group can be recognised. The other cells are exact counts."
        ), new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(4)


def _question(pdf: ResultsPdf, item) -> None:
    if pdf.will_page_break(30):
        pdf.add_page()
    pdf.set_font("DejaVu", "B", 11)
    pdf.multi_cell(0, 6, item.text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 9)
    summary = f"{item.kind.label} · " + _("answers") + f": {item.answered}"
    if item.mean is not None:
        summary += " · " + _("mean") + ": " + str(item.mean).replace(".", ",")
    pdf.multi_cell(0, 5, summary, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    if item.rows:
        pdf.bars(item.rows)
    if len(item.by_county) > 1:
        pdf.set_font("DejaVu", "", 9)
        for code, count, mean in item.by_county:
            shown = (
                _("fewer than 3")
                if mean is None
                else f"{count} · " + _("mean") + ": " + str(mean).replace(".", ",")
            )
            pdf.multi_cell(0, 4.5, f"{county_name(code) if code else _('Not given')}: {shown}",
                           new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    for answer in item.open_answers[:OPEN_ANSWERS_SHOWN]:
        pdf.multi_cell(0, 4.5, f"– {answer}", new_x="LMARGIN", new_y="NEXT")
    hidden = len(item.open_answers) - OPEN_ANSWERS_SHOWN
    if hidden > 0:
        pdf.multi_cell(0, 4.5, _("… and %(count)d more in the spreadsheet.", count=hidden),
                       new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.ln(4)


def results_pdf(
    questionnaire: Questionnaire, results: Results, language: str, described: str
) -> bytes:
    """The summary of `results` (already filtered; `described` says how)."""
    title = questionnaire.title(language)
    pdf = ResultsPdf(title)
    pdf.add_page()
    pdf.set_font("DejaVu", "", 8)
    pdf.cell(0, 4, _("Działamy Razem: seminars, training courses and meetings"),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    pdf.set_font("DejaVu", "B", 15)
    pdf.multi_cell(0, 8, title, new_x="LMARGIN", new_y="NEXT")
    _facts(pdf, questionnaire, results, described)
    _counties(pdf, results)
    if results.suppressed:
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(0, 5, _("Fewer than 3 responses match. The questionnaire is anonymous, "
                               "so figures for such a small group are not shown."))  # fmt: skip
    for item in results.questions:
        _question(pdf, item)
    return bytes(pdf.output())


def poster_pdf(questionnaire: Questionnaire, url: str, meeting_title: str = "") -> bytes:
    """The A4 poster for a print shop: what the poster page prints, as a file. The QR code
    holds `url` (the questionnaire's public link, with the meeting when given)."""
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    documents.add_fonts(pdf)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(20, 20, 20)
    pdf.set_title(_("Poster") + ": " + questionnaire.title_pl)
    pdf.add_page()
    centred = {"align": "C", "new_x": "LMARGIN", "new_y": "NEXT"}
    pdf.set_text_color(*BRAND)
    pdf.set_font("DejaVu", "B", 12)
    kicker = _("Działamy Razem")
    if questionnaire.programme:
        kicker += " · " + questionnaire.programme.name()
    pdf.multi_cell(0, 6, kicker, **centred)
    pdf.ln(6)
    pdf.set_text_color(26, 26, 26)
    pdf.set_font("DejaVu", "B", 34)
    pdf.multi_cell(0, 14, _("Tell us what you think"), **centred)
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 8, questionnaire.title_pl, **centred)
    if meeting_title:
        pdf.set_font("DejaVu", "", 14)
        pdf.multi_cell(0, 7, meeting_title, **centred)
    side = 110
    pdf.ln(4)
    pdf.image(io.BytesIO(ticket_png(url, box_size=20)), x=(pdf.w - side) / 2, w=side, h=side)
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 13)
    pdf.multi_cell(0, 6, _("Scan the code with your phone's camera, or type the address:"),
                   **centred)  # fmt: skip
    pdf.set_font("DejaVu", "B", 14)
    pdf.multi_cell(0, 7, url, **centred)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 13)
    closing = _("You can answer until %(date)s inclusive.",
                date=format_date(questionnaire.last_day, "d MMMM y"))  # fmt: skip
    if questionnaire.anonymous:
        closing += " " + _("The answers are anonymous.")
    pdf.multi_cell(0, 6, closing, **centred)
    return bytes(pdf.output())
