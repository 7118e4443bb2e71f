"""An invitation's personal links (/i/<token>): a pre-filled registration form,
one-click decline, and no more invitations. The links are secrets: whoever holds
one (the invitee, or whom they forwarded it to) may use it."""

from flask import Blueprint, abort, flash, render_template, request

from events.forms.public import ConfirmForm, RegistrationForm
from events.models import utcnow
from events.services.invitations.invite import (
    InvitationError,
    decline_invitation,
    find_invitation,
    is_used,
    opt_out,
    prefill,
    register_invited,
)
from events.services.listings import listing_for
from events.views.access import Rule, access
from events.views.answers import registration_form

bp = Blueprint("invitations", __name__, url_prefix="/i")


def _invitation_or_404(token: str):
    invitation = find_invitation(token)
    if invitation is None:
        abort(404)
    return invitation


@bp.route("/<token>", methods=["GET", "POST"])
@access(Rule.SECRET)
def respond(token: str):
    """The registration form, filled in with the invitation's details (which may be changed)."""
    invitation = _invitation_or_404(token)
    form = RegistrationForm()
    if request.method == "GET":
        form.process(data=prefill(invitation))
        form.language.data = invitation.language

    def submit(attendee, version_id, answers):
        return register_invited(token, attendee, version_id, answers)

    # "used": the page says so in its own words.
    done, page = registration_form(invitation.event_id, form, submit, unshown_codes=("used",))
    if done:
        return done
    response = render_template(
        "registration/form.html",
        listing=listing_for(invitation.event, utcnow(), invited=True),
        invitation=invitation,
        used=is_used(invitation),
        **page,
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
@access(Rule.SECRET)
def decline(token: str):
    """One button: "I cannot come". (A GET changes nothing: mail scanners open links.)"""
    return _answer(token, decline_invitation, "invitations/decline.html")


@bp.route("/<token>/opt-out", methods=["GET", "POST"])
@access(Rule.SECRET)
def opt_out_page(token: str):
    """One button: no more invitations to this address."""
    return _answer(token, opt_out, "invitations/opt_out.html")
