"""Questions at registration: an event's own questions in its registration form.

They are built with the questionnaire builder (kind "registration"). The answers
belong to the registration: shown on the person's page, in the organizers' table
and in the exports (a column per question), and the person may change them until
registration closes (the lifecycle's time rule). They are personal data, so they
follow the registration's erasure and retention (events.services.privacy).
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import (
    EventStatus,
    Questionnaire,
    QuestionnaireKind,
    QuestionnaireResponse,
    QuestionnaireVersion,
    Registration,
    ResponseSource,
    utcnow,
)
from events.services.lifecycle import registration_closes_at
from events.services.locking import lock_registration
from events.services.questionnaires.answering import QuestionnaireError, latest_version
from events.services.questionnaires.questions import answer_text, check_answers, questions, text
from events.services.registration import Attendee, register_attendee
from events.timezone import local_date
from events.unit_of_work import command

CHANGED = _l(
    "The organizer changed the questions while you were filling in the form. Your answers "
    "are kept: please check them and send the form again."
)
CLOSED = _l("Registration has closed: the answers can no longer be changed.")


def _newest_questionnaire(event_id, *columns) -> sa.Select:
    return (
        sa.select(*(columns or (Questionnaire,)))
        .where(
            Questionnaire.kind == QuestionnaireKind.REGISTRATION,
            Questionnaire.event_id == event_id,
        )
        .order_by(Questionnaire.id.desc())
        .limit(1)
    )


def questions_for(event_id: int) -> tuple[Questionnaire, QuestionnaireVersion] | None:
    """The event's questions at registration and their newest version; None without any."""
    questionnaire = db.session.scalar(_newest_questionnaire(event_id))
    if questionnaire is None:
        return None
    version = latest_version(questionnaire.id)
    return (questionnaire, version) if questions(version.structure) else None


def check_registration_answers(event_id: int, version_id: int | None, form) -> None:
    """Check the answers to an event's questions as registering would, writing nothing:
    for a form whose person's details need correcting too, so that the page shows
    every error at once. Raises QuestionnaireError `changed` or `invalid` (errors per
    question key)."""
    _checked(event_id, version_id, form)


def _checked(event_id: int, version_id: int | None, form) -> tuple:
    asked = questions_for(event_id)
    if asked is None:
        return None, None, {}
    questionnaire, version = asked
    if version.id != version_id:
        raise QuestionnaireError("changed", CHANGED)
    answers, errors = check_answers(version.structure, form)
    if errors:
        raise QuestionnaireError("invalid", _l("Some answers need correcting."), errors)
    return questionnaire, version, answers


@command
def register_with_answers(
    event_id: int,
    attendee: Attendee,
    version_id: int | None,
    form,
    notify: bool = True,
    invited: bool = False,
) -> Registration:
    """Register (see `register_attendee`) and store the answers, in one transaction.

    Raises RegistrationError as `register_attendee` does, and QuestionnaireError
    (`invalid` with errors per question, `changed` for a newer version of the questions)."""
    checked = _checked(event_id, version_id, form)
    registration = register_attendee(event_id, attendee, notify=notify, invited=invited)
    store_answers(registration, checked)
    return registration


def checked_answers(event_id: int, version_id: int | None, form) -> tuple:
    """(questionnaire, version, answers) of a posted form, for `store_answers`; Nones and
    {} for an event without questions. Raises QuestionnaireError `changed` or `invalid`
    (errors per question key), as registering does."""
    return _checked(event_id, version_id, form)


def store_answers(registration: Registration, checked: tuple) -> None:
    """Keep a new registration's answers (from `checked_answers`), if the event asks any."""
    questionnaire, version, answers = checked
    if questionnaire is None:
        return
    db.session.add(
        QuestionnaireResponse(
            questionnaire_id=questionnaire.id,
            version_id=version.id,
            answers=answers,
            county=registration.county,
            organization_type=registration.organization_type,
            event_id=registration.event_id,
            registration_id=registration.id,
            source=ResponseSource.ONLINE,
            submitted_on=local_date(utcnow()),
        )
    )


def can_change_answers(registration: Registration, now: datetime) -> bool:
    event = registration.event
    return (
        registration.is_active
        and event.status != EventStatus.CANCELLED
        and now < registration_closes_at(event)
    )


def questions_query(event_id) -> sa.Select:
    """The structure of the questions `questions_for` finds, as a query; `event_id` may
    be a column, so that it is a correlated subquery (the person's page's version)."""
    newest = _newest_questionnaire(event_id, Questionnaire.id).correlate_except(Questionnaire)
    newest = newest.scalar_subquery()
    return (
        sa.select(QuestionnaireVersion.structure)
        .where(QuestionnaireVersion.questionnaire_id == newest)
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    )


def answers_query(registration_id, *columns) -> sa.Select:
    """The person's response to the event's questions, as a query (`answers_of`);
    `registration_id` may be a column, for a correlated subquery of `columns`."""
    return (
        sa.select(*(columns or (QuestionnaireResponse,)))
        .join(Questionnaire, Questionnaire.id == QuestionnaireResponse.questionnaire_id)
        .where(
            Questionnaire.kind == QuestionnaireKind.REGISTRATION,
            QuestionnaireResponse.registration_id == registration_id,
        )
        .order_by(QuestionnaireResponse.questionnaire_id.desc())
        .limit(1)
    )


def answers_of(registration: Registration) -> QuestionnaireResponse | None:
    return db.session.scalar(answers_query(registration.id))


def answer_list(registration: Registration, language: str) -> list[tuple[str, str]]:
    """(question, answer) of the newest questions, as words, for the person's page."""
    asked = questions_for(registration.event_id)
    if asked is None:
        return []
    response = answers_of(registration)
    stored = response.answers if response else {}
    return [
        (
            text(question, "text", language),
            answer_text(question, stored.get(question["key"]), language),
        )
        for question in questions(asked[1].structure)
    ]


@command
def change_answers(
    registration_id: int, version_id: int | None, form, now: datetime | None = None
) -> QuestionnaireResponse:
    """Replace the person's answers. Raises QuestionnaireError: `closed`, `changed`, `invalid`."""
    now = now or utcnow()
    registration = lock_registration(registration_id)
    if not can_change_answers(registration, now):
        raise QuestionnaireError("closed", CLOSED)
    questionnaire, version, answers = _checked(registration.event_id, version_id, form)
    if questionnaire is None:
        raise QuestionnaireError("closed", CLOSED)
    response = answers_of(registration)
    if response is None:
        response = QuestionnaireResponse(
            questionnaire_id=questionnaire.id,
            registration_id=registration.id,
            event_id=registration.event_id,
            source=ResponseSource.ONLINE,
        )
        db.session.add(response)
    response.version_id, response.answers = version.id, answers
    response.county, response.organization_type = (
        registration.county,
        registration.organization_type,
    )
    response.submitted_on = local_date(now)
    return response


def event_answers(event_id: int) -> tuple[list[dict], dict[int, dict]]:
    """(the questions, {registration id: answers}) for the organizers' table and exports."""
    asked = questions_for(event_id)
    if asked is None:
        return [], {}
    questionnaire, version = asked
    rows = db.session.execute(
        sa.select(QuestionnaireResponse.registration_id, QuestionnaireResponse.answers).where(
            QuestionnaireResponse.questionnaire_id == questionnaire.id,
            QuestionnaireResponse.registration_id.is_not(None),
        )
    ).all()
    return questions(version.structure), dict(rows)
