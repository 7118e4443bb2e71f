"""Concurrent registrations: each thread has its own app context, session and connection."""

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import Registration, RegistrationStatus, Role
from events.services.registration import (
    RegistrationError,
    cancel_registration,
    register_attendee,
    waitlist_position,
)
from tests.factories import attendee, make_event, make_user


def run_in_parallel(app, count, work):
    """Start `count` workers together (a barrier) and collect what each returns or raises."""
    barrier = threading.Barrier(count)

    def worker(index):
        with app.app_context():
            barrier.wait()
            try:
                return work(index)
            except Exception as error:  # noqa: BLE001 - collected for the assertions
                return error
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(worker, range(count)))


def test_fifty_people_for_ten_seats(app):
    with app.app_context():
        event_id = make_event(capacity=10).id

    results = run_in_parallel(
        app, 50, lambda i: register_attendee(event_id, attendee(email=f"p{i}@example.org")).id
    )

    assert [r for r in results if isinstance(r, Exception)] == []
    with app.app_context():
        registrations = db.session.scalars(
            sa.select(Registration).where(Registration.event_id == event_id)
        ).all()
        statuses = [r.status for r in registrations]
        assert statuses.count(RegistrationStatus.CONFIRMED) == 10
        assert statuses.count(RegistrationStatus.WAITLISTED) == 40
        positions = sorted(waitlist_position(r) for r in registrations if r.status == "waitlisted")
        assert positions == list(range(1, 41))


def test_the_same_person_submitting_twice_at_once_gets_one_registration(app):
    with app.app_context():
        event_id = make_event(capacity=10).id

    results = run_in_parallel(
        app, 8, lambda i: register_attendee(event_id, attendee(email="jan@example.org")).id
    )

    refusals = [r for r in results if isinstance(r, RegistrationError)]
    assert len(refusals) == 7 and {r.code for r in refusals} == {"duplicate"}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1


def test_cancellations_and_registrations_at_once_never_overfill(app):
    with app.app_context():
        event = make_event(capacity=5)
        holders = [register_attendee(event.id, attendee()).id for _ in range(5)]
        event_id = event.id

    def work(index):
        if index < 5:
            return cancel_registration(holders[index])
        return register_attendee(event_id, attendee(email=f"n{index}@example.org")).id

    results = run_in_parallel(app, 20, work)

    assert [r for r in results if isinstance(r, Exception)] == []
    with app.app_context():
        confirmed = db.session.scalar(
            sa.select(sa.func.count()).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.CONFIRMED,
            )
        )
        waitlisted = db.session.scalar(
            sa.select(sa.func.count()).where(
                Registration.event_id == event_id,
                Registration.status == RegistrationStatus.WAITLISTED,
            )
        )
    # 15 newcomers for 5 seats freed by 5 cancellations: full, and 10 waiting.
    assert (confirmed, waitlisted) == (5, 10)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # PostgreSQL: MVCC
def test_pages_answer_while_a_registration_holds_the_write_lock(app, client):
    """SQLite: only commands take the write lock; pages read beside a writer (WAL)."""
    with app.app_context():
        event = make_event(title="Seminarium w Kole")
        slug, event_id = event.slug, event.id
        url = db.engine.url
    writer = sqlite3.connect(url.database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a registration in progress, holding the lock
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            pages = pool.submit(lambda: [client.get(path) for path in ("/", f"/events/{slug}")])
            answers = pages.result(timeout=10)  # a queued reader would wait 30 s
        assert [answer.status_code for answer in answers] == [200, 200]
        assert "Seminarium w Kole" in answers[1].get_data(as_text=True)
        # A registration (a command) still waits for the lock instead of racing.
        with ThreadPoolExecutor(max_workers=1) as pool:

            def register():
                with app.app_context():
                    register_attendee(event_id, attendee(), notify=False)

            waiting = pool.submit(register)
            assert not wait([waiting], timeout=1).done  # blocked behind the writer
            writer.execute("COMMIT")
            waiting.result(timeout=10)
    finally:
        writer.close()


# The door: the guess limit is one count for every worker.


def test_four_workers_let_through_thirty_guesses_in_all(app, database_url):
    """Issue 19: with 4 workers the limit of 30 unknown codes let 34 through, because each
    process counted its own. Four app instances (as gunicorn's workers, each with its own
    memory, counts trusted for a minute) guess at once over one database."""
    from events.services.checkin.guesses import GUESSES_PER_MINUTE
    from tests.conftest import make_app
    from tests.test_checkin_api import log_in

    with app.app_context():
        slug = make_event(title="Spotkanie w Kole").slug
        make_user(email="staff@example.org", password="haslo-do-bramki", role=Role.COORDINATOR)
    workers = [make_app(database_url, READ_CACHE_SECONDS=60) for _ in range(4)]
    first = workers[0].test_client()
    token = log_in(first, "staff@example.org")
    phones = [worker.test_client() for worker in workers]
    for phone in phones:  # one volunteer's session, its requests spread over the workers
        phone.set_cookie("session", first.get_cookie("session").value)
    for phone in phones:  # each worker has read the count once: nothing guessed yet
        assert phone.post(f"/api/checkin/{slug}/scan", json={"code": "ROZGRZEWKA"},
                          headers={"X-CSRFToken": token}).status_code == 200  # fmt: skip
    barrier = threading.Barrier(4)

    def guesses(index):
        barrier.wait()
        return [
            phones[index]
            .post(
                f"/api/checkin/{slug}/scan",
                json={"code": f"ZGADUJE{index}X{number}", "method": "scanner"},
                headers={"X-CSRFToken": token},
            )
            .status_code
            for number in range(10)
        ]

    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = [code for codes in pool.map(guesses, range(4)) for code in codes]
    finally:
        for worker in workers:
            with worker.app_context():
                db.session.remove()
                db.engine.dispose()
    assert answers.count(200) == GUESSES_PER_MINUTE - 4  # 4 warm-up guesses counted
    assert answers.count(429) == 40 - answers.count(200)
