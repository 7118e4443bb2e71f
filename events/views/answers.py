"""Forms with questions: what the registration and questionnaire pages share
(reading a respondent, the error summary's links, the registration form as posted)."""

from flask import (
    flash,
    redirect,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from events import consents
from events.counties import BY_CODE
from events.forms.public import RegistrationForm
from events.identifiers import normalize_email
from events.models import (
    OrganizationType,
    Questionnaire,
    QuestionnaireKind,
    RegistrationStatus,
    ResponseSource,
)
from events.services import DomainError
from events.services.questionnaires.answering import (
    QuestionnaireError,
    Respondent,
)
from events.services.questionnaires.at_registration import (
    questions_for,
)
from events.services.questionnaires.questions import (
    QuestionType,
    check_answers,
    field_name,
    questions,
)
from events.services.registration import (
    Attendee,
    RegistrationError,
)
from events.views import parse_enum


def language() -> str:
    return "en" if str(get_locale()).startswith("en") else "pl"


def asks_county(questionnaire: Questionnaire, invited: bool) -> bool:
    """Consultations ask the county; a personal link knows it from the registration."""
    return questionnaire.kind == QuestionnaireKind.CONSULTATION and not invited


def read_respondent(questionnaire, form, invited: bool, source=ResponseSource.ONLINE):
    """(Respondent, errors by field) from the posted county and organization type."""
    errors = {}
    county = form.get("county", "")
    asked = asks_county(questionnaire, invited) or source == ResponseSource.PAPER
    if asked and county not in BY_CODE:
        errors["county"] = _("Choose your county.")
    respondent = Respondent(
        county=county if county in BY_CODE else None,
        organization_type=parse_enum(OrganizationType, form.get("organization_type")),
        source=source,
    )
    if questionnaire.kind == QuestionnaireKind.EVALUATION and questionnaire.event_id:
        respondent.event_id = questionnaire.event_id
    return respondent, errors


def error_links(structure: dict, errors: dict) -> list[tuple[str, str]]:
    """(anchor, message) in the order of the page, for the error summary."""
    links = []
    for name in ("county", "organization_type"):
        if name in errors:
            links.append((name, errors[name]))
    for question in questions(structure):
        if question["key"] in errors:
            grouped = question["type"] in (
                QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SCALE, QuestionType.YES_NO
            )  # fmt: skip
            anchor = field_name(question) + ("-0" if grouped else "")
            links.append((anchor, errors[question["key"]]))
    return links


def raise_all_errors(version):
    _answers, errors = check_answers(version.structure, request.form)
    raise QuestionnaireError("invalid", _("Some answers need correcting."), errors)


WELCOME = {
    RegistrationStatus.CONFIRMED: _l("Thank you! Your seat is confirmed."),
    RegistrationStatus.WAITLISTED: _l("The event is full: you are on the waiting list."),
    RegistrationStatus.PENDING: _l("Thank you! Your application awaits the organizer's approval."),
}


def attendee_from(form: RegistrationForm) -> Attendee:
    return Attendee(
        first_name=form.first_name.data,
        last_name=form.last_name.data,
        email=form.email.data,
        phone=form.phone.data or None,
        organization=form.organization.data,
        organization_type=OrganizationType(form.organization_type.data),
        county=form.county.data,
        dr_member=form.dr_member.data == "yes",
        needs=form.needs.data or None,
        needs_consent=bool(form.needs.data) and form.needs_consent.data,
        data_consent=form.data_consent.data,
        image_consent=form.image_consent.data,
        language=form.language.data,
    )


def answered_form(event_id: int, form, submit, unshown_codes=()):
    """The registration form of an event with the event's own questions, as posted.

    `submit(attendee, version_id, answers)` registers (online, or through an
    invitation). Returns (a redirect to the person's page, None) once registered,
    else (None, the form page's context): the refusals next to their fields and
    every answer typed kept. A refusal whose code is in `unshown_codes` is left to
    the page to say in its own way.
    """
    duplicate = refusal = None
    asked = questions_for(event_id)
    answer_errors = {}
    if request.method == "POST" and asked:
        answer_errors = check_answers(asked[1].structure, request.form)[1]
    if form.validate_on_submit() and not answer_errors:
        try:
            registration = submit(attendee_from(form), posted_version_id(), request.form)
        except QuestionnaireError as error:
            answer_errors, refusal = error.errors, None if error.errors else error.message
            asked = questions_for(event_id)
        except RegistrationError as error:
            if error.code == "duplicate":
                duplicate = normalize_email(form.email.data)
            else:
                refusal = error.message
        except DomainError as error:  # e.g. an invitation already used
            refusal = None if error.code in unshown_codes else error.message
        else:
            flash(str(WELCOME[registration.status]), "success")
            return redirect(url_for("registration.manage", token=registration.manage_token)), {}
    return None, {
        "form": form,
        "duplicate": duplicate,
        "refusal": refusal,
        "consents": consents,
        "asked": asked[1] if asked else None,
        "values": request.form if request.method == "POST" else MultiDict(),
        "answer_errors": answer_errors,
        "error": bool(answer_errors),
        "answer_links": error_links(asked[1].structure, answer_errors) if asked else [],
        "language": language(),
    }


def posted_version_id() -> int | None:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else None
