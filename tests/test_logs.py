"""Logs keep no bearer secret: the private links' tokens are replaced in gunicorn's
access log and in the app's own lines."""

import logging
import runpy
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from events.logs import PLACEHOLDER, redact_secrets

ROOT = Path(__file__).resolve().parent.parent
SECRET = "Xy7Secret_Token-0123456789abcdefGHIJ"
# The names a route gives its secret parts; a new private link is found by its name.
SECRET_ARGUMENTS = {"token", "signature", "invitation"}


class Lines(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


def gunicorn_access_line(path: str, referer: str = "-") -> str:
    """The line gunicorn writes for a GET of `path`, with deploy/gunicorn.conf.py."""
    settings = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    config = Config()
    config.set("accesslog", "-")
    config.set("access_log_format", settings["access_log_format"])
    config.set("logger_class", settings["logger_class"])
    logger = config.logger_class(config)
    lines = Lines()
    logger.access_log.handlers = [lines]
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path.split("?")[0],
               "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_REFERER": referer}  # fmt: skip
    response = SimpleNamespace(status="200 OK", sent=512, headers=[("X-Request-ID", "r1d2")])
    logger.access(response, [], environ, timedelta(milliseconds=7))
    [line] = lines.lines
    return line


def private_paths(app) -> list[str]:
    """One path per route that carries a secret, the secret being SECRET."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.arguments & SECRET_ARGUMENTS:
            values = {name: SECRET if name in SECRET_ARGUMENTS else "1" for name in rule.arguments}
            paths.append(app.url_map.bind("localhost").build(rule.endpoint, values))
    return paths


def test_private_links_are_found_for_every_kind(app):
    prefixes = {path.split(SECRET)[0] for path in private_paths(app)}
    assert {"/r/", "/g/", "/t/", "/q/link/", "/i/", "/checkin/link/", "/stop/"} <= prefixes


def test_the_access_log_shows_no_secret_of_any_private_link(app):
    for path in private_paths(app):
        line = gunicorn_access_line(path + "?lang=pl", referer=f"https://example.org{path}")
        assert SECRET not in line, line
        assert PLACEHOLDER in line and " 200 512 7ms id=r1d2" in line, line
    line = gunicorn_access_line("/events/seminarium-poznan?page=2")
    assert '"GET /events/seminarium-poznan?page=2 HTTP/1.1" 200' in line  # others as they are


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        (f"GET /r/{SECRET}/cancel HTTP/1.1", "GET /r/:secret/cancel HTTP/1.1"),
        (f"POST /g/{SECRET}/cancel/12 HTTP/1.1", "POST /g/:secret/cancel/12 HTTP/1.1"),
        (f"https://example.org/t/{SECRET}/qr.png", "https://example.org/t/:secret/qr.png"),
        (f"Exception on /q/link/{SECRET} [POST]", "Exception on /q/link/:secret [POST]"),
        (f"/stop/{SECRET}/abc123", "/stop/:secret/:secret"),
        ("/q/ankieta-2026 /static/i/logo.png", "/q/ankieta-2026 /static/i/logo.png"),
    ],
)
def test_redact_secrets(text, clean):
    assert redact_secrets(text) == clean


def test_the_apps_own_lines_show_no_secret(app, caplog):
    caplog.set_level(logging.INFO)
    with app.test_request_context(f"/i/{SECRET}"):
        app.logger.error("Exception on %s [%s]", f"/i/{SECRET}", "GET")
    logging.getLogger("werkzeug").info('"GET /checkin/link/%s HTTP/1.1" 302 -', SECRET)
    assert "Exception on /i/:secret [GET]" in caplog.text
    assert "/checkin/link/:secret" in caplog.text
    assert SECRET not in caplog.text
