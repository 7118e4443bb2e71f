"""Forms with questions: one handler per kind of form.

`registration_form` serves the registration form (online, through an invitation,
by phone); `questions_form` the pages that answer a questionnaire's questions
(its public link, a personal link, a paper entry, "my answers"). Each page passes
in what differs (the service to call, what follows success, its template); the
services check everything and refuse with every error at once.
"""

from flask import (
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from events import consents
from events.forms.public import RegistrationForm
from events.identifiers import normalize_email
from events.models import (
    OrganizationType,
    QuestionnaireVersion,
    RegistrationStatus,
)
from events.services import DomainError
from events.services.lifecycle import Code
from events.services.questionnaires.answering import QuestionnaireError, latest_version
from events.services.questionnaires.at_registration import (
    check_registration_answers,
    questions_for,
)
from events.services.questionnaires.questions import QuestionType, field_name, questions
from events.services.registration import Attendee, RegistrationError
from events.views import form_id

# Refusals after which sending the same page again cannot help.
FINAL_CODES = ("used", "closed")
RESPONDENT_FIELDS = ("meeting", "county", "organization_type")  # in the order of the page


def language() -> str:
    return "en" if str(get_locale()).startswith("en") else "pl"


def error_links(structure: dict, errors: dict) -> list[tuple[str, str]]:
    """(anchor, message) in the order of the page, for the error summary."""
    links = [(name, errors[name]) for name in RESPONDENT_FIELDS if name in errors]
    for question in questions(structure):
        if question["key"] in errors:
            grouped = question["type"] in (
                QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SCALE, QuestionType.YES_NO
            )  # fmt: skip
            anchor = field_name(question) + ("-0" if grouped else "")
            links.append((anchor, errors[question["key"]]))
    return links


def posted_version_id() -> int | None:
    return form_id("version")


def questions_form(template: str, version: QuestionnaireVersion, submit, done, values=None,
                   headers=None, **context):  # fmt: skip
    """The page of a questionnaire's questions, on GET and as posted.

    `submit(version_id, form)` saves the answers (the service checks them, and the
    county and the meeting, and raises QuestionnaireError with every error at once);
    `done(result)` is the response once saved. On a refusal the page comes again
    with status 422: each error next to its field and in the summary, everything
    typed kept, and the newest version of the questions (`changed`). `values` are
    what a GET shows (a person's stored answers)."""
    errors, refusal, final = {}, None, False
    values = MultiDict() if values is None else values
    if request.method == "POST":
        try:
            result = submit(posted_version_id(), request.form)
        except QuestionnaireError as error:
            values, errors = request.form, error.errors
            refusal = None if error.errors else str(error.message)
            final = error.code in FINAL_CODES
            version = latest_version(version.questionnaire_id)
        else:
            return done(result)
    context.setdefault("language", language())
    body = render_template(
        template,
        version=version,
        values=values,
        errors=errors,
        error_links=error_links(version.structure, errors),
        refusal=refusal,
        final=final,
        **context,
    )
    return body, 422 if errors or refusal else 200, headers or {}


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


def welcome(registration):
    """After registering online or through an invitation: the person's own page."""
    flash(str(WELCOME[registration.status]), "success")
    return redirect(url_for("registration.manage", token=registration.manage_token))


def registration_form(event_id: int, form, submit, done=welcome, unshown_codes=()):
    """The registration form of an event with the event's own questions, as posted.

    `submit(attendee, version_id, answers)` registers (online, through an invitation,
    by phone); `done(registration)` is the response once registered. Returns (that
    response, None), else (None, the form page's context): the person's details and
    the answers checked together, so every error shows on the first post, each next
    to its field and in the summary, and everything typed kept. A refusal whose code
    is in `unshown_codes` is left to the page to say in its own way.
    """
    duplicate = refusal = None
    asked, answer_errors = questions_for(event_id), {}
    if form.validate_on_submit():
        try:
            registration = submit(attendee_from(form), posted_version_id(), request.form)
        except DomainError as error:
            answer_errors, refusal, duplicate = _refused(error, form, unshown_codes)
            asked = questions_for(event_id)
        else:
            return done(registration), None
    elif request.method == "POST" and asked:
        try:  # the details need correcting: the answers are checked too, to list every error
            check_registration_answers(event_id, posted_version_id(), request.form)
        except QuestionnaireError as error:
            answer_errors, refusal, _duplicate = _refused(error, form, unshown_codes)
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


def _refused(error: DomainError, form, unshown_codes) -> tuple[dict, object, str | None]:
    """(errors by question, the refusal to show, the address already registered)."""
    errors = getattr(error, "errors", {})
    if errors or error.code in unshown_codes:  # e.g. an invitation already used
        return errors, None, None
    duplicate = None
    if isinstance(error, RegistrationError) and error.code == Code.DUPLICATE:
        duplicate = normalize_email(form.email.data)  # the public page offers the lost link
    return {}, error.message, duplicate
