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

Logged-in people, and anyone with a notice waiting to be shown, get a page
rendered for them. Every cached answer carries an ETag, so a browser or a
calendar app that has the page gets 304 Not Modified.
"""

import functools
import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Response, current_app, make_response, request, session
from flask_babel import get_locale
from flask_login import current_user

from events.extensions import db
from events.models import Event, Programme, Registration, utcnow
from events.read_cache import read_cache

MAX_ENTRIES = 256

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
    """A small LRU of rendered pages, for one app."""

    def __init__(self):
        self._pages: OrderedDict[tuple, Page] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Page | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: tuple, page: Page) -> None:
        with self._lock:
            self._pages[key] = page
            while len(self._pages) > MAX_ENTRIES:
                self._pages.popitem(last=False)


def init_app(app) -> None:
    app.extensions["page_cache"] = PageCache()


def _personal() -> bool:
    """Pages for a logged-in person, or with a notice to show, are theirs alone."""
    return current_user.is_authenticated or "_flashes" in session


def cached_page(view):
    """Serve the view's page from the cache when nobody in particular is asking."""

    @functools.wraps(view)
    def serve(*args, **kwargs):
        if _personal():
            return view(*args, **kwargs)
        cache: PageCache = current_app.extensions["page_cache"]
        key = (
            request.full_path,
            str(get_locale()),
            utcnow().strftime("%Y%m%d%H%M"),
            data_version(),
        )
        page = cache.get(key)
        if page is None:
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or response.is_streamed:
                return response
            body = response.get_data()
            headers = tuple(
                (name, value)
                for name, value in response.headers.items()
                if name in ("Content-Type", "Content-Disposition", "Last-Modified", "Cache-Control")
            )
            page = Page(body, headers, hashlib.sha256(body).hexdigest()[:32])
            cache.put(key, page)
        answer = Response(page.body, headers=list(page.headers))
        answer.set_etag(page.etag)
        # Revalidate each time (304 if unchanged), unless the view said how long to keep it.
        answer.headers.setdefault("Cache-Control", "no-cache")
        answer.vary.add("Cookie")  # the language is chosen by a cookie
        return answer.make_conditional(request)

    return serve
