"""One blueprint per area of use, and the small parsing helpers they share."""

from urllib.parse import urlsplit


def parse_enum(enum_class, value, default=None):
    """The member of `enum_class` with this value; `default` for anything else."""
    return enum_class(value) if value in enum_class._value2member_map_ else default


def local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects, and no
    control characters, which would break the Location header or split it)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return default
    if not target.isprintable() or "\\" in target:
        return default
    parts = urlsplit(target)
    return default if parts.scheme or parts.netloc else target
