"""Organizer: the registrations of an event, actions on a person, phone registrations,
and a message to everyone registered."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from events.counties import BY_CODE, sorted_counties
from events.forms.organizer import MessageForm, PhoneRegistrationForm
from events.forms.public import ConfirmForm
from events.models import OrganizationType, RegistrationStatus, ScanResult, utcnow
from events.services import DomainError, NotFound
from events.services.badges import SHEETS
from events.services.broadcast import Audience, recipients, send_to_registrants
from events.services.checkin.corrections import corrections_open
from events.services.participants import (
    SORTS,
    TableQuery,
    add_by_hand,
    approve,
    cancel,
    check_in,
    decline,
    erase,
    promote,
    registration_of_event,
    registration_table,
    resend,
    undo_check_in,
)
from events.services.privacy import registrations_of_person
from events.services.questionnaires.at_registration import event_answers
from events.services.questionnaires.questions import answer_text, text
from events.views import local_path, parse_enum, parse_id
from events.views.access import Rule, access
from events.views.answers import registration_form
from events.views.organizer.blueprint import bp, current_scope, event_or_404


def table_query(args) -> TableQuery:
    """The table's search, filters, sort and page from the query string; bad values are ignored."""
    return TableQuery(
        search=args.get("q", "")[:100],
        status=parse_enum(RegistrationStatus, args.get("status")),
        county=args.get("county") if args.get("county") in BY_CODE else None,
        organization_type=parse_enum(OrganizationType, args.get("organization_type")),
        sort=args.get("sort") if args.get("sort") in SORTS else "registered",
        page=parse_id(args.get("page")) or 1,
    )


@bp.get("/events/<int:event_id>/registrations")
@access(Rule.SCOPED)
def registrations(event_id: int):
    event = event_or_404(event_id)
    query = table_query(request.args)
    table = registration_table(event.id, query)
    return render_template(
        "organizer/registrations.html",
        event=event,
        table=table,
        answers=_answers(event.id, table.rows),
        query=query,
        statuses=list(RegistrationStatus),
        counties=sorted_counties(),
        types=list(OrganizationType),
        sorts=SORTS,
        action_form=ConfirmForm(),
        sheet_open=corrections_open(event),
        badge_sheets=SHEETS.values(),
    )


def _answers(event_id: int, rows) -> dict[int, list[tuple[str, str]]] | None:
    """(question, answer) per registration shown, when the event asks its own questions."""
    asked, answers = event_answers(event_id)
    if not asked:
        return None
    language = str(get_locale())
    return {
        row.registration.id: [
            (
                text(q, "text", language),
                answer_text(q, answers.get(row.registration.id, {}).get(q["key"]), language),
            )
            for q in asked
        ]
        for row in rows
    }


ACTIONS = {
    "approve": (approve, _l("The application was accepted.")),
    "decline": (decline, _l("The application was declined.")),
    "promote": (promote, _l("The person got a seat.")),
    "cancel": (cancel, _l("The registration was cancelled.")),
    "resend": (resend, _l("The message was sent again.")),
    "checkin": (check_in, _l("Checked in.")),
    "undo": (undo_check_in, _l("The check-in was undone.")),
    "erase": (erase, _l("The person's data was erased; the figures stay.")),
}
# A check-in from the table that was refused says why (the verdict), not "Checked in."
DOOR_REFUSALS = {
    ScanResult.ALREADY: _l("This person was already checked in."),
    ScanResult.CANCELLED: _l("This registration is cancelled: not checked in."),
    ScanResult.NOT_CONFIRMED: _l("This person has no confirmed seat: not checked in."),
    ScanResult.OUTSIDE_WINDOW: _l(
        "Not checked in: check-in is open only around the time of the event. "
        "After it, enter presence from the signed paper sheet."
    ),
}


@bp.get("/events/<int:event_id>/registrations/<int:registration_id>/erase")
@access(Rule.SCOPED)
def erase_confirm(event_id: int, registration_id: int):
    """Erasing cannot be undone: this page names the person and says what will happen;
    its form posts to the "erase" action."""
    event = event_or_404(event_id)
    try:
        registration = registration_of_event(event.id, registration_id)
    except DomainError:
        abort(404)
    if registration.anonymized_at is not None:
        flash(_("This person's data has already been erased."), "info")
        return redirect(url_for(".registrations", event_id=event.id))
    default = url_for(".registrations", event_id=event.id)
    return render_template(
        "organizer/erase.html",
        event=event,
        scope=current_scope(),
        registration=registration,
        affected=registrations_of_person(registration.email, current_scope())
        if registration.email
        else [registration],
        now=utcnow(),
        back=local_path(request.args.get("back"), default),
        form=ConfirmForm(),
    )


@bp.post("/events/<int:event_id>/registrations/<int:registration_id>/<action>")
@access(Rule.SCOPED)
def registration_action(event_id: int, registration_id: int, action: str):
    event = event_or_404(event_id)
    if action not in ACTIONS:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    function, done = ACTIONS[action]
    try:
        registration_of_event(event.id, registration_id)
        outcome = function(event.id, registration_id, current_user)
    except DomainError as error:
        if isinstance(error, NotFound):
            abort(404)
        flash(str(error.message), "error")
    else:
        refused = DOOR_REFUSALS.get(getattr(outcome, "result", None))
        if refused is not None:
            flash(str(refused), "error")
        else:
            flash(str(done), "success")
    default = url_for(".registrations", event_id=event.id)
    return redirect(local_path(request.form.get("back"), default))


@bp.route("/events/<int:event_id>/registrations/new", methods=["GET", "POST"])
@access(Rule.SCOPED)
def add_registration(event_id: int):
    """A registration taken by phone: the registration form's handler, with the
    organizer's service and the table to go back to."""
    event = event_or_404(event_id)
    form = PhoneRegistrationForm()

    def submit(attendee, version_id, answers):
        return add_by_hand(event.id, attendee, current_user, form.notify.data, version_id, answers)

    def done(_registration):
        flash(_("The registration was added."), "success")
        return redirect(url_for(".registrations", event_id=event.id))

    finished, page = registration_form(event.id, form, submit, done)
    return finished or render_template("organizer/add_registration.html", event=event, **page)


@bp.route("/events/<int:event_id>/message", methods=["GET", "POST"])
@access(Rule.SCOPED)
def message(event_id: int):
    event = event_or_404(event_id)
    form = MessageForm()
    audience = parse_enum(Audience, form.audience.data, Audience.CONFIRMED)
    count = len(recipients(event.id, audience))
    if form.validate_on_submit() and request.form.get("confirm") == "send":
        sent = send_to_registrants(
            event.id, form.subject.data, form.body.data, audience, current_user
        )
        flash(_("The message is on its way to %(count)d people.", count=sent), "success")
        return redirect(url_for(".registrations", event_id=event.id))
    preview = form.is_submitted() and not form.errors and form.validate()
    return render_template(
        "organizer/message.html", event=event, form=form, count=count, preview=preview
    )
