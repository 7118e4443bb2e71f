"""The MIME structure of an outbox message, built with Python's email package.

    multipart/mixed
      multipart/alternative
        text/plain
        multipart/related        (text/html + the QR code as a CID image)
        text/calendar; method=…  (the invite Gmail and Outlook show)
      image/png                  (bilet.png)
      text/calendar; method=…    (invite.ics)

Flask-Mail sends it: `PreparedMessage` hands the built message to Flask-Mail's
connection, which keeps its configuration, TLS, login and header checks.
"""

from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask_mail import Message

QR_CONTENT_ID = "ticket-qr@dzialamy-razem"
# CRLF line ends, as SMTP requires. Headers stay on one line up to SMTP's limit:
# Python's folding of encoded words loses or doubles spaces in subjects.
SMTP_POLICY = policy.SMTP.clone(max_line_length=998)


def one_line(text: str, limit: int = 250) -> str:
    """Header text: no line breaks (they would inject headers), reasonable length."""
    return " ".join(text.split())[:limit]


def build_mime(row, sender: str, domain: str) -> EmailMessage:
    """`row` is a `compose.Rendered`: subject, bodies, and the optional QR and calendar."""
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = one_line(row.subject)
    message["From"] = sender
    message["To"] = row.recipient
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}", domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row.body_text)
    message.add_alternative(row.body_html, subtype="html")
    if row.qr_png:
        html_part = message.get_payload()[1]
        html_part.add_related(row.qr_png, "image", "png", cid=f"<{QR_CONTENT_ID}>")
    if row.calendar:
        message.add_alternative(
            row.calendar,
            subtype="calendar",
            cte="quoted-printable",
            params={"method": row.calendar_method},
        )
    if row.qr_png:
        message.add_attachment(row.qr_png, "image", "png", filename="bilet.png")
    if row.calendar:
        message.add_attachment(
            row.calendar.encode(),
            "text",
            "calendar",
            filename="invite.ics",
            params={"method": row.calendar_method, "charset": "utf-8"},
        )
    return message


class PreparedMessage(Message):
    """A Flask-Mail message whose MIME body was built by `build_mime`."""

    def __init__(self, mime: EmailMessage):
        super().__init__(subject=mime["Subject"], recipients=[mime["To"]], sender=str(mime["From"]))
        self.mime = mime

    def _message(self):
        return self.mime
