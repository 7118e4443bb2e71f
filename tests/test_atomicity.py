"""One command, one transaction: a failure anywhere inside a command leaves nothing of
it behind (the change, its audit entry and its emails go in together or not at all)."""

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.messages import mail
from events.models import AuditEntry, OutboxMessage, Registration, Role, Scan
from events.models import RegistrationStatus as S
from events.services import audit
from events.services.checkin.door import organizer_door_action
from events.services.participants import add_by_hand
from events.services.privacy import erase_person
from events.services.registration import cancel_registration, register_attendee
from tests.factories import attendee, make_event, make_registration, make_user

pytestmark = pytest.mark.usefixtures("ctx")


class Boom(RuntimeError):
    pass


def fail_on_call(number: int, real):
    """A stand-in for `real` that works `number - 1` times, then raises."""
    calls = {"count": 0}

    def stand_in(*args, **kwargs):
        calls["count"] += 1
        if calls["count"] >= number:
            raise Boom("injected failure")
        return real(*args, **kwargs)

    return stand_in


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_a_registration_whose_email_cannot_be_queued_is_not_kept(monkeypatch):
    event = make_event()
    monkeypatch.setattr(mail, "enqueue", fail_on_call(1, mail.enqueue))
    with pytest.raises(Boom):
        register_attendee(event.id, attendee())
    assert count(Registration) == 0 and count(OutboxMessage) == 0


def test_a_cancellation_whose_promotion_email_fails_leaves_everyone_where_they_were(monkeypatch):
    event = make_event(capacity=1)
    holder = make_registration(event, S.CONFIRMED)
    waiting = make_registration(event, S.WAITLISTED)
    # The 1st message (the cancellation) is queued, the 2nd (the seat offer) fails.
    monkeypatch.setattr(mail, "enqueue", fail_on_call(2, mail.enqueue))
    with pytest.raises(Boom):
        cancel_registration(holder.id)
    db.session.expire_all()
    assert db.session.get(Registration, holder.id).status == S.CONFIRMED
    assert db.session.get(Registration, waiting.id).status == S.WAITLISTED
    assert count(OutboxMessage) == 0


def test_a_phone_registration_whose_audit_entry_fails_is_not_kept(monkeypatch):
    event = make_event()
    organizer = make_user(role=Role.COORDINATOR)
    monkeypatch.setattr(audit, "record", fail_on_call(1, audit.record))
    with pytest.raises(Boom):
        add_by_hand(event.id, attendee(), organizer, notify=True)
    assert count(Registration) == 0 and count(OutboxMessage) == 0 and count(AuditEntry) == 0


def test_an_erasure_that_fails_halfway_erases_and_cancels_nothing(monkeypatch):
    organizer = make_user(role=Role.COORDINATOR)
    first, second = make_event(capacity=1), make_event()
    mine = make_registration(first, S.CONFIRMED, email="anna@example.org")
    make_registration(second, S.CONFIRMED, email="anna@example.org")
    waiting = make_registration(first, S.WAITLISTED)
    # Cancelling and anonymizing the first place works; the audit of the second fails.
    monkeypatch.setattr(audit, "record", fail_on_call(4, audit.record))
    with pytest.raises(Boom):
        erase_person("anna@example.org", organizer)
    db.session.expire_all()
    kept = db.session.scalars(
        sa.select(Registration).where(Registration.email == "anna@example.org")
    )
    assert [r.status for r in kept] == [S.CONFIRMED, S.CONFIRMED]
    assert db.session.get(Registration, mine.id).anonymized_at is None
    assert db.session.get(Registration, waiting.id).status == S.WAITLISTED
    assert count(OutboxMessage) == 0 and count(AuditEntry) == 0


def test_an_organizer_check_in_whose_audit_entry_fails_leaves_no_scan_and_no_state(monkeypatch):
    organizer = make_user(role=Role.COORDINATOR)
    event = make_event()
    person = make_registration(event, S.CONFIRMED)
    monkeypatch.setattr(audit, "record", fail_on_call(1, audit.record))
    with pytest.raises(Boom):
        organizer_door_action(event.id, person.id, organizer, undo=False)
    db.session.expire_all()
    assert db.session.get(Registration, person.id).checked_in_at is None
    assert count(Scan) == 0
