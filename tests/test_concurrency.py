"""Concurrent registrations: each thread has its own app context, session and connection."""

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import Registration, RegistrationStatus
from events.services.registration import (
    RegistrationError,
    cancel_registration,
    register_attendee,
    waitlist_position,
)
from tests.factories import attendee, make_event


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
