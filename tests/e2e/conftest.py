"""A live server and Debian's Chromium driven by Playwright.

Without /usr/bin/chromium these tests are skipped loudly; with
REQUIRE_BROWSER=1 (set by CI) they fail instead. Never `playwright install`:
the browser comes from the system package.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

from events.extensions import db
from tests.conftest import make_app, skip_or_fail
from tests.factories import make_organization

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_app(tmp_path):
    """The app on a SQLite file, served on a free loopback port by a threaded server."""
    app = make_app(f"sqlite:///{tmp_path / 'browser.db'}", BASE_URL="http://127.0.0.1")
    app.instance_path = str(tmp_path / "instance")
    with app.app_context():
        db.create_all()
        make_organization()  # the lead organization, which the migrations always make
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.url = app.config["BASE_URL"]
    yield app
    server.shutdown()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def playwright(tmp_path_factory):
    if not shutil.which(CHROMIUM):
        skip_or_fail(f"Chromium not found at {CHROMIUM}", "REQUIRE_BROWSER")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def launch(playwright, tmp_path_factory):
    """Start a Chromium with extra arguments (a fake camera, say); closed at the end."""
    home = tmp_path_factory.mktemp("chromium-home")
    env = {
        **os.environ,
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_CACHE_HOME": str(home / "cache"),
    }
    started = []

    def start(*extra_args):
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + list(extra_args), env=env
        )
        started.append(browser)
        return browser

    yield start
    for browser in started:
        browser.close()


@pytest.fixture(scope="session")
def browser(launch):
    return launch()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="pl-PL")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
