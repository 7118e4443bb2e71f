"""Public pages rendered once and served again while what they show has not changed.

The programme, an event's page and the calendar files are the same for every
visitor who is not logged in, in one language. Each worker process keeps the
last MAX_ENTRIES such pages with the data version they were rendered from; a
request whose key (path and query, language, minute, data version) is known
gets the stored bytes without a query, a template or a calendar being built.

The data version is the newest change of any event, registration or programme
(the largest `updated_at` of each, the number of events and of programmes, the
largest registration id): renaming, reordering or deleting a programme changes the
pages that name it or filter by it. It is read at most once every
READ_CACHE_SECONDS per process (events.read_cache; default 2 s, 0 in the tests).
So a seat count on a public page may lag a change by those seconds. The current
minute is part of the key, so what depends on the clock (registration closing, an event ending)
shows within a minute, and a change committed out of order (stamped before
another transaction's later stamp, committed after it) within a minute too.
The registration itself never relies on a page: it counts seats under a lock.

A person's own pages behind their secret link ("my registration", the ticket
page: `personal_page`) are kept the same way in a cache of their own, one per
registration and language, keyed by the registration's page version
(events.services.personal_pages), read on every request in one statement: any
change to the registration, its event or what the page shows is seen at once,
and the moments when the page changes with the clock (the event's start...) are
part of the key. They are sent `private, no-cache`: no shared cache keeps them,
the person's browser asks again each time.

Logged-in people, and anyone with a notice waiting to be shown, get a page
rendered for them (a personal one with `private, no-store`). Every cached answer
carries an ETag, so a browser or a calendar app that has the page gets 304 Not
Modified.
"""

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, abort, current_app, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

from events.extensions import db
from events.models import Event, Programme, Registration, utcnow
from events.read_cache import read_cache
from events.services.personal_pages import PageVersion

MAX_ENTRIES = 256
PERSONAL_ENTRIES = 1000  # "my registration" and ticket pages: one per person and language
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Last-Modified",
    "Cache-Control",
    "Referrer-Policy",
)
PRIVATE = "private, no-cache"

DATA_VERSION = sa.select(
    sa.select(sa.func.max(Event.updated_at)).scalar_subquery(),
    sa.select(sa.func.count(Event.id)).scalar_subquery(),
    sa.select(sa.func.max(Registration.updated_at)).scalar_subquery(),
    sa.select(sa.func.max(Registration.id)).scalar_subquery(),
    sa.select(sa.func.max(Programme.updated_at)).scalar_subquery(),
    sa.select(sa.func.count(Programme.id)).scalar_subquery(),
)


@dataclass(frozen=True)
class Page:
    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str


def data_version() -> tuple:
    return read_cache().get(
        "data_version",
        lambda: tuple(str(value) for value in db.session.execute(DATA_VERSION).one()),
    )


class PageCache:
    """A small LRU of rendered pages, for one app: one page per slot (a page in one
    language), with the version it was rendered from; a newer version replaces it."""

    def __init__(self, entries: int = MAX_ENTRIES):
        self.entries = entries
        self._pages: OrderedDict[tuple, tuple[tuple, Page]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, slot: tuple, version: tuple) -> Page | None:
        with self._lock:
            found = self._pages.get(slot)
            if found is None or found[0] != version:
                return None
            self._pages.move_to_end(slot)
            return found[1]

    def put(self, slot: tuple, version: tuple, page: Page) -> None:
        with self._lock:
            self._pages[slot] = (version, page)
            self._pages.move_to_end(slot)
            while len(self._pages) > self.entries:
                self._pages.popitem(last=False)


def init_app(app) -> None:
    app.extensions["page_cache"] = PageCache()
    app.extensions["personal_page_cache"] = PageCache(PERSONAL_ENTRIES)


def _personal() -> bool:
    """Pages for a logged-in person, or with a notice to show, are theirs alone."""
    return current_user.is_authenticated or "_flashes" in session


def _rendered(view, args, kwargs, cache: PageCache, slot: tuple, version: tuple):
    """The view's page, stored; or its response as it is when it is not a page to keep."""
    response = make_response(view(*args, **kwargs))
    if response.status_code != 200 or response.is_streamed:
        return response
    body = response.get_data()
    headers = tuple(
        (name, value) for name, value in response.headers.items() if name in KEPT_HEADERS
    )
    page = Page(body, headers, hashlib.sha256(body).hexdigest()[:32])
    cache.put(slot, version, page)
    return page


def _answer(page: Page) -> Response:
    answer = Response(page.body, headers=list(page.headers))
    answer.set_etag(page.etag)
    answer.vary.add("Cookie")  # the language is chosen by a cookie
    return answer


def _served(view, args, kwargs, cache: PageCache, slot: tuple, version: tuple, control: str):
    """The stored page (rendered now if it was not), with `control` unless the view
    set its own Cache-Control, and 304 when the browser has it."""
    page = cache.get(slot, version) or _rendered(view, args, kwargs, cache, slot, version)
    if not isinstance(page, Page):
        return page
    answer = _answer(page)
    answer.headers.setdefault("Cache-Control", control)
    return answer.make_conditional(request)


def cached_page(view):
    """Serve the view's page from the cache when nobody in particular is asking."""

    @functools.wraps(view)
    def serve(*args, **kwargs):
        if _personal():
            return view(*args, **kwargs)
        slot = (request.full_path, str(get_locale()))
        version = (utcnow().strftime("%Y%m%d%H%M"), data_version())
        # Revalidate each time (304 if unchanged), unless the view said how long to keep it.
        cache = current_app.extensions["page_cache"]
        return _served(view, args, kwargs, cache, slot, version, "no-cache")

    return serve


def personal_page(version_of: Callable[[str], PageVersion | None]):
    """Serve the page behind a private link (`token`) from the cache while the version
    `version_of(token)` says is the same; 404 when it finds no page. Only the person's
    browser may keep it (private), and it asks again each time (304 if unchanged)."""

    def decorate(view):
        @functools.wraps(view)
        def serve(token: str):
            if _personal():  # rendered for this request only, kept nowhere
                response = make_response(view(token))
                response.headers.setdefault("Cache-Control", "private, no-store")
                return response
            version = version_of(token)
            if version is None:
                abort(404)
            slot = (request.endpoint, str(get_locale()), version.registration_id)
            key = version.key(utcnow())
            cache = current_app.extensions["personal_page_cache"]
            return _served(view, (token,), {}, cache, slot, key, PRIVATE)

        return serve

    return decorate
