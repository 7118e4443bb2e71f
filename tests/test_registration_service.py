"""The registration rules, tested through the service functions."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import (
    EventStatus,
    Invitation,
    OutboxMessage,
    Registration,
    RegistrationMode,
    RegistrationStatus,
    utcnow,
)
from events.services.lifecycle import Code
from events.services.registration import (
    RegistrationError,
    approve_registration,
    cancel_registration,
    decline_registration,
    promote_registration,
    register_attendee,
    waitlist_position,
)
from tests.factories import attendee, make_event, make_registration, make_user, next_week

pytestmark = pytest.mark.usefixtures("ctx")

CONFIRMED = RegistrationStatus.CONFIRMED
WAITLISTED = RegistrationStatus.WAITLISTED


def refusal_code(event_id, person, **kwargs) -> str:
    with pytest.raises(RegistrationError) as caught:
        register_attendee(event_id, person, **kwargs)
    return caught.value.code


def test_registration_confirms_a_seat_and_records_consents():
    event = make_event()
    registration = register_attendee(
        event.id, attendee(email="  Zofia.Nowak@Example.ORG ", image_consent=True)
    )
    assert registration.status == CONFIRMED
    assert registration.email == "zofia.nowak@example.org"
    assert registration.data_consent_at is not None
    assert registration.data_consent_version
    assert registration.image_consent_at is not None
    assert registration.image_consent_version


def test_optional_image_consent_is_not_recorded_when_not_given():
    registration = register_attendee(make_event().id, attendee(image_consent=False))
    assert registration.image_consent_at is None
    assert registration.image_consent_version is None


def test_tokens_are_random_unique_and_long_enough():
    event = make_event(capacity=None)
    registrations = [register_attendee(event.id, attendee()) for _ in range(20)]
    tickets = {r.ticket_code for r in registrations}
    tokens = {r.manage_token for r in registrations}
    assert len(tickets) == len(tokens) == 20
    for registration in registrations:
        assert re.fullmatch(r"[A-Z2-7]{26}", registration.ticket_code)  # 130 bits of base32
        assert len(registration.manage_token) >= 43  # 256 bits, url-safe base64


def test_same_email_cannot_register_twice_for_one_event():
    event = make_event()
    register_attendee(event.id, attendee(email="anna@example.org"))
    assert refusal_code(event.id, attendee(email="ANNA@example.org ")) == "duplicate"
    count = db.session.query(Registration).filter_by(event_id=event.id).count()
    assert count == 1


def test_same_email_may_register_for_another_event_and_again_after_cancelling():
    first, second = make_event(), make_event()
    registration = register_attendee(first.id, attendee(email="anna@example.org"))
    register_attendee(second.id, attendee(email="anna@example.org"))
    cancel_registration(registration.id)
    again = register_attendee(first.id, attendee(email="anna@example.org"))
    assert again.status == CONFIRMED


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"status": EventStatus.DRAFT}, "not_published"),
        ({"status": EventStatus.CANCELLED}, "cancelled"),
        ({"registration_opens_at": utcnow() + timedelta(days=1)}, "not_open_yet"),
        ({"registration_closes_at": utcnow() - timedelta(minutes=1)}, "closed"),
    ],
)
def test_registration_is_refused_outside_its_window_or_for_unpublished_events(changes, code):
    event = make_event(**changes)
    assert refusal_code(event.id, attendee()) == code
    assert db.session.query(Registration).count() == 0


def test_registration_closes_when_the_event_starts():
    start = utcnow() - timedelta(minutes=5)
    event = make_event(starts_at=start, ends_at=start + timedelta(hours=3))
    assert refusal_code(event.id, attendee()) == "closed"


def test_registration_opens_at_its_opening_time():
    opens = utcnow() + timedelta(hours=1)
    event = make_event(registration_opens_at=opens, **next_week())
    assert refusal_code(event.id, attendee(), now=opens - timedelta(seconds=1)) == "not_open_yet"
    assert register_attendee(event.id, attendee(), now=opens).status == CONFIRMED


def test_a_full_event_puts_people_on_the_waiting_list_with_their_position():
    event = make_event(capacity=2)
    statuses = [register_attendee(event.id, attendee()) for _ in range(5)]
    assert [r.status for r in statuses] == [
        CONFIRMED,
        CONFIRMED,
        WAITLISTED,
        WAITLISTED,
        WAITLISTED,
    ]
    assert [waitlist_position(r) for r in statuses] == [None, None, 1, 2, 3]


def test_a_full_event_without_waiting_list_refuses():
    event = make_event(capacity=1, waitlist_enabled=False)
    register_attendee(event.id, attendee())
    assert refusal_code(event.id, attendee()) == "full"


def test_unlimited_capacity_never_fills():
    event = make_event(capacity=None)
    statuses = {register_attendee(event.id, attendee()).status for _ in range(30)}
    assert statuses == {CONFIRMED}


def test_cancelling_a_seat_promotes_the_first_on_the_waiting_list():
    event = make_event(capacity=1)
    holder = register_attendee(event.id, attendee())
    first = register_attendee(event.id, attendee())
    second = register_attendee(event.id, attendee())

    promoted = cancel_registration(holder.id)

    assert [r.id for r in promoted] == [first.id]
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status == CONFIRMED
    assert second.status == WAITLISTED
    assert waitlist_position(second) == 1


def test_cancelling_a_waitlisted_place_moves_the_others_up_and_promotes_nobody():
    event = make_event(capacity=1)
    register_attendee(event.id, attendee())
    first = register_attendee(event.id, attendee())
    second = register_attendee(event.id, attendee())
    assert cancel_registration(first.id) == []
    assert waitlist_position(second) == 1


def test_cancelling_twice_is_refused_and_changes_nothing():
    event = make_event(capacity=1)
    holder = register_attendee(event.id, attendee())
    waiting = register_attendee(event.id, attendee())
    cancel_registration(holder.id)
    with pytest.raises(RegistrationError) as refused:
        cancel_registration(holder.id)
    assert refused.value.code == Code.WRONG_STATUS
    db.session.refresh(waiting)
    assert waiting.status == CONFIRMED


def test_approval_mode_keeps_applications_pending_until_decided():
    event = make_event(capacity=1, mode=RegistrationMode.APPROVAL)
    first = register_attendee(event.id, attendee())
    second = register_attendee(event.id, attendee())
    third = register_attendee(event.id, attendee())
    assert {first.status, second.status, third.status} == {RegistrationStatus.PENDING}

    assert approve_registration(first.id).status == CONFIRMED
    assert approve_registration(second.id).status == WAITLISTED  # the only seat is taken
    assert decline_registration(third.id).status == RegistrationStatus.DECLINED


def test_a_decided_application_cannot_be_decided_again():
    event = make_event(mode=RegistrationMode.APPROVAL)
    registration = register_attendee(event.id, attendee())
    decline_registration(registration.id)
    with pytest.raises(RegistrationError) as caught:
        approve_registration(registration.id)
    assert caught.value.code == "wrong_status"


def test_approval_without_seat_or_waiting_list_is_refused():
    event = make_event(capacity=1, mode=RegistrationMode.APPROVAL, waitlist_enabled=False)
    first = register_attendee(event.id, attendee())
    second = register_attendee(event.id, attendee())
    approve_registration(first.id)
    with pytest.raises(RegistrationError) as caught:
        approve_registration(second.id)
    assert caught.value.code == "full"
    db.session.refresh(second)
    assert second.status == RegistrationStatus.PENDING


def test_a_declined_person_may_apply_again():
    event = make_event(mode=RegistrationMode.APPROVAL)
    registration = register_attendee(event.id, attendee(email="ewa@example.org"))
    decline_registration(registration.id)
    again = register_attendee(event.id, attendee(email="ewa@example.org"))
    assert again.status == RegistrationStatus.PENDING


# Seats kept for invited people ------------------------------------------------------


def kept_seats_event(capacity=2, kept=1, **overrides):
    """An event with `kept` of its seats kept for invited people for three more days."""
    return make_event(
        capacity=capacity,
        invitee_seats=kept,
        invitee_seats_until=utcnow() + timedelta(days=3),
        **(next_week() | overrides),
    )


def invited(registration):
    """Mark a registration as made through a personal invitation."""
    db.session.add(
        Invitation(
            event_id=registration.event_id,
            name=registration.full_name,
            email=registration.email,
            registration_id=registration.id,
        )
    )
    db.session.commit()
    return registration


def test_approving_an_application_does_not_give_away_a_seat_kept_for_invited_people():
    """The defect: approval counted only the confirmed people, so an application without
    an invitation got the seat the programme page shows as kept (and not free)."""
    event = kept_seats_event(mode=RegistrationMode.APPROVAL)
    make_registration(event, CONFIRMED)
    stranger = make_registration(event, RegistrationStatus.PENDING)
    guest = invited(make_registration(event, RegistrationStatus.PENDING))
    assert approve_registration(stranger.id).status == WAITLISTED
    assert approve_registration(guest.id).status == CONFIRMED  # the kept seat is hers


def test_an_organizer_cannot_promote_into_a_seat_kept_for_invited_people_until_it_is_released():
    event = kept_seats_event()
    make_registration(event, CONFIRMED)
    waiting = register_attendee(event.id, attendee())
    assert waiting.status == WAITLISTED  # the public count: the other seat is kept
    organizer = make_user()
    with pytest.raises(RegistrationError) as refused:
        promote_registration(waiting.id, organizer)
    assert refused.value.code == Code.FULL
    assert db.session.get(Registration, waiting.id).status == WAITLISTED
    promote_registration(waiting.id, organizer, now=utcnow() + timedelta(days=4))
    assert db.session.get(Registration, waiting.id).status == CONFIRMED


def test_a_kept_seat_freed_again_goes_to_the_invited_person_waiting_not_to_the_first_in_line():
    """The defect: the waiting list was filled only with the seats free for anyone, so an
    invited person waited while the seat kept for her stood empty."""
    event = kept_seats_event()
    make_registration(event, CONFIRMED)
    leaving = invited(make_registration(event, CONFIRMED))
    first_in_line = make_registration(event, WAITLISTED)
    guest = invited(make_registration(event, WAITLISTED))
    promoted = cancel_registration(leaving.id)
    assert [r.id for r in promoted] == [guest.id]
    assert db.session.get(Registration, first_in_line.id).status == WAITLISTED
    sent = db.session.scalars(
        sa.select(OutboxMessage.kind).where(OutboxMessage.registration_id == guest.id)
    ).all()
    assert sent == ["promoted"]


def test_a_seat_free_for_anyone_still_goes_to_the_first_in_line():
    event = kept_seats_event(capacity=3)
    make_registration(event, CONFIRMED)
    holder = make_registration(event, CONFIRMED)
    first_in_line = make_registration(event, WAITLISTED)
    guest = invited(make_registration(event, WAITLISTED))
    # One seat free for anyone after the cancellation, one kept: both get a seat,
    # the first in line the free one, the invited person the kept one.
    promoted = cancel_registration(holder.id)
    assert [r.id for r in promoted] == [first_in_line.id, guest.id]
