"""The certificate of completion as a PDF (fpdf2, DejaVu Sans for the Polish letters).

Built from what the certificate froze when it was issued (`Certificate.details`),
in the current language (the caller sets the person's), with a QR code of the
public verification address. Nothing is read from the live event: a course
renamed or moved later does not change a certificate already sent.
"""

import io
from datetime import datetime

import qrcode
from flask_babel import format_date, format_datetime, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M

from events import documents


def verification_png(url: str) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(url)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def dates_text(details: dict) -> str:
    """The dates attended (the event's own on certificates issued before they were
    frozen): "4 May 2027" or "4 May 2027 – 1 June 2027"."""
    first = format_date(_when(details.get("attended_from", details["starts_at"])), "d MMMM y")
    last = format_date(_when(details.get("attended_until", details["ends_at"])), "d MMMM y")
    return first if first == last else f"{first} – {last}"


def hours_text(minutes: int) -> str:
    return format_decimal(round(minutes / 60, 2))


def certificate_pdf(certificate, verify_url: str) -> bytes:
    """An A4 landscape certificate: who, what, when, hours and sessions, issuer, number, QR."""
    details = certificate.details
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    documents.add_fonts(pdf)
    pdf.set_title(f"{_('Certificate of completion')} {certificate.number}")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_draw_color(11, 83, 148)
    pdf.set_line_width(1.2)
    pdf.rect(8, 8, 281, 194)
    pdf.set_y(20)
    pdf.set_font("DejaVu", "", 11)
    pdf.cell(0, 6, details.get("issuer", ""), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("DejaVu", "B", 26)
    pdf.cell(0, 12, _("Certificate of completion"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 7, _("This is to certify that"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 20)
    name = certificate.holder_name or _("(name removed at the person's request)")
    pdf.cell(0, 12, name, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 7, _("completed"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "B", 16)
    pdf.multi_cell(0, 9, details["title"], align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", "", 12)
    pdf.cell(0, 7, dates_text(details), align="C", new_x="LMARGIN", new_y="NEXT")
    attended = _(
        "Hours attended: %(attended)s of %(total)s.",
        attended=hours_text(certificate.minutes_attended),
        total=hours_text(certificate.minutes_total),
    )
    pdf.cell(0, 7, attended, align="C", new_x="LMARGIN", new_y="NEXT")
    sessions = [item for item in details.get("sessions", []) if item.get("attended")]
    if sessions:
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 9)
        heading = _(
            "Sessions attended (%(attended)d of %(total)d):",
            attended=certificate.sessions_attended,
            total=certificate.sessions_total,
        )
        pdf.cell(0, 5, heading, align="C", new_x="LMARGIN", new_y="NEXT")
        for item in sessions:
            when = format_datetime(_when(item["starts_at"]), "d MMMM y")
            line = f"{item['title']}, {when}" if item.get("title") else when
            pdf.cell(0, 5, line, align="C", new_x="LMARGIN", new_y="NEXT")
    _footer(pdf, certificate, verify_url)
    return bytes(pdf.output())


def _footer(pdf: FPDF, certificate, verify_url: str) -> None:
    pdf.image(io.BytesIO(verification_png(verify_url)), x=20, y=158, w=34, h=34)
    pdf.set_xy(58, 164)
    pdf.set_font("DejaVu", "B", 10)
    pdf.cell(0, 5, _("Certificate no. %(number)s", number=certificate.number))
    pdf.set_xy(58, 170)
    pdf.set_font("DejaVu", "", 9)
    issued = format_date(certificate.issued_at, "d MMMM y")
    pdf.cell(0, 5, _("Issued on %(date)s.", date=issued))
    pdf.set_xy(58, 176)
    pdf.cell(0, 5, _("Check that it is genuine:"))
    pdf.set_xy(58, 181)
    pdf.set_text_color(11, 83, 148)
    pdf.cell(0, 5, verify_url, link=verify_url)
    pdf.set_text_color(0, 0, 0)
