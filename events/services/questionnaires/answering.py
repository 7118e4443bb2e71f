"""Questionnaires: answering them (public link, paper, personal one-time links).
The builder is in `questionnaire_builder`.

A personal link is used once: the answer and the link's "used" mark are one
transaction, and the mark is set by a conditional UPDATE (`used = false` in its
WHERE clause). Two submissions at once (two tabs, a double click, a retry) both
try it; the database lets exactly one change the row, the other gets `used`.
"""

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.counties import BY_CODE as COUNTIES
from events.extensions import db
from events.messages.mail import queue_templated
from events.models import (
    Event,
    EventKind,
    OrganizationType,
    Questionnaire,
    QuestionnaireInvitation,
    QuestionnaireKind,
    QuestionnaireResponse,
    QuestionnaireVersion,
    Registration,
    RegistrationStatus,
    ResponseSource,
    User,
    utcnow,
)
from events.services import DomainError, audit
from events.services.organizations.scope import Scope, visible_events
from events.services.questionnaires.questions import (
    check_answers,
)
from events.timezone import local_date
from events.unit_of_work import command


class QuestionnaireError(DomainError):
    """A refusal with a code (`closed`, `used`, `changed`, `invalid`, `unknown`) and a
    message; `errors` holds a message per question key for `invalid`."""

    class Code(enum.StrEnum):
        CHANGED = "changed"
        CLOSED = "closed"
        EARLY = "early"
        INVALID = "invalid"
        UNKNOWN = "unknown"
        USED = "used"

    def __init__(self, code: str, message, errors: dict | None = None):
        super().__init__(code, message)
        self.errors = errors or {}


@dataclass
class Respondent:
    """What the questionnaire asks besides its questions, and where the answer came from
    (already checked: see `read_respondent` for what a page posted)."""

    county: str | None = None
    organization_type: OrganizationType | None = None
    event_id: int | None = None  # the meeting
    source: ResponseSource = ResponseSource.ONLINE


def asks_county(questionnaire: Questionnaire, invited: bool, source=ResponseSource.ONLINE) -> bool:
    """Consultations ask the county (a personal link knows it from the registration);
    a paper questionnaire always has the box."""
    if source == ResponseSource.PAPER:
        return True
    return questionnaire.kind == QuestionnaireKind.CONSULTATION and not invited


def find_meeting(slug: str) -> Event | None:
    """The meeting a public link names (`?meeting=<slug>` on a poster's link)."""
    if not slug or len(slug) > 120:
        return None
    return db.session.scalar(sa.select(Event).where(Event.slug == slug))


def read_respondent(
    questionnaire: Questionnaire,
    form,
    source: ResponseSource = ResponseSource.ONLINE,
    invited: bool = False,
    meeting_id: int | None = None,
) -> tuple[Respondent, dict]:
    """(Respondent, errors by field) from the posted `county` and `organization_type`
    and the meeting: the county is required where it is asked; a meeting must exist;
    an evaluation is about its event unless a meeting is named."""
    errors = {}
    county = form.get("county", "")
    if asks_county(questionnaire, invited, source) and county not in COUNTIES:
        errors["county"] = _l("Choose your county.")
    kinds = {kind.value: kind for kind in OrganizationType}
    respondent = Respondent(
        county=county if county in COUNTIES else None,
        organization_type=kinds.get(form.get("organization_type", "")),
        event_id=questionnaire.event_id
        if questionnaire.kind == QuestionnaireKind.EVALUATION
        else None,
        source=source,
    )
    if meeting_id is not None:
        if db.session.get(Event, meeting_id) is None:
            errors["meeting"] = _l("Choose a meeting from the list.")
        else:
            respondent.event_id = meeting_id
    return respondent, errors


def list_questionnaires(
    scope: Scope, programme_id: int | None = None, event_id: int | None = None
) -> list[Questionnaire]:
    """Those of `scope`, newest first; only one programme's, or one event's, when given."""
    query = sa.select(Questionnaire).where(scope.questionnaires()).order_by(Questionnaire.id.desc())
    if programme_id:
        query = query.where(Questionnaire.programme_id == programme_id)
    if event_id:
        query = query.where(Questionnaire.event_id == event_id)
    return list(db.session.scalars(query))


def latest_version(questionnaire_id: int) -> QuestionnaireVersion:
    return db.session.scalars(
        sa.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
        .order_by(QuestionnaireVersion.number.desc())
        .limit(1)
    ).one()


def response_count(questionnaire_id: int, version_id: int | None = None) -> int:
    query = sa.select(sa.func.count()).where(
        QuestionnaireResponse.questionnaire_id == questionnaire_id
    )
    if version_id is not None:
        query = query.where(QuestionnaireResponse.version_id == version_id)
    return db.session.scalar(query)


def response_counts() -> dict[int, int]:
    """{questionnaire id: responses} for the list of questionnaires."""
    return dict(
        db.session.execute(
            sa.select(QuestionnaireResponse.questionnaire_id, sa.func.count()).group_by(
                QuestionnaireResponse.questionnaire_id
            )
        ).all()
    )


def _check(
    questionnaire: Questionnaire,
    version_id: int | None,
    form,
    now: datetime,
    paper: bool,
    respondent_errors: dict | None = None,
):
    if not paper and not questionnaire.is_open(now):
        raise QuestionnaireError(
            "closed", _l("This questionnaire is closed: answers are no longer accepted.")
        )
    version = latest_version(questionnaire.id)
    if version.id != version_id:
        raise QuestionnaireError(
            "changed",
            _l(
                "The organizer changed the questionnaire while you were filling it in. Your "
                "answers are kept below: please check them against the questions and send again."
            ),
        )
    answers, errors = check_answers(version.structure, form)
    errors = {**(respondent_errors or {}), **errors}  # every error at once, in one refusal
    if errors:
        raise QuestionnaireError("invalid", _l("Some answers need correcting."), errors)
    return version, answers


def _response(questionnaire, version, answers, respondent, now, registration_id=None):
    response = QuestionnaireResponse(
        questionnaire_id=questionnaire.id,
        version_id=version.id,
        answers=answers,
        county=respondent.county,
        organization_type=respondent.organization_type,
        event_id=respondent.event_id,
        registration_id=None if questionnaire.anonymous else registration_id,
        source=respondent.source,
        submitted_on=local_date(now),
    )
    db.session.add(response)
    return response


@command
def submit_response(
    questionnaire_id: int,
    version_id: int | None,
    form,
    respondent: Respondent | None = None,
    now: datetime | None = None,
    *,
    source: ResponseSource = ResponseSource.ONLINE,
    meeting_id: int | None = None,
) -> QuestionnaireResponse:
    """A response through the public link (or typed in from paper by staff).

    Without a `respondent`, the county and organization type are read from the
    posted `form` and the meeting from `meeting_id` (see `read_respondent`), and
    their errors come with the answers' in one refusal.
    Raises QuestionnaireError: `closed`, `changed` (a new version since the
    page was opened), `invalid` (with `errors` per field: question keys, `county`,
    `meeting`)."""
    now = now or utcnow()
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    errors = {}
    if respondent is None:
        respondent, errors = read_respondent(questionnaire, form, source, meeting_id=meeting_id)
    paper = respondent.source == ResponseSource.PAPER
    version, answers = _check(questionnaire, version_id, form, now, paper, errors)
    return _response(questionnaire, version, answers, respondent, now)


def find_invitation(token: str) -> QuestionnaireInvitation | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(
        sa.select(QuestionnaireInvitation).where(QuestionnaireInvitation.token == token)
    )


ALREADY_USED = _l(
    "This personal link has already been used: one response was received from it, and it "
    "stands. Nothing more was saved. Thank you for taking part."
)


@command
def submit_invited_response(
    token: str,
    version_id: int | None,
    form,
    respondent: Respondent | None = None,
    now: datetime | None = None,
) -> QuestionnaireResponse:
    """A response through a personal one-time link (the meeting and the county come
    from the invitation); raises QuestionnaireError as `submit_response` does, and
    `used` when the link has already given its answer."""
    now = now or utcnow()
    invitation = find_invitation(token)
    if invitation is None:
        raise QuestionnaireError("unknown", _l("This link is not valid."))
    if invitation.used:
        raise QuestionnaireError("used", ALREADY_USED)
    questionnaire = invitation.questionnaire
    errors = {}
    if respondent is None:
        respondent, errors = read_respondent(questionnaire, form, invited=True)
    version, answers = _check(questionnaire, version_id, form, now, False, errors)
    taken = db.session.execute(
        sa.update(QuestionnaireInvitation)
        .where(QuestionnaireInvitation.id == invitation.id, QuestionnaireInvitation.used.is_(False))
        .values(used=True)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # another tab or request was first
        raise QuestionnaireError("used", ALREADY_USED)
    respondent.event_id = invitation.event_id
    registration_id = invitation.registration_id
    if respondent.county is None and registration_id:
        respondent.county = db.session.get(Registration, registration_id).county
    return _response(questionnaire, version, answers, respondent, now, registration_id)


def invite(questionnaire: Questionnaire, registration: Registration, now: datetime):
    """Make a personal link for this person and queue its email (nothing if already invited)."""
    exists = db.session.scalar(
        sa.select(QuestionnaireInvitation.id).where(
            QuestionnaireInvitation.questionnaire_id == questionnaire.id,
            QuestionnaireInvitation.registration_id == registration.id,
        )
    )
    if exists:
        return None
    invitation = QuestionnaireInvitation(
        questionnaire_id=questionnaire.id,
        registration_id=registration.id,
        event_id=registration.event_id,
        sent_at=now,
    )
    db.session.add(invitation)
    db.session.flush()
    queue_invitation(invitation, questionnaire, registration, reminder=False)
    return invitation


INVITATION_SUBJECT = _l("Your opinion, please: %(title)s")
REMINDER_SUBJECT = _l("Reminder – your opinion, please: %(title)s")


def queue_invitation(invitation, questionnaire, registration, reminder: bool):
    language = registration.language
    queue_templated(
        "questionnaire_invitation",
        registration.email,
        language,
        REMINDER_SUBJECT if reminder else INVITATION_SUBJECT,
        {"title": questionnaire.title(language)},  # translated in the recipient's language
        first_name=registration.first_name,
        title=questionnaire.title(language),
        purpose=questionnaire.purpose(language),
        event_title=registration.event.title,
        evaluation=questionnaire.kind == QuestionnaireKind.EVALUATION,
        anonymous=questionnaire.anonymous,
        closes_at=questionnaire.closes_at,
        token=invitation.token,
        reminder=reminder,
    )


@command
def invite_registrants(questionnaire_id: int, event_id: int, user: User | None) -> int:
    """Personal links for the confirmed people of a meeting; returns how many were sent."""
    now = utcnow()
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    if questionnaire.closes_at <= now:
        raise QuestionnaireError("closed", _l("The questionnaire is closed: no links were sent."))
    people = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.anonymized_at.is_(None),
        )
        .order_by(Registration.id)
    ).all()
    sent = sum(1 for person in people if invite(questionnaire, person, now))
    audit.record(
        "questionnaire_links_sent",
        user,
        event_id,
        after={"title": questionnaire.title_pl, "recipients": sent},
    )
    return sent


def consultation_meetings(scope: Scope) -> list[Event]:
    """The consultation meetings of `scope`: where personal links and posters go."""
    return visible_events(scope, Event.kind == EventKind.CONSULTATION)
