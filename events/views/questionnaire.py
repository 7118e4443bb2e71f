"""Answering a questionnaire: the public link (/q/<key>), a personal one-time link
(/q/link/<invitation>), and the thank-you page. Both forms go through
`questions_form`; the service checks the answers, the county and the meeting."""

import sqlalchemy as sa
from flask import Blueprint, current_app, redirect, render_template, request, url_for

from events.counties import county_choices
from events.extensions import db, limiter
from events.models import OrganizationType, Questionnaire, QuestionnaireKind, utcnow
from events.services.questionnaires.answering import (
    ALREADY_USED,
    asks_county,
    find_invitation,
    find_meeting,
    latest_version,
    submit_invited_response,
    submit_response,
)
from events.views.access import Rule, access
from events.views.answers import language, questions_form

bp = Blueprint("questionnaire", __name__, url_prefix="/q")


def _form_page(questionnaire, submit, done, **extra):
    return questions_form(
        "questionnaire/form.html",
        latest_version(questionnaire.id),
        submit,
        done,
        questionnaire=questionnaire,
        counties=county_choices(),
        organization_types=list(OrganizationType),
        programme_name=questionnaire.programme.name() if questionnaire.programme else "",
        **extra,
    )


def _closed(questionnaire):
    return render_template("questionnaire/closed.html", questionnaire=questionnaire,
                           language=language()), 410  # fmt: skip


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
@access(Rule.PUBLIC)
@limiter.limit(lambda: current_app.config["RATELIMIT_QUESTIONNAIRE"], methods=["POST"])
def public(key: str):
    questionnaire = _public_or_404(key)
    if request.method == "GET" and not questionnaire.is_open(utcnow()):
        return _closed(questionnaire)
    meeting = find_meeting(request.args.get("meeting", ""))  # a poster's link names it

    def submit(version_id, form):
        return submit_response(
            questionnaire.id, version_id, form, meeting_id=meeting.id if meeting else None
        )

    def done(_response):
        return redirect(url_for("questionnaire.thanks", key=key))

    return _form_page(questionnaire, submit, done, meeting=meeting,
                      ask_county=asks_county(questionnaire, invited=False))  # fmt: skip


@bp.route("/link/<invitation>", methods=["GET", "POST"])
@access(Rule.SECRET)
@limiter.limit(lambda: current_app.config["RATELIMIT_QUESTIONNAIRE"], methods=["POST"])
def personal(invitation: str):
    found = find_invitation(invitation)
    if found is None:
        return render_template("questionnaire/invalid_link.html"), 404
    questionnaire = found.questionnaire
    if request.method == "GET" and not questionnaire.is_open(utcnow()):
        return _closed(questionnaire)
    if request.method == "GET" and found.used:
        return render_template(
            "questionnaire/used.html", questionnaire=questionnaire, language=language(),
            message=ALREADY_USED,
        ), 409  # fmt: skip

    def submit(version_id, form):
        return submit_invited_response(invitation, version_id, form)

    def done(_response):
        return redirect(url_for("questionnaire.thanks", key=questionnaire.public_key))

    return _form_page(questionnaire, submit, done, meeting=None, ask_county=False, personal=True)


@bp.get("/<key>/thanks")
@access(Rule.PUBLIC)
def thanks(key: str):
    questionnaire = _public_or_404(key)
    return render_template("questionnaire/thanks.html", questionnaire=questionnaire,
                           language=language())  # fmt: skip
