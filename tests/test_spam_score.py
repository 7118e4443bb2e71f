"""Every kind of email, in both languages, scored by SpamAssassin with its local rules.

`spamassassin -L -t` uses no network test (no DNS blocklists, no Razor), so the
score depends on the message alone. One run scores all the messages (as an
mbox): SpamAssassin takes seconds to start. SQLite only: the database does not
change a byte of what is sent.
"""

import re
import shutil
import subprocess

import pytest

from tests.conftest import skip_or_fail
from tests.mail_samples import every_kind

pytestmark = pytest.mark.usefixtures("ctx")

STATUS = re.compile(
    rb"X-Spam-Status: \w+, score=(-?[\d.]+) required=\S+ tests=(.*?) autolearn", re.S
)


@pytest.fixture
def database_url(tmp_path):
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app_config(smtp_server):
    return {
        "MAIL_SERVER": smtp_server.hostname,
        "MAIL_PORT": smtp_server.port,
        "ORGANIZER_CONTACT": "Biuro Działamy Razem <biuro@example.org>",
    }


SEPARATOR = b"From sender@example.org Thu Nov 26 10:00:00 2026\n"


def as_mbox(messages) -> bytes:
    chunks = []
    for raw in messages:
        body = raw.replace(b"\r\n", b"\n").replace(b"\nFrom ", b"\n>From ")
        chunks.append(SEPARATOR + body + b"\n")
    return b"".join(chunks)


def test_every_kind_of_email_scores_zero(smtp_server):
    spamassassin = shutil.which("spamassassin")
    if spamassassin is None:
        skip_or_fail("SpamAssassin is not installed", "REQUIRE_SPAMASSASSIN")
    kinds = []
    for language in ("pl", "en"):
        kinds += [
            (f"{kind}.{language}", m) for kind, m in every_kind(smtp_server, language).items()
        ]
    report = subprocess.run(
        [spamassassin, "-L", "-t", "--mbox"],
        input=as_mbox(message.raw_bytes for _, message in kinds),
        capture_output=True,
        timeout=600,
        check=True,
    ).stdout
    # SpamAssassin may score an mbox's messages in any order: each is named by its To.
    scores = {}
    for chunk in report.split(SEPARATOR)[1:]:
        recipient = re.search(rb"(?m)^To: .*?<?([^<>\s]+@[^<>\s]+)>?\r?$", chunk).group(1).decode()
        score, rules = STATUS.search(chunk).groups()
        scores[recipient.split("@")[0]] = (float(score), b"".join(rules.split()).decode())
    assert set(scores) == {name for name, _ in kinds}  # every message was scored
    assert {name: s for name, s in scores.items() if s[0] > 0} == {}
