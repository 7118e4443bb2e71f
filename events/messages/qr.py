"""QR codes of tickets: the ticket code only, never personal data."""

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_Q


def ticket_png(ticket_code: str, box_size: int = 10) -> bytes:
    """A PNG of the ticket's QR code, error correction Q (a quarter of
    the symbol may be smudged), with the quiet zone.

    A 26-character code still fits version 2, a 25x25 module symbol: at box_size 10 the image
    is 330 px wide, readable by a phone from a screen or a print-out.
    """
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, box_size=box_size, border=4)
    code.add_data(ticket_code)
    code.make(fit=True)
    buffer = io.BytesIO()
    code.make_image(fill_color="black", back_color="white").save(buffer, format="PNG")
    return buffer.getvalue()
