"""One blueprint per area of use, and the small parsing helpers they share."""

from urllib.parse import urlsplit

from flask import request

ID_MAX = 2**31 - 1  # the largest id a column of PostgreSQL's `integer` type holds


def parse_enum(enum_class, value, default=None):
    """The member of `enum_class` with this value; `default` for anything else."""
    return enum_class(value) if value in enum_class._value2member_map_ else default


def parse_id(raw: str | None) -> int | None:
    """A database id (1 to 2**31-1) written in ASCII digits; None for anything else
    (empty, signed, "²" or "١" that `isdigit` accepts, or too large for the column)."""
    if not raw or len(raw) > 10 or not (raw.isascii() and raw.isdigit()):
        return None
    number = int(raw)
    return number if 1 <= number <= ID_MAX else None


def query_id(name: str) -> int | None:
    """The id in the query string's `name`, bounded as `parse_id`; None when absent or bad."""
    return parse_id(request.args.get(name))


def form_id(name: str) -> int | None:
    """The id in the posted form's `name`, bounded as `parse_id`."""
    return parse_id(request.form.get(name))


def local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects, and no
    control characters, which would break the Location header or split it)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if not target.isprintable() or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target
