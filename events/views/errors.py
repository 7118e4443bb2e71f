"""Error pages in the visitor's language: 400 (including a missing CSRF token), 403,
404, 405, 413 (a request too large), 429 (too many requests), 500, and 503 when the
database refuses to write (read-only or full) or cannot be reached. The JSON API
gets JSON."""

import logging

import psycopg
from flask import Blueprint, abort, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError

from events.extensions import db
from events.logs import redact_secrets
from events.services import DomainError
from events.views.problems import problem

log = logging.getLogger(__name__)

bp = Blueprint("errors", __name__)

_TITLES = {
    400: _l("The request could not be processed"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    409: _l("This is not possible"),
    413: _l("The request is too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
    503: _l("Temporarily unavailable"),
}
_HINTS = {
    400: _l("Go back, reload the page and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("The address may be mistyped, or the page was removed."),
    405: _l("Go back, reload the page and try again."),
    409: _l("Go back, reload the page and try again."),
    413: _l("What you sent is more than this site accepts. Shorten the text and send it again."),
    429: _l("You sent too many requests in a short time. Wait a few minutes and try again."),
    500: _l("Please try again in a moment. Your data was not lost if you saw a confirmation."),
    503: _l(
        "We cannot save anything at the moment. Please try again later: "
        "nothing you sent now was saved."
    ),
}
_PROBLEM_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "too_many_requests",
    500: "server_error", 503: "unavailable",
}  # fmt: skip
# How long a client should wait after a 503 (the database refusing writes).
RETRY_AFTER_SECONDS = 300


def _page(code: int, hint=None, refusal_code: str = ""):
    if request.path.startswith("/api/v1/"):  # the versioned API: RFC 9457 problem details
        detail = str(hint or _HINTS.get(code, _TITLES[code]))
        return problem(code, _TITLES[code], detail, code=refusal_code or _PROBLEM_CODES[code])
    if request.path.startswith("/api/"):
        return jsonify({"error": str(hint or _TITLES[code])}), code
    return (
        render_template(
            "errors/error.html", code=code, title=_TITLES[code], hint=hint or _HINTS[code]
        ),
        code,
    )


@bp.before_app_request
def refuse_nul_characters():
    """A NUL character in an address is never legitimate, and PostgreSQL refuses it in
    queries; stop it here with a 400 rather than deep inside a view with a 500."""
    if "\x00" in request.path or any("\x00" in value for value in request.args.values()):
        abort(400)


@bp.app_errorhandler(CSRFError)
def csrf_error(_error):
    return _page(
        400, _l("The form expired or was sent from elsewhere. Reload the page and send it again.")
    )


@bp.app_errorhandler(DomainError)
def refusal(error: DomainError):
    """A refusal no view turned into its own page: its message, with its class's status
    (404 for NotFound, 429 for Throttled, 409 otherwise), never a 500."""
    db.session.rollback()
    return _page(error.status if error.status in _TITLES else 409, error.message, str(error.code))


@bp.app_errorhandler(400)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
@bp.app_errorhandler(413)
@bp.app_errorhandler(429)
@bp.app_errorhandler(500)
def http_error(error):
    code = getattr(error, "code", 500) or 500
    if code == 500:
        db.session.rollback()  # the page must render even after a failed transaction
    return _page(code)


# What the databases say when they cannot store anything: SQLite's messages, and
# PostgreSQL's SQLSTATE classes 25006 (read-only transaction) and 53 (disk full,
# out of memory or connections).
_SQLITE_STORAGE = ("readonly database", "database or disk is full", "disk i/o error")
_PG_STORAGE = ("25006", "53")
# ... and when they cannot be reached: no connection (psycopg gives no SQLSTATE then,
# or class 08), a server shutting down or starting (57P01-57P03), a missing SQLite file.
_SQLITE_UNREACHABLE = ("unable to open database file",)
_PG_UNREACHABLE = ("08", "57P01", "57P02", "57P03")


def unreachable(error: DBAPIError) -> str | None:
    """Why the database cannot be reached, or None when it answered."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or ""
    if error.connection_invalidated or sqlstate.startswith(_PG_UNREACHABLE):
        return f"PostgreSQL: {str(original).strip().splitlines()[0]}"
    if isinstance(original, psycopg.OperationalError) and not sqlstate:  # refused, no host
        return f"PostgreSQL: {str(original).strip().splitlines()[0]}"
    if any(text in str(original).lower() for text in _SQLITE_UNREACHABLE):
        return f"SQLite: {str(original).strip()}"
    return None


def storage_refusal(error: DBAPIError) -> str | None:
    """Why the database refuses to store anything, or None for other errors."""
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or ""
    if sqlstate == _PG_STORAGE[0] or sqlstate.startswith(_PG_STORAGE[1]):
        return f"PostgreSQL SQLSTATE {sqlstate}: {str(original).strip()}"
    message = str(original).lower()
    if any(text in message for text in _SQLITE_STORAGE):
        return f"SQLite: {str(original).strip()}"
    return None


@bp.app_errorhandler(DBAPIError)
def database_error(error: DBAPIError):
    """A database that refuses writes (read-only, or its disk full) or cannot be reached
    is a 503 with one clear log line; any other database error stays a 500 with its
    traceback."""
    gone = unreachable(error)
    reason = gone or storage_refusal(error)
    if reason is None:
        raise error
    db.session.rollback()
    what = "cannot be reached" if gone else "refuses to store data (read-only or full)"
    path = redact_secrets(request.path)
    log.error("The database %s; %s %s answered 503: %s", what, request.method, path, reason)
    response = make_response(_page(503))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
