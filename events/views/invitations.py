"""An invitation's personal links (/i/<token>): a pre-filled registration form,
one-click decline, and no more invitations. The links are secrets: whoever holds
one (the invitee, or whom they forwarded it to) may use it."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from events import consents
from events.forms import ConfirmForm, RegistrationForm
from events.models import utcnow
from events.services.invitations import (
    InvitationError,
    decline_invitation,
    find_invitation,
    is_used,
    opt_out,
    prefill,
    register_invited,
)
from events.services.listings import listing_for
from events.services.questionnaires import QuestionnaireError
from events.services.questions import check_answers
from events.services.registration import RegistrationError, normalize_email
from events.services.registration_questions import questions_for
from events.views.questionnaire import error_links, language
from events.views.registration import _WELCOME, attendee_from, posted_version_id

bp = Blueprint("invitations", __name__, url_prefix="/i")


def _invitation_or_404(token: str):
    invitation = find_invitation(token)
    if invitation is None:
        abort(404)
    return invitation


@bp.route("/<token>", methods=["GET", "POST"])
def respond(token: str):
    """The registration form, filled in with the invitation's details (which may be changed)."""
    invitation = _invitation_or_404(token)
    form = RegistrationForm()
    if request.method == "GET":
        form.process(data=prefill(invitation))
        form.language.data = invitation.language
    duplicate = refusal = None
    asked = questions_for(invitation.event_id)  # the event's own questions, as online
    answer_errors = {}
    if request.method == "POST" and asked:
        answer_errors = check_answers(asked[1].structure, request.form)[1]
    if form.validate_on_submit() and not answer_errors:
        try:
            registration = register_invited(
                token, attendee_from(form), posted_version_id(), request.form
            )
        except RegistrationError as error:
            if error.code == "duplicate":
                duplicate = normalize_email(form.email.data)
            else:
                refusal = error.message
        except InvitationError as error:
            refusal = None if error.code == "used" else error.message  # the page says so
        except QuestionnaireError as error:
            answer_errors, refusal = error.errors, None if error.errors else error.message
            asked = questions_for(invitation.event_id)
        else:
            flash(str(_WELCOME[registration.status]), "success")
            return redirect(url_for("registration.manage", token=registration.manage_token))
    response = render_template(
        "registration/form.html",
        form=form,
        listing=listing_for(invitation.event, utcnow(), invited=True),
        duplicate=duplicate,
        refusal=refusal,
        consents=consents,
        invitation=invitation,
        used=is_used(invitation),
        asked=asked[1] if asked else None,
        values=request.form if request.method == "POST" else MultiDict(),
        answer_errors=answer_errors,
        error=bool(answer_errors),
        answer_links=error_links(asked[1].structure, answer_errors) if asked else [],
        language=language(),
    )
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _answer(token: str, action, template: str):
    invitation = _invitation_or_404(token)
    form = ConfirmForm()
    done = False
    if form.validate_on_submit():
        try:
            invitation = action(token)
            done = True
        except InvitationError as error:
            flash(str(error.message), "error")
    return (
        render_template(template, invitation=invitation, form=form, done=done),
        200,
        {"Cache-Control": "no-store"},
    )


@bp.route("/<token>/decline", methods=["GET", "POST"])
def decline(token: str):
    """One button: "I cannot come". (A GET changes nothing: mail scanners open links.)"""
    return _answer(token, decline_invitation, "invitations/decline.html")


@bp.route("/<token>/opt-out", methods=["GET", "POST"])
def opt_out_page(token: str):
    """One button: no more invitations to this address."""
    return _answer(token, opt_out, "invitations/opt_out.html")
