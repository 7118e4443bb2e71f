"""The MIME structure of an outbox message, built with Python's email package.

    multipart/mixed
      multipart/alternative
        text/plain
        multipart/related; type="text/html"   (text/html + the QR code as a CID image)
        text/calendar; method=…                (the one calendar part: Gmail, Outlook
                                                and Apple Mail read it from here)
      image/png                                (bilet.png)

The rules followed (RFC 2045, 2046, 2047): base64 and quoted-printable lines of
at most 76 characters; encoded words of at most 75 characters, each header line
that holds them at most 76; `type` on multipart/related; MIME-Version once, on
the message itself; bodies in quoted-printable, so any SMTP server takes them.

Flask-Mail sends it: `PreparedMessage` is a Flask-Mail message whose public
`as_bytes()`/`as_string()` give the built message, so Flask-Mail's connection
keeps its configuration, TLS, login and header checks.

The Message-ID is made from the outbox row, so a message sent twice (a worker
killed between the server's answer and its record) carries the same one both
times, and mail clients show it once.
"""

from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate

from flask_mail import Message

QR_CONTENT_ID = "ticket-qr@dzialamy-razem"
# CRLF line ends, as SMTP requires; 76 characters, the limit of RFC 2045 for
# base64 and quoted-printable lines (the email package uses it for both).
# Headers set raw (List-Unsubscribe's long URL, the folded Subject) are sent as given.
SMTP_POLICY = policy.SMTP.clone(max_line_length=76, refold_source="none")
ENCODED_WORD_LIMIT = 75  # RFC 2047, section 2
# Headers a rendered message may add; nothing else. Reply-To may hold a name with
# Polish letters (encoded); the List-* headers are ASCII URLs that must not be
# encoded: they are folded inside their angle brackets, where RFC 2369 (and
# RFC 3986, appendix C) says white space is ignored.
EXTRA_HEADERS = ("Reply-To",)
URL_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")
# Printable ASCII that stays as it is inside a Q-encoded word (RFC 2047, 5 (3)).
_Q_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!*+-/")


def one_line(text: str, limit: int = 250) -> str:
    """Header text: no line breaks (they would inject headers), reasonable length."""
    return " ".join(text.split())[:limit]


def _q_char(char: str) -> str:
    if char in _Q_SAFE:
        return char
    if char == " ":
        return "_"
    return "".join(f"={byte:02X}" for byte in char.encode())


def encoded_words(name: str, text: str) -> str:
    """`text` as Q-encoded words (RFC 2047) folded onto lines of at most 76 characters.

    Every space is kept inside an encoded word (as "_"): the white space between
    two encoded words is dropped by readers, so no space is lost or doubled, and
    a character's bytes never straddle two words.
    """
    prefix, suffix = "=?utf-8?q?", "?="
    budget = 76 - len(name) - 2  # "Subject: " on the first line
    words, current = [], ""
    for char in text:
        piece = _q_char(char)
        limit = min(budget, ENCODED_WORD_LIMIT) - len(prefix) - len(suffix)
        if current and len(current) + len(piece) > limit:
            words.append(prefix + current + suffix)
            current, budget = "", 75  # later lines start with one space
        current += piece
    words.append(prefix + current + suffix)
    return "\r\n ".join(words)


def set_text_header(message: EmailMessage, name: str, text: str) -> None:
    """Plain ASCII as it is (folded at spaces); anything else as encoded words."""
    if text.isascii():
        message[name] = text
    else:
        message.set_raw(name, encoded_words(name, text))


def message_id(row_id: int, created_at, domain: str) -> str:
    """The same for every rendering of an outbox row; the time it was queued keeps it
    unique when a database is started afresh and its ids begin again at 1."""
    stamp = created_at.strftime("%Y%m%d%H%M%S%f") if created_at else "0"
    return f"<{stamp}.outbox-{row_id}@{domain}>"


def fold_url_header(name: str, value: str, width: int = 78) -> str:
    """`<url>` folded after its / ? & = characters, each line at most `width` long
    when the URL allows it (one piece longer than a line stays whole)."""
    pieces, current = [], ""
    for char in value:
        current += char
        if char in "/?&=":
            pieces.append(current)
            current = ""
    pieces.append(current)
    lines, line = [], name + ": "
    for piece in pieces:
        if len(line) + len(piece) > width and line.strip() not in ("", name + ":"):
            lines.append(line)
            line = " "
        line += piece
    lines.append(line)
    return "\r\n".join(lines)[len(name) + 2 :]


def recipient(address: str, name: str | None) -> Address | str:
    """`Anna Nowak <anna@example.org>`, or `<anna@example.org>` without a name: a bare
    address on To is what spam filters count against a message."""
    if name and one_line(name, 120):
        try:
            return Address(display_name=one_line(name, 120), addr_spec=address)
        except (ValueError, IndexError):  # an address the header registry refuses
            pass
    return f"<{address}>"


def build_mime(row, sender: str, domain: str) -> EmailMessage:
    """`row` is a `compose.Rendered`: subject, bodies, headers, the optional QR and calendar."""
    message = EmailMessage(policy=SMTP_POLICY)
    set_text_header(message, "Subject", one_line(row.subject))
    message["From"] = sender
    message["To"] = recipient(row.recipient, row.recipient_name)
    extra = row.headers or {}
    for name in EXTRA_HEADERS:
        if extra.get(name):
            message[name] = one_line(extra[name], 500)
    for name in URL_HEADERS:
        value = one_line(extra.get(name) or "", 900)
        if value and value.isascii():
            message.set_raw(name, fold_url_header(name, value))
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id(row.id, row.created_at, domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text, cte="quoted-printable")
    message.add_alternative(row.body_html, subtype="html", cte="quoted-printable")
    if row.qr_png:
        html_part = message.get_payload()[1]
        html_part.add_related(row.qr_png, "image", "png", cid=f"<{QR_CONTENT_ID}>")
        html_part.set_param("type", "text/html")
    if row.calendar:
        message.add_alternative(
            row.calendar,
            subtype="calendar",
            cte="quoted-printable",
            params={"method": row.calendar_method},
        )
    if row.qr_png:
        message.add_attachment(row.qr_png, "image", "png", filename="bilet.png")
    for filename, maintype, subtype, content in getattr(row, "attachments", None) or []:
        message.add_attachment(content, maintype, subtype, filename=filename)
    for part in message.walk():
        if part is not message:
            del part["MIME-Version"]
    if row.language:  # last: the email package moves Content-* headers into new parts
        message["Content-Language"] = row.language
    return message


class PreparedMessage(Message):
    """A Flask-Mail message whose MIME form was built by `build_mime`: Flask-Mail's
    connection sends what `as_bytes()` gives, to `address` (the envelope's RCPT TO)."""

    def __init__(self, mime: EmailMessage, address: str):
        super().__init__(subject=str(mime["Subject"]), recipients=[address],
                         sender=str(mime["From"]))  # fmt: skip
        self.mime = mime

    def as_bytes(self) -> bytes:
        return self.mime.as_bytes()

    def as_string(self) -> str:
        return self.mime.as_string()
