"""Name badges: A4 sheets of 8 badges to cut, label sheets of 24, and one badge for a
walk-in printed at the door.

A badge carries the person's name, organization and county, and the ticket's QR code
made by events.messages.qr from the ticket code alone: the image of the confirmation
email and the ticket page, so the door scanner reads a badge as it reads a ticket.
Only confirmed registrations get one, in the order of the attendance sheet (by last
name, in Polish alphabetical order). A long text is first set smaller on one line,
then wrapped; DejaVu Sans is embedded (events.documents), so Polish letters print.

About 5 ms a badge, most of it making the QR code (qrcode tries its 8 masks): 200
badges take a second, 2,000 about ten.
"""

import io
import re
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from events import documents
from events.counties import county_short_name
from events.extensions import db
from events.messages.qr import ticket_png
from events.models import Event, Registration
from events.services import NotFound
from events.services.lifecycle import confirmed_people, holds_seat

PT = 25.4 / 72  # mm per point
LEADING = 1.2  # line height as a multiple of the font size
STEP = 0.5  # points: how much smaller each try is set
WIDTHS_KEPT = 20_000  # measured texts remembered, at most


@dataclass(frozen=True)
class Box:
    """Where one text goes on a badge (mm from the badge's top left corner), and how
    it may be set: one line from `largest` down to `single` points, then wrapped into
    at most `lines` lines from `largest` down to `smallest`. `align` "C": centred across
    the box and down it."""

    x: float
    y: float
    w: float
    h: float
    largest: float
    single: float
    smallest: float
    lines: int
    style: str = ""
    align: str = "L"
    grey: bool = False


@dataclass(frozen=True)
class Sheet:
    """A page of badges: `columns` × `rows` badges of `badge` mm, the first at `origin`,
    side by side without gaps; `qr`: the code's top left corner and side."""

    key: str
    label: str
    columns: int
    rows: int
    badge: tuple[float, float]
    origin: tuple[float, float]
    name: Box
    organization: Box
    county: Box
    qr: tuple[float, float, float]
    title: Box | None = None  # the event's title, on badges large enough for it
    cut_lines: bool = False  # dashed outlines to cut along (label sheets come cut)

    @property
    def per_page(self) -> int:
        return self.columns * self.rows


SHEETS = {
    sheet.key: sheet
    for sheet in (
        # A4 portrait, 2 × 4 badges of 95 × 67 mm (for badge holders of that size or
        # larger), margins of 10 mm at the sides and 14.5 mm at the top and bottom.
        Sheet(
            key="a4",
            label=_l("A4, 8 badges to cut (2 × 4, 95 × 67 mm)"),
            columns=2,
            rows=4,
            badge=(95, 67),
            origin=(10, 14.5),
            title=Box(5, 4, 85, 4, 7, 7, 7, 1, grey=True),
            name=Box(5, 9.5, 85, 20, 20, 15, 10, 2, style="B", align="C"),
            organization=Box(5, 32, 53, 20, 11, 9, 7, 3),
            county=Box(5, 56, 53, 5, 9, 7, 7, 1, grey=True),
            qr=(60, 32, 30),
            cut_lines=True,
        ),
        # Labels of 70 × 37 mm, 3 × 8 on an A4 sheet without side margins (as Avery
        # Zweckform 3474): the text keeps 5 mm from the sides, which printers leave blank.
        Sheet(
            key="labels",
            label=_l("Labels: A4 with 24 labels of 70 × 37 mm (3 × 8, as Avery Zweckform 3474)"),
            columns=3,
            rows=8,
            badge=(70, 37),
            origin=(0, 0.5),
            name=Box(5, 3.5, 35, 12, 12, 9, 7, 3, style="B"),
            organization=Box(5, 16.5, 35, 11, 8, 7, 6, 3),
            county=Box(5, 29, 35, 4, 7, 6, 6, 1, grey=True),
            qr=(41, 6.5, 24),
        ),
    )
}


def sheet_for(key: str | None) -> Sheet | None:
    """The sheet of this key (`a4` when none is given); None for an unknown one."""
    return SHEETS.get(key or "a4")


def badge_people(event_id: int, not_checked_in: bool = False) -> list[Registration]:
    """Who gets a badge: the confirmed people in the attendance sheet's order, without
    erased registrations; with `not_checked_in`, only those not yet at the door."""
    return [
        person
        for person in confirmed_people(event_id)
        if not person.is_anonymized and not (not_checked_in and person.is_checked_in)
    ]


def badge_holder(event_id: int, registration_id: int) -> Registration:
    """One confirmed registration of this event, for its badge. Raises NotFound for
    another event's registration, one without a seat, or an erased one."""
    registration = db.session.scalar(
        sa.select(Registration).where(
            holds_seat(event_id),
            Registration.id == registration_id,
            Registration.anonymized_at.is_(None),
        )
    )
    if registration is None:
        raise NotFound(_l("This event has no confirmed registration with this number."))
    return registration


class BadgePdf(FPDF):
    """A4 portrait pages of one sheet's badges, DejaVu Sans embedded, no page margins
    (the sheet places every badge itself)."""

    def __init__(self, event: Event, sheet: Sheet):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.event, self.sheet = event, sheet
        documents.add_fonts(self)
        self.set_auto_page_break(False)
        self.set_margins(0, 0)
        self.set_title(f"{_('Name badges')} – {event.title}")
        self._widths: dict[tuple[str, str], float] = {}

    def width(self, text: str, size: float, style: str) -> float:
        """The width of `text` in mm at `size` points: measured once at 1 point (a width
        grows with the size), since fitting tries many sizes and organizations repeat."""
        key = (style, text)
        if key not in self._widths:
            if len(self._widths) > WIDTHS_KEPT:
                self._widths.clear()
            self.set_font("DejaVu", style, 1)
            self._widths[key] = self.get_string_width(text)
        return self._widths[key] * size


def badges_pdf(
    event: Event, people: list[Registration], sheet: Sheet, first_slot: int = 1
) -> bytes:
    """The badges of `people` in their order, row by row, from slot `first_slot` (1 is the
    top left) of the first page on: a sheet of labels partly used already is used up."""
    pdf = BadgePdf(event, sheet)
    skipped = min(max(first_slot, 1), sheet.per_page) - 1
    if not people:
        pdf.add_page()
        pdf.set_font("DejaVu", "", 12)
        pdf.text(20, 30, _("No badges: no confirmed person matches."))
    for index, person in enumerate(people, start=skipped):
        slot = index % sheet.per_page
        if slot == 0 or index == skipped:
            pdf.add_page()
        column, row = slot % sheet.columns, slot // sheet.columns
        x = sheet.origin[0] + column * sheet.badge[0]
        y = sheet.origin[1] + row * sheet.badge[1]
        draw_badge(pdf, x, y, person)
    return bytes(pdf.output())


def draw_badge(pdf: BadgePdf, x: float, y: float, person: Registration) -> None:
    """One badge with its top left corner at (x, y)."""
    sheet = pdf.sheet
    if sheet.cut_lines:
        pdf.set_draw_color(170, 170, 170)
        pdf.set_line_width(0.2)
        with pdf.local_context():
            pdf.set_dash_pattern(dash=1.5, gap=1.5)
            pdf.rect(x, y, *sheet.badge)
    if sheet.title is not None:
        _write(pdf, x, y, sheet.title, pdf.event.title)
    _write(pdf, x, y, sheet.name, person.full_name)
    _write(pdf, x, y, sheet.organization, person.organization)
    _write(pdf, x, y, sheet.county, county_short_name(person.county))
    left, top, side = sheet.qr
    # box_size 4: 4 pixels a module, sharp at any print size (the PDF scales it).
    image = io.BytesIO(ticket_png(person.ticket_code, box_size=4))
    pdf.image(image, x=x + left, y=y + top, w=side, h=side)


def _write(pdf: BadgePdf, x: float, y: float, box: Box, text: str | None) -> None:
    if not text or not text.strip():
        return  # nothing to print (an organization left empty, say)
    size, lines = fit(pdf, text, box)
    centred = box.align == "C"
    shifts = [(box.w - pdf.width(line, size, box.style)) / 2 if centred else 0 for line in lines]
    pdf.set_font("DejaVu", box.style, size)
    pdf.set_text_color(90, 90, 90) if box.grey else pdf.set_text_color(0, 0, 0)
    height = _height(size)
    drop = (box.h - len(lines) * height) / 2 if centred else 0
    for number, (line, shift) in enumerate(zip(lines, shifts, strict=True)):
        baseline = y + box.y + drop + number * height + size * PT
        pdf.text(x + box.x + shift, baseline, line)


def fit(pdf: BadgePdf, text: str, box: Box) -> tuple[float, list[str]]:
    """The size and the lines `text` is set in within `box`: one line at the largest
    size that fits, down to `box.single`; else wrapped at the largest size whose lines
    fit, down to `box.smallest`, at spaces, or if need be also after hyphens; else at the
    smallest size, the last line that fits ending with "…"."""
    text = " ".join(text.split())
    steps = int((box.largest - box.smallest) / STEP)
    sizes = [box.largest - STEP * step for step in range(steps + 1)]
    for size in sizes:
        if size < box.single or _height(size) > box.h:
            break
        if pdf.width(text, size, box.style) <= box.w:
            return size, [text]
    for hyphens in (False, True):  # a double surname is broken only when nothing else fits
        for size in sizes:
            lines = _wrap(pdf, text, box, size, hyphens)
            fits = len(lines) <= box.lines and len(lines) * _height(size) <= box.h + 0.01
            if fits and all(pdf.width(line, size, box.style) <= box.w for line in lines):
                return size, lines
    size = box.smallest
    room = max(1, min(box.lines, int((box.h + 0.01) // _height(size))))
    lines = _wrap(pdf, text, box, size)
    kept = [_cut(pdf, line, box, size) for line in lines[:room]]
    if len(lines) > room:
        kept[-1] = _cut(pdf, kept[-1], box, size, ellipsis=True)
    return size, kept


def _height(size: float) -> float:
    """The height in mm of a line set in `size` points."""
    return size * PT * LEADING


def _wrap(pdf: BadgePdf, text: str, box: Box, size: float, hyphens: bool = True) -> list[str]:
    """Greedy lines of at most `box.w` mm, broken at spaces and, with `hyphens`, after
    hyphens (a double surname breaks as "Nowak-" / "Kowalska"); a piece wider than the
    box stays whole on its own line."""
    lines, current = [], ""
    for word in text.split():
        pieces = re.split(r"(?<=-)(?=.)", word) if hyphens else [word]
        for number, piece in enumerate(pieces):
            glue = " " if number == 0 and current else ""
            candidate = current + glue + piece
            if not current or pdf.width(candidate, size, box.style) <= box.w:
                current = candidate
            else:
                lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def _cut(pdf: BadgePdf, line: str, box: Box, size: float, ellipsis: bool = False) -> str:
    """The line shortened to the box with "…" when it is too wide (or `ellipsis`)."""
    if not ellipsis and pdf.width(line, size, box.style) <= box.w:
        return line
    while line and pdf.width(line + "…", size, box.style) > box.w:
        line = line[:-1]
    return line.rstrip(" -") + "…"
