"""The programme in a partner's frame, in Chromium: a plain page served from another
loopback origin (another port) frames /embed/programme. With that origin in
EMBED_ORIGINS the frame shows the events, axe finds no violation inside it and the
Tab key reaches the first event's link; without it, the browser refuses to show the
programme in the frame, as it refuses any other page of the site."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from axe_playwright_python.sync_playwright import Axe

from events.config import embed_origins
from events.models import EventStatus
from events.services.registration import register_attendee
from tests.e2e.test_every_page import AXE_VIEWPORTS, CONTRAST_SCRIPT, NARROW_WIDTHS
from tests.factories import attendee, make_event

pytestmark = pytest.mark.browser

TITLE = "Seminarium: partnerstwo w powiecie"


@pytest.fixture
def partner_site(live_app):
    """A partner's website on another loopback port: `/frame/<path>` is a page with
    an iframe of the app's `<path>` (and query)."""

    class PartnerPage(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            source = live_app.url + self.path.removeprefix("/frame")
            body = (
                '<!doctype html><html lang="pl"><head><meta charset="utf-8">'
                "<title>Powiat</title></head><body><main><h1>Powiat: wydarzenia</h1>"
                f'<iframe src="{source}" title="Program" width="600" height="500"></iframe>'
                "</main></body></html>"
            ).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), PartnerPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.origin = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def seminar(live_app):
    with live_app.app_context():
        return make_event(title=TITLE).slug


def framed(page, partner_site, path: str):
    """Open the partner's page framing `path`; the frame once its document has loaded."""
    page.goto(f"{partner_site.origin}/frame{path}")
    frame = page.wait_for_selector("iframe").content_frame()
    frame.wait_for_load_state()
    return frame


def violations(frame) -> list[str]:
    frame.evaluate(Axe().axe_script)
    results = frame.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{item['id']} ({item['impact']}): {item['help']}: {[n['html'] for n in item['nodes']]}"
        for item in results["violations"]
    ]


def test_a_configured_partner_shows_the_programme_accessible_and_by_keyboard(
    live_app, partner_site, seminar, page
):
    live_app.config["EMBED_ORIGINS"] = embed_origins(partner_site.origin)

    frame = framed(page, partner_site, "/embed/programme")

    link = frame.get_by_role("link", name=TITLE)
    link.wait_for()
    assert link.get_attribute("href") == f"{live_app.url}/language/pl?next=/events/{seminar}"
    assert frame.evaluate("document.documentElement.lang") == "pl"  # the browser's pl-PL
    assert violations(frame) == []

    for _ in range(10):  # from the partner's page into the frame, to the first event
        page.keyboard.press("Tab")
        if frame.evaluate("document.hasFocus() && document.activeElement.matches('li a')"):
            break
    else:
        raise AssertionError("the first event's link cannot be reached with the Tab key")
    assert frame.evaluate("document.activeElement.textContent") == TITLE
    outline = frame.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"  # the focus is visible

    page.keyboard.press("Enter")  # the link opens in the top window, on our site
    page.wait_for_url(f"{live_app.url}/events/{seminar}")


def test_in_english_on_an_english_page(live_app, partner_site, seminar, page):
    live_app.config["EMBED_ORIGINS"] = embed_origins(partner_site.origin)
    frame = framed(page, partner_site, "/embed/programme?lang=en")
    frame.get_by_role("heading", name="Upcoming events").wait_for()
    assert frame.evaluate("document.documentElement.lang") == "en"
    assert violations(frame) == []
    frame.get_by_role("link", name=TITLE).click()  # the event's page, in English too
    page.wait_for_url(f"{live_app.url}/events/{seminar}")
    assert page.evaluate("document.documentElement.lang") == "en"


def refused(page, partner_site, path: str) -> bool:
    """Whether Chromium refused to show `path` in the partner's frame (frame-ancestors)."""
    messages = []
    page.on("console", lambda message: messages.append(message.text))
    frame = framed(page, partner_site, path)
    page.wait_for_timeout(300)  # the console message follows the refused navigation
    shown = frame.locator("main").count() > 0
    return not shown and any("frame-ancestors" in text for text in messages)


def test_an_origin_not_configured_cannot_frame_the_programme(live_app, partner_site, seminar, page):
    live_app.config["EMBED_ORIGINS"] = ()
    assert refused(page, partner_site, "/embed/programme")


def test_a_configured_partner_still_cannot_frame_any_other_page(
    live_app, partner_site, seminar, page
):
    live_app.config["EMBED_ORIGINS"] = embed_origins(partner_site.origin)
    assert refused(page, partner_site, f"/events/{seminar}")


def test_every_seat_state_is_readable_and_fits_a_narrow_frame(live_app, page):
    """The badges of every state contrast with their background (measured, as the walk
    of every page does), and nothing scrolls sideways in a narrow frame."""
    with live_app.app_context():
        make_event(title="Otwarte")
        full = make_event(title="Pełne z listą", capacity=1)
        register_attendee(full.id, attendee())
        closed = make_event(title="Pełne", capacity=1, waitlist_enabled=False)
        register_attendee(closed.id, attendee())
        make_event(title="Odwołane", status=EventStatus.CANCELLED)
    page.goto(live_app.url + "/embed/programme")
    page.evaluate(Axe().axe_script)
    problems = []
    for width, height in AXE_VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        results = page.evaluate("axe.run({resultTypes: ['violations']})")
        problems += [f"{width}px: {item['id']}" for item in results["violations"]]
        problems += [f"{width}px: contrast {low}" for low in page.evaluate(CONTRAST_SCRIPT)]
    for width in (*NARROW_WIDTHS, 280):
        page.set_viewport_size({"width": width, "height": 600})
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{scroll}px wide in a {width}px frame")
    assert problems == []
