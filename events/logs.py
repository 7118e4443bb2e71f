"""Log lines with the request they belong to; JSON lines in production.

Every request gets an id: the one the reverse proxy sent in X-Request-ID (only
when TRUSTED_PROXIES says a proxy is in front, and only if it looks like an
id; the proxy must set it, not pass on the client's: nginx
`proxy_set_header X-Request-ID $request_id;`, Caddy `header_up X-Request-ID {uuid}`),
or a new one. It is returned in the X-Request-ID header, so gunicorn's
access log line (deploy/gunicorn.conf.py) and the app's own lines for the same
request share it. In production the app logs one JSON object per line to
standard error, for the service manager's journal.

Some paths carry a bearer secret: "my registration" (/r/<token>), a group's
coordinator's page (/g/<token>), the ticket
(/t/<token>), the stop link of organizer messages, a questionnaire's personal
link (/q/link/<token>), an invitation (/i/<token>) and a door link
(/checkin/link/<token>). Whoever reads it has the page, so no log keeps it:
`redact_secrets` replaces it with a placeholder in gunicorn's access log
(deploy/gunicorn.conf.py) and in the app's own lines (Flask's "Exception on
<path>", the development server's request lines).
"""

import json
import logging
import re
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
PLACEHOLDER = ":secret"
# A path begins the text, or follows a space, a quote, "=" or a scheme and host.
_PATH_START = r"""(?P<start>^|[\s"'=(\[]|[a-z]+://[^/\s"']+)"""
_SEGMENT = r"""[^/?#\s"']+"""
_SECRET_PATHS = re.compile(
    _PATH_START
    + rf"(?P<prefix>/(?:r|g|t|i|q/link|checkin/link)/){_SEGMENT}"
    + rf"|{_PATH_START.replace('start', 'start2')}(?P<stop>/stop/){_SEGMENT}/{_SEGMENT}",
    re.IGNORECASE,
)


def _placeholder(match: re.Match) -> str:
    if match.group("prefix"):
        return match.group("start") + match.group("prefix") + PLACEHOLDER
    return f"{match.group('start2')}/stop/{PLACEHOLDER}/{PLACEHOLDER}"


def redact_secrets(text: str) -> str:
    """`text` (a request line, a path, a URL, a log message) without the secrets of
    the paths listed above: "GET /r/Xy12.../cancel" becomes "GET /r/:secret/cancel"."""
    return _SECRET_PATHS.sub(_placeholder, text) if "/" in text else text


class WithoutSecrets(logging.Filter):
    """Log records whose text holds a secret path get it redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_secrets(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


class WithRequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id") if has_request_context() else None
        return True


def init_app(app: Flask) -> None:
    @app.before_request
    def _name_the_request():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        trusted = app.config.get("TRUSTED_PROXIES") and _ID.fullmatch(given)
        g.request_id = given if trusted else uuid.uuid4().hex

    @app.after_request
    def _tell_the_request_id(response):
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response

    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, WithoutSecrets) for f in logger.filters):
            logger.addFilter(WithoutSecrets())

    if app.config.get("APP_ENV") == "production" and not app.config.get("TESTING"):
        handler = logging.StreamHandler()
        handler.setFormatter(JsonLines())
        handler.addFilter(WithRequestId())
        handler.addFilter(WithoutSecrets())  # whatever logger the line comes from
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        app.logger.handlers.clear()  # Flask's default handler would print each line twice
