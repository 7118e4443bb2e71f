"""Counts a worker reuses for a moment: its own changes show at once, others' soon."""

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import Registration, ScanMethod, utcnow
from events.services.checkin.door import Actor, door_counts, scan_code
from events.services.registration import register_attendee
from tests.factories import attendee, make_event, make_user


@pytest.fixture
def app_config():
    return {"READ_CACHE_SECONDS": 60}  # as in production, but long enough to see


def test_this_workers_check_ins_show_at_once_and_others_after_the_moment(app):
    with app.app_context():
        event = make_event(capacity=5)
        people = [register_attendee(event.id, attendee(), notify=False) for _ in range(3)]
        actor = Actor(user_id=make_user().id)
        assert door_counts(event.id) == {"checked_in": 0, "confirmed": 3}  # read, then kept
        verdict = scan_code(event.id, people[0].ticket_code, ScanMethod.SCANNER, actor)
        assert verdict.result.value == "checked_in"
        assert door_counts(event.id) == {"checked_in": 1, "confirmed": 3}  # at once

        # Another worker checks someone in: this one shows it when it reads again.
        db.session.execute(
            sa.update(Registration)
            .where(Registration.id == people[1].id)
            .values(checked_in_at=utcnow(), checked_in_by="bramka@example.org")
        )
        db.session.commit()
        assert door_counts(event.id)["checked_in"] == 1
        app.extensions["read_cache"].seconds = 0  # the moment has passed
        assert door_counts(event.id)["checked_in"] == 2


def test_a_check_in_that_is_rolled_back_does_not_count(app):
    from events.unit_of_work import command

    with app.app_context():
        event = make_event(capacity=5)
        person = register_attendee(event.id, attendee(), notify=False)
        actor = Actor(user_id=make_user().id)
        assert door_counts(event.id)["checked_in"] == 0  # read, then kept

        @command
        def scan_then_fail():
            scan_code(event.id, person.ticket_code, ScanMethod.SCANNER, actor)
            raise RuntimeError("the audit entry could not be written")

        with pytest.raises(RuntimeError):
            scan_then_fail()
        assert door_counts(event.id)["checked_in"] == 0
        assert db.session.get(Registration, person.id).checked_in_at is None
