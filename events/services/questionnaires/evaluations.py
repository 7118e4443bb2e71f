"""Evaluations after an event, sent by `flask --app app send-evaluations` from cron.

A set time (`send_after_hours`) after the event ends, every person checked in at
the door gets a personal one-time link; people who never came (no-shows) get
nothing. Three days later those who have not answered get one reminder. Each
invitation is marked in the transaction that queues its email, and the rows are
locked, so a second run (or two at once) never sends anything twice.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import (
    Event,
    EventStatus,
    Questionnaire,
    QuestionnaireInvitation,
    QuestionnaireKind,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from events.services import audit
from events.services.questionnaires.answering import QuestionnaireError, invite, queue_invitation
from events.unit_of_work import command

REMIND_AFTER = timedelta(days=3)


def _due(now: datetime) -> list[Questionnaire]:
    """Open evaluations of events that ended at least `send_after_hours` ago."""
    candidates = db.session.scalars(
        sa.select(Questionnaire)
        .join(Event, Event.id == Questionnaire.event_id)
        .where(
            Questionnaire.kind == QuestionnaireKind.EVALUATION,
            Questionnaire.opens_at <= now,
            Questionnaire.closes_at > now,
            Event.status != EventStatus.CANCELLED,
            Event.ends_at <= now,
        )
        .order_by(Questionnaire.id)
    ).all()
    return [q for q in candidates if q.event.ends_at + timedelta(hours=q.send_after_hours) <= now]


def _invite_checked_in(questionnaire: Questionnaire, now: datetime) -> int:
    invited = sa.select(QuestionnaireInvitation.registration_id).where(
        QuestionnaireInvitation.questionnaire_id == questionnaire.id,
        QuestionnaireInvitation.registration_id.is_not(None),
    )
    people = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == questionnaire.event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.checked_in_at.is_not(None),  # never the no-shows
            Registration.anonymized_at.is_(None),
            Registration.email.is_not(None),  # a walk-in who gave no address: no link
            Registration.id.not_in(invited),
        )
        .order_by(Registration.id)
        .with_for_update(skip_locked=True)
    ).all()
    return sum(1 for person in people if invite(questionnaire, person, now))


@command
def send_evaluations(now: datetime | None = None) -> tuple[int, int]:
    """Queue the evaluation links and the reminders that are due; returns (sent, reminded)."""
    now = now or utcnow()
    sent = sum(_invite_checked_in(questionnaire, now) for questionnaire in _due(now))
    return sent, _remind(now)


@command
def send_evaluation_now(questionnaire_id: int, user: User, now: datetime | None = None) -> int:
    """An organizer sends the evaluation without waiting for the set time (the event must
    have ended and the questionnaire be open); returns how many links were sent."""
    now = now or utcnow()
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    event = questionnaire.event
    if questionnaire.kind != QuestionnaireKind.EVALUATION or event is None:
        raise QuestionnaireError("invalid", _l("Only an evaluation of an event is sent."))
    if event.ends_at > now:
        raise QuestionnaireError("early", _l("The evaluation is sent once the event has ended."))
    if not questionnaire.is_open(now):
        raise QuestionnaireError("closed", _l("The questionnaire is not open: no links were sent."))
    sent = _invite_checked_in(questionnaire, now)
    audit.record(
        "questionnaire_links_sent",
        user,
        event.id,
        after={"title": questionnaire.title_pl, "recipients": sent},
    )
    return sent


def _remind(now: datetime) -> int:
    invitations = db.session.scalars(
        sa.select(QuestionnaireInvitation)
        .join(Questionnaire, Questionnaire.id == QuestionnaireInvitation.questionnaire_id)
        .where(
            Questionnaire.kind == QuestionnaireKind.EVALUATION,
            Questionnaire.closes_at > now,
            QuestionnaireInvitation.used.is_(False),
            QuestionnaireInvitation.reminded_at.is_(None),
            QuestionnaireInvitation.sent_at <= now - REMIND_AFTER,
            QuestionnaireInvitation.registration_id.is_not(None),
        )
        .order_by(QuestionnaireInvitation.id)
        .with_for_update(of=QuestionnaireInvitation, skip_locked=True)
    ).all()
    for invitation in invitations:
        invitation.reminded_at = now
        registration = db.session.get(Registration, invitation.registration_id)
        queue_invitation(invitation, invitation.questionnaire, registration, reminder=True)
    return len(invitations)
