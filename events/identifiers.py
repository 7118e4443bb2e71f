"""How people's addresses and ticket codes are compared, and how secrets and codes are made.

Below every other module: models, services and views use the same forms, so
that an address typed differently (case, a Polish domain in Unicode or in its
ASCII form) is still the same person everywhere, erasure included.
"""

import base64
import contextlib
import hashlib
import hmac
import re
import secrets

MAX_CODE_LENGTH = 64  # a ticket code as scanned is cut to this many characters
_NOT_CODE = re.compile(r"[^A-Z0-9]")


def normalize_email(raw: str) -> str:
    """The form in which addresses are stored and compared.

    No surrounding spaces, lower case, and an internationalized domain in its
    ASCII form (przykład.pl becomes xn--przykad-rjb.pl), which every mail
    server accepts.
    """
    local, at, domain = raw.strip().rpartition("@")
    with contextlib.suppress(UnicodeError):  # not a valid domain: the form says so
        domain = domain.encode("idna").decode("ascii")
    return f"{local}{at}{domain}".lower()


def normalize_code(raw: str) -> str:
    """What a scanner or a person may add around a ticket code is dropped: spaces,
    dashes, lower case. Anything else is kept, so that it simply matches nothing."""
    code = raw.strip().upper()
    return _NOT_CODE.sub("", code) if len(code) <= 2 * MAX_CODE_LENGTH else code


def one_edit_apart(typed: str, real: str) -> bool:
    """True when `typed` becomes `real` by changing, dropping or adding one character."""
    if typed == real or abs(len(typed) - len(real)) > 1:
        return False
    if len(typed) == len(real):
        return sum(a != b for a, b in zip(typed, real, strict=True)) == 1
    shorter, longer = sorted((typed, real), key=len)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def address_hash(email: str, key: str) -> str:
    """A keyed hash (HMAC-SHA256) of an address: it tells whether an address is on a
    list without the list holding the address. `key` is the app's secret key."""
    message = normalize_email(email).encode()
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def new_secret() -> str:
    """A secret for a private link: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_manage_token() -> str:
    """The secret part of the "my registration" link: 256 random bits."""
    return secrets.token_urlsafe(32)


def new_ticket_code() -> str:
    """The code in the QR ticket: 128 random bits in upper-case base32 (26 characters).

    Upper case letters and digits keep the QR code small (alphanumeric mode)
    and avoid look-alike characters when a code has to be typed at the door.
    """
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=")
