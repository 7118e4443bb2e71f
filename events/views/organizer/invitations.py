"""Organizer: the invitation list of an event: import (preview first), past
participants, answers, one reminder, the download, invitation-only."""

from flask import Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from events.extensions import csrf
from events.forms.organizer import InvitationSettingsForm
from events.forms.public import ConfirmForm
from events.services.audit import downloaded
from events.services.invitations.invite import (
    InvitationError,
    answers,
    check_against_event,
    invitations_csv,
    invitations_of,
    invite_people,
    other_events,
    past_participants,
    remind_unanswered,
    set_invitation_settings,
)
from events.services.invitations.lists import (
    MAX_BYTES,
    ImportRow,
    InvitationFileError,
    read_invitation_file,
)
from events.services.organizations.scope import visible_event
from events.timezone import from_local, to_local
from events.views import form_id
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp, current_scope, event_or_404


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="invitation-list")


def _page(event, rows=None, file_error=None, status=200, settings=None):
    earlier = other_events(event.id, current_scope())
    payload = None
    if rows:
        good = [[r.name, r.email, r.organization, r.county or "", r.language] for r in rows if r.ok]
        payload = _serializer().dumps(good) if good else None
    body = render_template(
        "organizer/invitations.html",
        event=event,
        answers=answers(event.id),
        invitations=invitations_of(event.id),
        rows=rows,
        good=sum(1 for row in rows or [] if row.ok),
        payload=payload,
        file_error=file_error,
        earlier=earlier,
        action_form=ConfirmForm(),
        settings=settings or InvitationSettingsForm(obj=_settings_of(event)),
    )
    return body, status


def _settings_of(event):
    class Values:
        invitation_only = event.invitation_only
        invitee_seats = event.invitee_seats
        invitee_seats_until = to_local(event.invitee_seats_until)

    return Values


@bp.get("/events/<int:event_id>/invitations")
@access(Rule.SCOPED)
def invitations(event_id: int):
    return _page(event_or_404(event_id))


# A list may be larger than the site's request limit (MAX_CONTENT_LENGTH): up to twice
# the largest list read, so that a list a little too long gets the page's own message.
UPLOAD_LIMIT = 2 * MAX_BYTES


@bp.post("/events/<int:event_id>/invitations/preview")
@access(Rule.SCOPED)
@csrf.exempt  # the token is checked below (ConfirmForm), once the larger limit is set
def invitations_preview(event_id: int):
    """Read an uploaded list and show every row with its problems; nothing is saved."""
    request.max_content_length = UPLOAD_LIMIT
    event = event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".invitations", event_id=event.id))
    upload = request.files.get("list")
    if upload is None or not upload.filename:
        return _page(event, file_error=_("Choose a file to upload."), status=400)
    try:
        rows = read_invitation_file(upload.filename, upload.read(MAX_BYTES + 1))
    except InvitationFileError as error:
        return _page(event, file_error=str(error.message), status=400)
    return _page(event, check_against_event(event.id, rows))


@bp.post("/events/<int:event_id>/invitations/past")
@access(Rule.SCOPED)
def invitations_past(event_id: int):
    """The people of an earlier event, as a list to preview."""
    event = event_or_404(event_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".invitations", event_id=event.id))
    source_event = visible_event(current_scope(), form_id("source"))
    if source_event is None:
        return _page(event, file_error=_("Choose an event."), status=400)
    rows = past_participants(source_event.id, request.form.get("attended") == "y")
    if not rows:
        return _page(event, file_error=_("Nobody to invite from that event."), status=400)
    return _page(event, check_against_event(event.id, rows))


@bp.post("/events/<int:event_id>/invitations/send")
@access(Rule.SCOPED)
def invitations_send(event_id: int):
    """Save the previewed list and send the invitations, all in one transaction."""
    event = event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        try:
            good = _serializer().loads(request.form.get("payload", ""))
        except BadSignature:
            flash(_("The list could not be read. Upload it again."), "error")
            return redirect(url_for(".invitations", event_id=event.id))
        rows = [
            ImportRow(n, r[0], r[1], r[2], county=r[3] or None, language=r[4])
            for n, r in enumerate(good, start=1)
        ]
        try:
            made = invite_people(event.id, rows, current_user)
        except InvitationError as error:
            flash(str(error.message), "error")
        else:
            flash(
                ngettext(
                    "%(num)d invitation is being sent.", "%(num)d invitations are being sent.",
                    len(made),
                ),
                "success",
            )  # fmt: skip
    return redirect(url_for(".invitations", event_id=event.id))


@bp.post("/events/<int:event_id>/invitations/remind")
@access(Rule.SCOPED)
def invitations_remind(event_id: int):
    event = event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        reminded = remind_unanswered(event.id, current_user)
        flash(
            ngettext(
                "%(num)d reminder is being sent.", "%(num)d reminders are being sent.", reminded
            ),
            "success",
        )
    return redirect(url_for(".invitations", event_id=event.id))


@bp.post("/events/<int:event_id>/invitations/settings")
@access(Rule.SCOPED)
def invitations_settings(event_id: int):
    event = event_or_404(event_id)
    if ConfirmForm().validate_on_submit():
        form = InvitationSettingsForm()
        if form.validate():
            set_invitation_settings(
                event.id,
                form.invitation_only.data,
                form.invitee_seats.data,
                from_local(form.invitee_seats_until.data),
                current_user,
            )
            flash(_("Saved."), "success")
        else:
            return _page(event, settings=form, status=400)
    return redirect(url_for(".invitations", event_id=event.id))


@bp.get("/events/<int:event_id>/invitations.csv")
@access(Rule.SCOPED)
def invitations_download(event_id: int):
    event = event_or_404(event_id)
    headings = [_("Name"), _("Email address"), _("Organization"), _("County"), _("Answer"),
                _("Reminded")]  # fmt: skip
    text, filename = invitations_csv(event.id, headings), f"zaproszenia-{event.slug}.csv"
    downloaded(current_user, filename, answers(event.id).invited, event.id)
    response = Response(text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
