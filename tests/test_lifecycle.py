"""The lifecycle of a registration: every (state, action, actor, moment) tried through
the real service functions, on SQLite and PostgreSQL.

The expectations below are the product's rules written out again, by hand, as a
table a person can check; they are deliberately not read from
`events.services.lifecycle`.
"""

import dataclasses
from datetime import timedelta

import pytest
import sqlalchemy as sa

from events.extensions import db
from events.models import EventStatus, OutboxMessage, Registration, Role, utcnow
from events.models import RegistrationStatus as S
from events.services import DomainError
from events.services.checkin.door import Actor, check_in_registration, organizer_door_action
from events.services.checkin.door import undo_check_in as door_undo
from events.services.lifecycle import (
    TRANSITIONS,
    Action,
    ActorKind,
    Code,
    Email,
    LifecycleError,
    allowed_actions,
    perform,
    refusal,
)
from events.services.privacy import anonymize_before, erase_person
from events.services.registration import (
    approve_registration,
    cancel_registration,
    decline_registration,
    promote_from_waitlist,
    promote_registration,
    resend_status_email,
)
from tests.factories import make_event, make_registration, make_user

pytestmark = pytest.mark.usefixtures("ctx")

ORG, YOU, DOOR, SYS = ActorKind.ORGANIZER, ActorKind.REGISTRANT, ActorKind.DOOR, ActorKind.SYSTEM
MOMENTS = ("before", "started", "ended")
STATES = [(status, False) for status in S] + [(S.CONFIRMED, True)]

# Who may take each action, and until when ("start", "end" or None: any time).
WHO = {
    Action.CANCEL: {YOU: "start", ORG: None},
    Action.APPROVE: {ORG: "start"},
    Action.DECLINE: {ORG: None},
    Action.PROMOTE: {ORG: "start", SYS: "start"},
    Action.DEMOTE: {ORG: None},
    Action.CHECK_IN: {DOOR: None, ORG: None},
    Action.UNDO_CHECK_IN: {DOOR: None, ORG: None},
    Action.RESEND: {ORG: "end"},
    Action.ERASE: {ORG: None, SYS: None},
}
ACTIVE = {S.PENDING, S.CONFIRMED, S.WAITLISTED}


def expected(status, checked_in, action, actor, moment):
    """The rule, by hand: None when allowed, else the refusal's code."""
    if actor not in WHO[action]:
        return Code.NOT_YOURS
    starts_from = {
        Action.CANCEL: ACTIVE,
        Action.APPROVE: {S.PENDING},
        Action.DECLINE: {S.PENDING},
        Action.PROMOTE: {S.WAITLISTED},
        Action.DEMOTE: {S.CONFIRMED},
        Action.CHECK_IN: {S.CONFIRMED},
        Action.UNDO_CHECK_IN: set(S),
        Action.RESEND: ACTIVE,
        Action.ERASE: set(S),
    }[action]
    if status not in starts_from:
        return Code.WRONG_STATUS
    if action == Action.UNDO_CHECK_IN and not checked_in:
        return Code.NOT_CHECKED_IN
    if action in (Action.CANCEL, Action.DEMOTE, Action.CHECK_IN, Action.APPROVE, Action.DECLINE,
                  Action.PROMOTE) and checked_in:  # fmt: skip
        return Code.CHECKED_IN
    deadline = WHO[action][actor]
    if deadline == "start" and moment != "before":
        return Code.EVENT_STARTED
    if deadline == "end" and moment == "ended":
        return Code.EVENT_ENDED
    return None


def event_at(moment, capacity=5):
    now = utcnow()
    starts = {"before": now + timedelta(days=2), "started": now - timedelta(hours=1),
              "ended": now - timedelta(days=2)}[moment]  # fmt: skip
    return make_event(starts_at=starts, ends_at=starts + timedelta(hours=3), capacity=capacity)


@pytest.mark.parametrize("moment", MOMENTS)
def test_the_table_refuses_and_allows_what_the_rules_say(moment):
    event = event_at(moment)
    for status, checked_in in STATES:
        registration = make_registration(event, status, checked_in)
        for action in Action:
            for actor in ActorKind:
                assert refusal(registration, action, actor) == expected(
                    status, checked_in, action, actor, moment
                ), (status, checked_in, action, actor, moment)


NO_WAY_IN = object()


def _run(action, actor, registration, organizer, link_actor):
    """Take `action` as `actor` through the service a person or process would use.
    Returns NO_WAY_IN when no entry point exists for that actor."""
    event_id, rid = registration.event_id, registration.id
    calls = {
        (Action.CANCEL, YOU): lambda: cancel_registration(rid),
        (Action.CANCEL, ORG): lambda: cancel_registration(rid, by=organizer),
        (Action.APPROVE, ORG): lambda: approve_registration(rid, by=organizer),
        (Action.DECLINE, ORG): lambda: decline_registration(rid, by=organizer),
        (Action.PROMOTE, ORG): lambda: promote_registration(rid, organizer),
        (Action.PROMOTE, SYS): lambda: promote_from_waitlist(registration.event),
        (Action.CHECK_IN, DOOR): lambda: check_in_registration(event_id, rid, link_actor),
        (Action.CHECK_IN, ORG): lambda: organizer_door_action(event_id, rid, organizer, False),
        (Action.UNDO_CHECK_IN, DOOR): lambda: door_undo(event_id, rid, link_actor),
        (Action.UNDO_CHECK_IN, ORG): lambda: organizer_door_action(event_id, rid, organizer, True),
        (Action.RESEND, ORG): lambda: resend_status_email(rid, organizer),
        (Action.ERASE, ORG): lambda: erase_person(registration.email, organizer),
    }
    call = calls.get((action, actor))
    if call is None:
        return NO_WAY_IN
    call()
    return None


EFFECTS = {  # status after an allowed action (None: unchanged)
    Action.CANCEL: S.CANCELLED,
    Action.APPROVE: S.CONFIRMED,
    Action.DECLINE: S.DECLINED,
    Action.PROMOTE: S.CONFIRMED,
}


@pytest.mark.parametrize("moment", MOMENTS)
def test_every_service_does_what_the_table_says(moment):
    organizer = make_user(email=f"org-{moment}@example.org", role=Role.COORDINATOR)
    door = Actor(user_id=organizer.id)
    event = event_at(moment, capacity=None)  # seats are counted in test_registration_service
    event_id = event.id
    for status, checked_in in STATES:
        for action in Action:
            for actor in ActorKind:
                if action == Action.DEMOTE or (action, actor) == (Action.ERASE, SYS):
                    continue  # through the event form and the retention run: tested below
                registration = make_registration(db.session.get(type(event), event_id), status,
                                                 checked_in)  # fmt: skip
                rid, before = registration.id, registration.status
                want = expected(status, checked_in, action, actor, moment)
                case = (status, checked_in, action, actor, moment)
                try:
                    outcome = _run(action, actor, registration, organizer, door)
                except DomainError as error:
                    assert want is not None, f"refused {error.code}: {case}"
                    if isinstance(error.code, Code):
                        assert error.code == want, case
                    db.session.rollback()
                    assert db.session.get(Registration, rid).status == before, case
                    continue
                if outcome is NO_WAY_IN:
                    assert want == Code.NOT_YOURS, case  # no way in for this actor
                    continue
                after = db.session.get(Registration, rid)
                db.session.refresh(after)
                if action in (Action.CHECK_IN, Action.UNDO_CHECK_IN):
                    # the door answers with a verdict instead of an error; a check-in
                    # also needs its window (two days off it is shut: checkin.windows)
                    shut = action == Action.CHECK_IN and moment != "started"
                    if want is None and not shut:
                        assert after.is_checked_in == (action == Action.CHECK_IN), case
                    else:
                        assert after.is_checked_in == checked_in, case
                    continue
                if (action, actor) == (Action.PROMOTE, SYS):
                    moved = after.status == S.CONFIRMED and before == S.WAITLISTED
                    assert moved == (want is None), case
                    continue
                assert want is None, f"allowed, but the rules refuse it ({want}): {case}"
                if action == Action.ERASE:
                    assert after.is_anonymized, case
                elif EFFECTS.get(action):
                    assert after.status == EFFECTS[action], case


def test_allowed_actions_are_what_views_and_templates_ask():
    event = event_at("before")
    confirmed = make_registration(event, S.CONFIRMED)
    assert allowed_actions(confirmed, YOU) == {Action.CANCEL}
    assert allowed_actions(confirmed, ORG) == {
        Action.CANCEL, Action.DEMOTE, Action.CHECK_IN, Action.RESEND, Action.ERASE
    }  # fmt: skip
    inside = make_registration(event, S.CONFIRMED, checked_in=True)
    assert allowed_actions(inside, ORG) == {Action.UNDO_CHECK_IN, Action.RESEND, Action.ERASE}


def test_retention_erases_at_any_time_and_skips_people_already_anonymized():
    event = event_at("ended")
    people = [make_registration(event, status) for status in S]
    assert anonymize_before(utcnow()) == len(people)
    assert all(db.session.get(Registration, p.id).is_anonymized for p in people)
    assert anonymize_before(utcnow()) == 0


def test_a_cancelled_event_promotes_nobody():
    event = make_event(capacity=1)
    waiting = make_registration(event, S.WAITLISTED)
    event.status = EventStatus.CANCELLED
    db.session.commit()
    assert promote_from_waitlist(event) == []
    assert refusal(waiting, Action.PROMOTE, ORG) == Code.EVENT_CANCELLED


def test_a_cancellation_after_the_start_promotes_nobody_into_the_past():
    """The defect: a no-show cancelling after the event gave a seat to the waiting list,
    with a ticket and an invite for a past event."""
    event = event_at("ended")
    holder = make_registration(event, S.CONFIRMED)
    waiting = make_registration(event, S.WAITLISTED)
    with pytest.raises(DomainError) as refused:
        cancel_registration(holder.id)  # the registrant, through their link
    assert refused.value.code == Code.EVENT_STARTED
    # An organizer may still cancel (audited), and nobody is promoted.
    organizer = make_user(role=Role.COORDINATOR)
    assert cancel_registration(holder.id, by=organizer) == []
    assert db.session.get(Registration, waiting.id).status == S.WAITLISTED
    kinds = db.session.scalars(sa.select(OutboxMessage.kind)).all()
    assert "promoted" not in kinds


# The one function that performs a transition ---------------------------------------

# What each allowed action leaves behind, written out by hand: the status (None: the
# status stays) and the email the caller must queue (None: no email).
OUTCOMES = {
    Action.CANCEL: (S.CANCELLED, "cancelled"),
    Action.APPROVE: (S.CONFIRMED, "accepted"),
    Action.DECLINE: (S.DECLINED, "declined"),
    Action.PROMOTE: (S.CONFIRMED, "promoted"),
    Action.DEMOTE: (S.WAITLISTED, "waitlisted"),
    Action.CHECK_IN: (None, None),
    Action.UNDO_CHECK_IN: (None, None),
    Action.RESEND: (None, "status"),  # the email of the status the person is in
    Action.ERASE: (None, None),
}
STATUS_EMAIL = {S.CONFIRMED: "confirmed", S.WAITLISTED: "waitlisted", S.PENDING: "pending"}


def test_perform_walks_every_allowed_transition_to_the_table_s_status_and_email():
    event = event_at("before", capacity=None)
    walked = 0
    for action, rule in TRANSITIONS.items():
        assert rule.to_status == OUTCOMES[action][0], action  # the table says what we expect
        for actor in rule.actors:
            for status in rule.from_statuses:
                checked_in = rule.checked_in is True
                registration = make_registration(event, status, checked_in)
                email = perform(registration, action, actor)
                db.session.commit()
                stored = db.session.get(Registration, registration.id)
                db.session.refresh(stored)
                want_status, want_email = OUTCOMES[action]
                if want_email == "status":
                    want_email = STATUS_EMAIL[status]
                case = (action, actor, status)
                assert stored.status == (want_status or status), case
                assert email == want_email and (email is None or isinstance(email, Email)), case
                walked += 1
    assert walked == sum(len(r.actors) * len(r.from_statuses) for r in TRANSITIONS.values())


def test_perform_writes_what_the_table_says_not_a_status_of_its_own(monkeypatch):
    """Change the table and the written status follows: `to_status` is read."""
    event = event_at("before")
    pending = make_registration(event, S.PENDING)
    changed = dataclasses.replace(TRANSITIONS[Action.DECLINE], to_status=S.CANCELLED)
    monkeypatch.setitem(TRANSITIONS, Action.DECLINE, changed)
    assert perform(pending, Action.DECLINE, ORG) == Email.DECLINED
    assert pending.status == S.CANCELLED


def test_perform_refuses_what_the_table_refuses_and_writes_nothing():
    event = event_at("started")
    waiting = make_registration(event, S.WAITLISTED)
    with pytest.raises(LifecycleError) as refused:
        perform(waiting, Action.PROMOTE, ORG)
    assert refused.value.code == Code.EVENT_STARTED
    assert waiting.status == S.WAITLISTED


def test_a_seat_taking_transition_without_a_free_seat_goes_to_the_waiting_list_or_is_refused():
    event = event_at("before", capacity=1)
    make_registration(event, S.CONFIRMED)
    applicant, waiting = make_registration(event, S.PENDING), make_registration(event, S.WAITLISTED)
    assert perform(applicant, Action.APPROVE, ORG) == Email.WAITLISTED
    assert applicant.status == S.WAITLISTED
    with pytest.raises(LifecycleError) as refused:
        perform(waiting, Action.PROMOTE, ORG)
    assert refused.value.code == Code.FULL and waiting.status == S.WAITLISTED
    event.waitlist_enabled = False
    late = make_registration(event, S.PENDING)
    with pytest.raises(LifecycleError) as refused:
        perform(late, Action.APPROVE, ORG)
    assert refused.value.code == Code.FULL and late.status == S.PENDING
