"""Organizer: a person's presence corrected afterwards from the signed paper sheet."""

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from events.forms.organizer import CorrectionForm
from events.models import ScanResult
from events.services import DomainError, NotFound
from events.services.checkin.corrections import (
    CorrectionError,
    correct_presence,
    corrections_of,
    corrections_open,
    has_started,
    presences_of,
)
from events.services.participants import registration_of_event
from events.timezone import session_label
from events.views import parse_id
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp, event_or_404

# A correction the decision refused says why, next to "present or absent".
REFUSALS = {
    ScanResult.ALREADY: _l("This person is already marked present."),
    ScanResult.CANCELLED: _l("This registration is cancelled: it cannot be marked present."),
    ScanResult.NOT_CONFIRMED: _l("This person has no confirmed seat: not marked present."),
}


@bp.route(
    "/events/<int:event_id>/registrations/<int:registration_id>/correction",
    methods=["GET", "POST"],
)
@access(Rule.SCOPED)
def correction(event_id: int, registration_id: int):
    event = event_or_404(event_id)
    try:
        registration = registration_of_event(event.id, registration_id)
    except NotFound:
        abort(404)
    sessions = [(item, session_label(item)) for item in event.sessions]
    form = CorrectionForm(sessions=sessions)
    if request.method == "GET":
        form.session.data = request.args.get("session") or _latest_started(event)
    status = 200
    if form.validate_on_submit():
        status = _submit(event, registration, form)
        if status is None:
            flash(_("The record was corrected from the paper sheet."), "success")
            return redirect(
                url_for(".correction", event_id=event.id, registration_id=registration.id)
            )
        form.nonce.data = secrets.token_urlsafe(16)  # what was refused is asked again anew
    elif form.is_submitted():
        status = 400
    form.nonce.data = form.nonce.data or secrets.token_urlsafe(16)
    page = render_template(
        "organizer/correction.html",
        event=event,
        registration=registration,
        form=form,
        presences=presences_of(event, registration),
        corrections=corrections_of(registration.id),
        sessions={item.id: label for item, label in sessions},
        started=corrections_open(event),
        back=url_for(
            ".registrations", event_id=event.id, _anchor=f"registration-{registration.id}"
        ),
    )
    return page, status


def _submit(event, registration, form) -> int | None:
    """Make the correction the form asks for: None when made, else the status of the
    refusal, its message put next to its field."""
    try:
        verdict = correct_presence(
            event.id,
            registration.id,
            current_user,
            present=form.present.data == "yes",
            reason=form.reason.data,
            session_id=parse_id(form.session.data),
            nonce=form.nonce.data,
        )
    except CorrectionError as error:
        getattr(form, error.field).errors.append(str(error.message))
        return error.status
    except DomainError as error:
        form.present.errors.append(str(error.message))
        return error.status
    refused = REFUSALS.get(verdict.result)
    if refused is None:
        return None
    form.present.errors.append(str(refused))
    return 409


def _latest_started(event) -> str:
    """The session a course's correction form opens at: the last one that has started."""
    started = [item for item in event.sessions if has_started(event, item)]
    return str(started[-1].id) if started else ""
