"""Group registration: a group of 5 against one person, through the real pages.

Run: .venv/bin/python bench/groups.py [sqlite|postgresql|both]
(PostgreSQL: TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432/test;
a throw-away database is created and dropped.)

Each sample is one POST through the test client, everything a request does but the
network: the form parsed and checked, the event locked, the seats decided, the rows
and their outbox messages written, the commit, the redirect. One person with the
registration form (/events/<slug>/register), against a coordinator with a group of
5 (/events/<slug>/group: five registrations, five confirmations and the
coordinator's message), each with new addresses, at an event with 500 people.
Rounds are interleaved (single, group, then group, single...); the figure is the
ratio of the medians of all samples (goal: under 3).
"""

import re
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lifecycle_costs import database_urls, drop  # noqa: E402

from app import create_app  # noqa: E402
from events.extensions import db  # noqa: E402
from events.services.registration import register_attendee  # noqa: E402
from tests.factories import attendee, make_event, next_week  # noqa: E402

GROUP = 5
ROUNDS = 8
PER_ROUND = 10
GOAL = 3.0


def person(prefix: str, email: str) -> dict:
    return {
        f"{prefix}first_name": "Halina",
        f"{prefix}last_name": "Zawadzka",
        f"{prefix}email": email,
        f"{prefix}organization": "Koło Gospodyń Wiejskich w Brzeziu",
        f"{prefix}organization_type": "ngo",
        f"{prefix}county": "kaliski",
    }


def single_form(token: str) -> dict:
    return {
        "csrf_token": token, **person("", f"s-{uuid.uuid4().hex[:12]}@example.org"),
        "dr_member": "no", "language": "pl", "data_consent": "y",
    }  # fmt: skip


def group_form(token: str) -> dict:
    data = {
        "csrf_token": token,
        "coordinator_name": "Halina Zawadzka",
        "coordinator_email": f"k-{uuid.uuid4().hex[:12]}@example.org",
        "coordinator_organization": "Koło Gospodyń Wiejskich w Brzeziu",
        "mode": "together",
        "consent": "y",
    }
    for index in range(GROUP):
        data |= person(f"members-{index}-", f"g-{uuid.uuid4().hex[:12]}@example.org")
    return data


def timed(client, url: str, make) -> float:
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get(url).text).group(1)
    samples = []
    for _ in range(PER_ROUND):
        data = make(token)
        start = time.perf_counter()
        response = client.post(url, data=data)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 302, (url, response.status_code, response.text[:2000])
    return samples


def measure(kind: str) -> float:
    url = database_urls(kind)[0]
    try:
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "MAIL_SERVER": None,
             "RATELIMIT_ENABLED": False}  # many registrations from one client
        )  # fmt: skip
        with app.app_context():
            db.create_all()
        with app.app_context():
            event = make_event(capacity=None, group_max=GROUP, **next_week())
            for _ in range(500):
                register_attendee(event.id, attendee(), notify=False)
            slug = event.slug
            db.session.remove()
        client = app.test_client()
        single_url, group_url = f"/events/{slug}/register", f"/events/{slug}/group"
        timed(client, single_url, single_form)  # warm up templates and caches
        timed(client, group_url, group_form)
        singles, groups = [], []
        for round_number in range(ROUNDS):
            order = ((single_url, single_form, singles), (group_url, group_form, groups))
            for page, make, samples in order if round_number % 2 == 0 else order[::-1]:
                samples += timed(client, page, make)
        one, five = statistics.median(singles), statistics.median(groups)
        ratio = five / one
        verdict = "ok" if ratio < GOAL else "TOO SLOW"
        print(f"{kind}: one person {one * 1000:6.1f} ms, a group of {GROUP} "
              f"{five * 1000:6.1f} ms (median of {len(groups)}): ratio {ratio:4.2f}  "
              f"(goal < {GOAL:g})  {verdict}")  # fmt: skip
        return ratio
    finally:
        if "app" in locals():
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
        drop(url)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "both"
    for kind in ("sqlite", "postgresql") if which == "both" else (which,):
        measure(kind)
