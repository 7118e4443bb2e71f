"""What makes a password acceptable for an organizer or staff account.

At least 12 characters; not one of the common passwords shipped in
events/data/common-passwords.txt (also once its usual ending of digits and signs
and its l33t spelling are taken away: "P@ssw0rd2025!" is "password"); not a
character repeated or a pattern ("aaaaaaaaaaaa", "abcabcabcabc", "123456789012");
not the account's own address. A passphrase of several ordinary words is fine.
"""

import string
from functools import cache
from pathlib import Path

from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
MAX_LENGTH = 200
COMMON_FILE = Path(__file__).resolve().parent.parent / "data" / "common-passwords.txt"
_ENDS = string.digits + string.punctuation + string.whitespace
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "3": "e", "$": "s", "5": "s", "7": "t"})


@cache
def common_passwords() -> frozenset[str]:
    lines = COMMON_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def _periodic(text: str) -> bool:
    """The same piece over and over: "aaaa…", "abab…", "haslohaslo"."""
    return any(
        text == (text[:period] * (len(text) // period + 1))[: len(text)]
        for period in range(1, len(text) // 2 + 1)
    )


def _sequence(text: str) -> bool:
    """Each character one step from the previous one: "abcdefghijkl", "987654321098"."""
    steps = {(ord(b) - ord(a)) for a, b in zip(text, text[1:], strict=False)}
    return steps <= {1, -9} or steps <= {-1, 9}


def _spellings(password: str) -> set[str]:
    lowered = password.lower()
    core = lowered.strip(_ENDS)
    candidates = {lowered, core, lowered.replace(" ", ""), core.replace(" ", "")}
    for text in list(candidates):
        plain = text.translate(_LEET)
        candidates |= {plain, plain.replace("1", "i"), plain.replace("1", "l")}
        candidates.add(plain.strip(_ENDS))
    return {text for text in candidates if text}


def password_problem(password: str, email: str = ""):
    """None for an acceptable password, else what is wrong with it (translatable)."""
    if len(password) < MIN_LENGTH:
        return _l("The password must have at least %(n)d characters.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("The password can have at most %(n)d characters.", n=MAX_LENGTH)
    lowered = password.lower()
    if len(set(lowered)) < 5 or _periodic(lowered) or _sequence(lowered):
        return _l(
            "This password is a pattern that is easy to guess. "
            "Choose a few unrelated words, e.g. a short sentence."
        )
    if _spellings(password) & common_passwords():
        return _l(
            "This password is one of the most common ones. "
            "Choose a few unrelated words, e.g. a short sentence."
        )
    local_part = email.split("@")[0].lower()
    if len(local_part) >= 4 and local_part in lowered:
        return _l("The password must not contain your email address.")
    return None
