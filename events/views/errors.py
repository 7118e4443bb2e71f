"""Error pages in the visitor's language: 400 (including a missing CSRF token), 403, 404, 500."""

from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from events.extensions import db

bp = Blueprint("errors", __name__)

_TITLES = {
    400: _l("The request could not be processed"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    500: _l("Something went wrong"),
}
_HINTS = {
    400: _l("Go back, reload the page and try again."),
    403: _l("You do not have permission to open this page."),
    404: _l("The address may be mistyped, or the page was removed."),
    405: _l("Go back, reload the page and try again."),
    500: _l("Please try again in a moment. Your data was not lost if you saw a confirmation."),
}


def _page(code: int, hint=None):
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


@bp.app_errorhandler(400)
@bp.app_errorhandler(403)
@bp.app_errorhandler(404)
@bp.app_errorhandler(405)
@bp.app_errorhandler(500)
def http_error(error):
    code = getattr(error, "code", 500) or 500
    if code == 500:
        db.session.rollback()  # the page must render even after a failed transaction
    return _page(code)
