"""Every kind of email, in both languages, read as the RFCs and a spam filter read it.

The messages are produced by the services and received by a real SMTP server
(tests/mail_samples.py); here their bytes are checked against RFC 2045-2047 and
parsed by Python's email package in strict mode. (test_spam_score.py scores
the same messages with SpamAssassin.)
"""

import re
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa

from events.extensions import db
from tests.mail_samples import KINDS, TITLE, every_kind

pytestmark = pytest.mark.usefixtures("ctx")

ENCODED_WORD = re.compile(rb"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
SUBJECT_START = {
    "pl": {"confirmed": "Potwierdzenie rejestracji: ", "pending": "Otrzymaliśmy zgłoszenie: "},
    "en": {"confirmed": "Registration confirmed: ", "pending": "Application received: "},
}


@pytest.fixture
def app_config(smtp_server):
    return {
        "MAIL_SERVER": smtp_server.hostname,
        "MAIL_PORT": smtp_server.port,
        "ORGANIZER_CONTACT": "Biuro Działamy Razem <biuro@example.org>",
    }


def sections(raw: bytes):
    """(headers, body) of the message and of every part, as bytes."""
    found = []

    def split(message, data):
        head, _, body = data.partition(b"\r\n\r\n")
        found.append((head, body))
        if message.is_multipart():
            boundary = message.get_boundary().encode()
            chunks = body.split(b"--" + boundary)[1:-1]
            for part, chunk in zip(message.get_payload(), chunks, strict=True):
                split(part, chunk.removeprefix(b"\r\n"))

    split(message_from_bytes(raw, policy=policy.SMTP), raw)
    return found


def check_rfc_rules(raw: bytes) -> list[str]:
    """What in these bytes breaks RFC 2045-2047 (an empty list when nothing does)."""
    problems = []
    strict = message_from_bytes(raw, policy=policy.strict.clone(linesep="\r\n"))
    for part in strict.walk():
        problems += [f"defect {defect!r}" for defect in part.defects]
    if raw.count(b"\r\nMIME-Version:") + raw.startswith(b"MIME-Version:") != 1:
        problems.append("MIME-Version is not given exactly once")
    for head, body in sections(raw):
        for line in head.split(b"\r\n"):
            for word in ENCODED_WORD.findall(line):
                if len(word) > 75:
                    problems.append(f"encoded word of {len(word)} characters")
            if ENCODED_WORD.search(line) and len(line) > 76:
                problems.append(f"header line with encoded words of {len(line)} characters")
        encoding = re.search(rb"(?im)^content-transfer-encoding:\s*(\S+)", head)
        if encoding and encoding.group(1).lower() in (b"base64", b"quoted-printable"):
            longest = max(len(line) for line in body.split(b"\r\n"))
            if longest > 76:
                problems.append(f"{encoding.group(1).decode()} line of {longest} characters")
    for part in strict.walk():
        if part.get_content_type() == "multipart/related" and part.get_param("type") != "text/html":
            problems.append("multipart/related without type=text/html")
    calendars = [
        p
        for p in strict.walk()
        if p.get_content_maintype() == "text" and "calendar" in p.get_content_type()
    ]
    if len(calendars) > 1:
        problems.append(f"{len(calendars)} calendar parts")
    return problems


@pytest.mark.parametrize("language", ["pl", "en"])
def test_every_kind_of_email_follows_the_mime_rules(smtp_server, language):
    messages = every_kind(smtp_server, language)
    assert set(messages) == set(KINDS)
    for kind, message in messages.items():
        assert check_rfc_rules(message.raw_bytes) == [], kind
        subject = str(message["Subject"])
        assert "  " not in subject and subject == subject.strip(), kind
        if kind not in ("organizer_message", "your_links"):
            assert subject.endswith(TITLE), (kind, subject)  # no space lost or doubled
        if kind in SUBJECT_START[language]:
            assert subject == SUBJECT_START[language][kind] + TITLE
        assert message["Reply-To"] == "Biuro Działamy Razem <biuro@example.org>", kind
        written_in = "pl" if kind == "invitation" else language  # a list has no language
        assert message["Content-Language"] == written_in, kind
        to = message.raw_bytes.split(b"\r\nTo: ", 1)[1].split(b"\r\n", 1)[0]
        assert to.endswith(f"<{kind}.{language}@example.org>".encode()), (kind, to)
        assert all(len(line) <= 78 for line in message.raw_bytes.split(b"\r\n\r\n")[0].split(
            b"\r\n")), kind  # fmt: skip


def test_list_unsubscribe_is_folded_and_still_the_one_click_link(smtp_server, client):
    message = every_kind(smtp_server, "pl")["organizer_message"]
    head = message.raw_bytes.split(b"\r\n\r\n")[0].decode()
    folded = re.search(r"\r\nList-Unsubscribe: (.*?)\r\n(?! )", head, re.S).group(1)
    assert "\r\n " in folded  # on several lines...
    assert all(len(line) <= 78 for line in f"List-Unsubscribe: {folded}".split("\r\n"))
    url = "".join(folded.split())  # ...with the white space inside <> ignored (RFC 2369)
    assert url.startswith("<https://") and url.endswith(">")
    body = message.get_body(("plain",)).get_content()
    assert url[1:-1] in body  # the same link as the one in the text
    path = url[1:-1].removeprefix("https://rejestracja.example.org")
    one_click = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200


def test_a_message_keeps_its_message_id_when_rendered_again(smtp_server):
    from events.messages.compose import build_message
    from events.messages.ics import uid_domain
    from events.models import OutboxMessage

    every_kind(smtp_server, "pl")
    domain = uid_domain()
    first, second = db.session.scalars(sa.select(OutboxMessage).limit(2)).all()
    sender = "Działamy Razem <no-reply@example.org>"
    ids = [build_message(first, sender, domain)["Message-ID"] for _ in range(2)]
    assert ids[0] == ids[1] and ids[0].startswith("<") and ids[0].endswith(f"@{domain}>")
    assert build_message(second, sender, domain)["Message-ID"] != ids[0]
    sent = [m for _, m in smtp_server.inbox.messages if m["Message-ID"] == ids[0]]
    assert len(sent) == 1  # what was sent carries that same id


def test_the_checks_find_what_the_old_messages_did_wrong():
    """The rules above can fail: a message built as before breaks each of them."""
    body = "x" * 990
    old = (
        "MIME-Version: 1.0\r\nSubject: =?utf-8?q?" + "a" * 90 + "?=\r\n"
        'Content-Type: multipart/related; boundary="b"\r\n\r\n'
        "--b\r\nMIME-Version: 1.0\r\nContent-Type: text/html\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + body + "\r\n--b--\r\n"
    ).encode()
    problems = " | ".join(check_rfc_rules(old))
    for expected in (
        "MIME-Version",
        "encoded word of 102",
        "base64 line of 990",
        "multipart/related without type",
    ):
        assert expected in problems
