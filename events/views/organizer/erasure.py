"""Organizer: a person's request to be forgotten, handled by a coordinator across the
network. The coordinator types the address from the request, sees every registration
of it at every organization's events, and erases them all in one step (audited per
registration, as from an event's table)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from events.forms.organizer import ErasureRequestForm
from events.models import utcnow
from events.services.privacy import erase_person, registrations_of_person
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp


@bp.route("/erasure", methods=["GET", "POST"])
@access(Rule.COORDINATOR)
def erasure():
    """Step one: the address (its registrations listed); step two, posted with
    `confirm`: the erasure."""
    form = ErasureRequestForm()
    affected = None
    if form.validate_on_submit():
        if request.form.get("confirm") == "erase":
            erased = erase_person(form.email.data, current_user)
            flash(
                ngettext(
                    "The personal data was erased from %(num)d registration.",
                    "The personal data was erased from %(num)d registrations.",
                    erased,
                )
                if erased
                else _("There was nothing left to erase."),
                "success",
            )
            return redirect(url_for(".erasure"))
        affected = registrations_of_person(form.email.data)
    return render_template("organizer/erasure.html", form=form, affected=affected, now=utcnow())
