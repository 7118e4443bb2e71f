"""Answering a questionnaire: the public link (/q/<key>), a personal one-time link
(/q/link/<invitation>), and the thank-you page."""

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from events.counties import county_choices
from events.extensions import db, limiter
from events.models import (
    Event,
    OrganizationType,
    Questionnaire,
    QuestionnaireKind,
    utcnow,
)
from events.programmes import programme_name
from events.services.questionnaires.answering import (
    ALREADY_USED,
    QuestionnaireError,
    find_invitation,
    latest_version,
    submit_invited_response,
    submit_response,
)
from events.views.answers import (
    asks_county,
    error_links,
    language,
    raise_all_errors,
    read_respondent,
)

bp = Blueprint("questionnaire", __name__, url_prefix="/q")


def render_form(questionnaire, version, values, errors=None, refusal=None, **extra):
    errors = errors or {}
    status = 422 if errors or refusal else 200
    return (
        render_template(
            "questionnaire/form.html",
            questionnaire=questionnaire,
            version=version,
            language=language(),
            values=values,
            errors=errors,
            error_links=error_links(version.structure, errors),
            refusal=refusal,
            counties=county_choices(),
            organization_types=list(OrganizationType),
            programme_name=programme_name(questionnaire.programme),
            **extra,
        ),
        status,
    )


def _meeting(questionnaire) -> Event | None:
    slug = request.args.get("meeting", "")
    if not slug or len(slug) > 120:
        return None
    return db.session.scalar(sa.select(Event).where(Event.slug == slug))


def _version_id() -> int:
    raw = request.form.get("version", "")
    return int(raw) if raw.isdigit() else 0


def _public_or_404(key: str) -> Questionnaire:
    """Consultations and evaluations have a public link; questions at registration do not
    (they are answered in the registration form)."""
    return db.first_or_404(
        sa.select(Questionnaire).where(
            Questionnaire.public_key == key,
            Questionnaire.kind != QuestionnaireKind.REGISTRATION,
        )
    )


@bp.route("/<key>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_QUESTIONNAIRE"], methods=["POST"])
def public(key: str):
    questionnaire = _public_or_404(key)
    version = latest_version(questionnaire.id)
    meeting = _meeting(questionnaire)
    extra = {"meeting": meeting, "ask_county": asks_county(questionnaire, False)}
    if request.method == "GET" and not questionnaire.is_open(utcnow()):
        return render_template("questionnaire/closed.html", questionnaire=questionnaire,
                               language=language()), 410  # fmt: skip
    if request.method == "GET":
        return render_form(questionnaire, version, MultiDict(), **extra)
    respondent, errors = read_respondent(questionnaire, request.form, invited=False)
    if meeting:
        respondent.event_id = meeting.id
    try:
        if errors:  # the county: the questions are checked too, to list every error
            raise_all_errors(version)
        submit_response(questionnaire.id, _version_id(), request.form, respondent)
    except QuestionnaireError as error:
        return _refused(questionnaire, error, errors, extra)
    return redirect(url_for("questionnaire.thanks", key=key))


def _refused(questionnaire, error, errors, extra):
    """The page again, with the answers as typed and the reason: nothing typed is lost."""
    version = latest_version(questionnaire.id)
    extra["final"] = error.code in ("used", "closed")  # sending again cannot help
    errors = {**errors, **error.errors}
    refusal = None if error.code == "invalid" else str(error.message)
    return render_form(questionnaire, version, request.form, errors, refusal, **extra)


@bp.route("/link/<invitation>", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_QUESTIONNAIRE"], methods=["POST"])
def personal(invitation: str):
    found = find_invitation(invitation)
    if found is None:
        return render_template("questionnaire/invalid_link.html"), 404
    questionnaire = found.questionnaire
    version = latest_version(questionnaire.id)
    extra = {"ask_county": False, "meeting": None, "personal": True}
    if request.method == "GET" and not questionnaire.is_open(utcnow()):
        return render_template("questionnaire/closed.html", questionnaire=questionnaire,
                               language=language()), 410  # fmt: skip
    if request.method == "GET":
        if found.used:
            return render_template(
                "questionnaire/used.html", questionnaire=questionnaire, language=language(),
                message=ALREADY_USED,
            ), 409  # fmt: skip
        return render_form(questionnaire, version, MultiDict(), **extra)
    respondent, _errors = read_respondent(questionnaire, request.form, invited=True)
    try:
        submit_invited_response(invitation, _version_id(), request.form, respondent)
    except QuestionnaireError as error:
        return _refused(questionnaire, error, {}, extra)
    return redirect(url_for("questionnaire.thanks", key=questionnaire.public_key))


@bp.get("/<key>/thanks")
def thanks(key: str):
    questionnaire = _public_or_404(key)
    return render_template("questionnaire/thanks.html", questionnaire=questionnaire,
                           language=language())  # fmt: skip
