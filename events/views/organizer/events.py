"""Organizer: the programme with its figures; create, edit, publish, cancel, duplicate."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from events.forms.organizer import CopyForm, EventForm
from events.forms.public import ConfirmForm
from events.models import EventStatus, RegistrationStatus
from events.services.checkin.door import checked_in_counts
from events.services.copies import duplicate_event, names_other_county
from events.services.event_admin import (
    EventAdminError,
    Overflow,
    create_event,
    is_copy_title,
    publish_event,
    published_twins,
    update_event,
)
from events.services.event_changes import cancel_event
from events.services.lifecycle import status_counts
from events.services.organizations.directory import (
    find_organization,
    list_organizations,
    organization_choices,
)
from events.services.organizations.running import may_choose_coorganizers
from events.services.organizations.scope import Scope, visible_events
from events.services.programmes import programme_choices
from events.views import parse_id
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp, current_scope, event_or_404


@bp.get("/")
@access(Rule.ORGANIZER)
def dashboard():
    """The events of the organizer's part of the network; a coordinator may cut it to
    one organization's (`?organization=<short name>`: its own and co-organized)."""
    scope = current_scope()
    chosen = find_organization(request.args.get("organization")) if scope.network else None
    events = visible_events(Scope(chosen.id, network=False) if chosen else scope)
    ids = [event.id for event in events]
    counts, inside = status_counts(ids), checked_in_counts(ids)  # three queries in all
    figures = {
        event.id: {
            "confirmed": counts[event.id].get(RegistrationStatus.CONFIRMED, 0),
            "waitlisted": counts[event.id].get(RegistrationStatus.WAITLISTED, 0),
            "pending": counts[event.id].get(RegistrationStatus.PENDING, 0),
            "checked_in": inside[event.id],
        }
        for event in events
    }
    return render_template(
        "organizer/dashboard.html",
        events=events,
        figures=figures,
        scope=scope,
        organizations=list_organizations() if scope.network else [],
        chosen=chosen,
    )


def _apply_errors(form: EventForm, error: EventAdminError) -> None:
    for name, message in error.field_errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, str(message)]


def _event_form(event=None) -> EventForm:
    """The event form, asking who runs the event of whom may choose it."""
    scope = current_scope()
    return EventForm(
        programmes=programme_choices(),
        organizations=organization_choices(),
        choose_organization=scope.network,
        choose_coorganizers=may_choose_coorganizers(scope, event),
    )


@bp.route("/events/new", methods=["GET", "POST"])
@access(Rule.ORGANIZER)
def new_event():
    form = _event_form()
    own = current_user.organization_id
    if request.method == "GET":
        form.county.data, form.waitlist_enabled.data = "m-poznan", True
        if "organization_id" in form:
            form.organization_id.data = str(own)
    if form.validate_on_submit():
        try:
            event = create_event(form.event_data(), current_user, form.organizers(own, ()))
        except EventAdminError as error:
            _apply_errors(form, error)
        else:
            flash(_("The event was saved as a draft. Publish it when it is ready."), "success")
            return redirect(url_for(".edit_event", event_id=event.id))
    return render_template("organizer/event_form.html", form=form, event=None, overflow=0)


@bp.route("/events/<int:event_id>/edit", methods=["GET", "POST"])
@access(Rule.SCOPED)
def edit_event(event_id: int):
    event = event_or_404(event_id)
    form = _event_form(event)
    if request.method == "GET":
        form.fill_from(event)
    overflow_needed, movable, leaving = 0, [], []
    if form.validate_on_submit():
        choice = Overflow(form.overflow.data) if form.overflow.data else None
        chosen = (parse_id(value) for value in request.form.getlist("leaving"))
        leaving = [value for value in chosen if value is not None]
        try:
            running = (event.organization_id, tuple(c.id for c in event.coorganizers))
            update_event(
                event.id, form.event_data(), current_user, choice, form.change_note.data,
                leaving, organizers=form.organizers(*running),
            )  # fmt: skip
        except EventAdminError as error:
            _apply_errors(form, error)
            if error.code == "cancelled":
                flash(str(error.message), "error")
            if error.code == "over_capacity":
                overflow_needed, movable = error.extra, error.movable
                form.overflow.errors = [str(error.message)]
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".edit_event", event_id=event.id))
    return render_template(
        "organizer/event_form.html",
        form=form,
        event=event,
        overflow=overflow_needed,
        movable=movable,
        leaving=set(leaving) or {person.id for person in movable[:overflow_needed]},
        action_form=ConfirmForm(),
    )


@bp.route("/events/<int:event_id>/publish", methods=["GET", "POST"])
@access(Rule.SCOPED)
def publish(event_id: int):
    """GET: a confirmation naming the date, place and county (with a warning when the
    same event is already public); POST: publish."""
    event = event_or_404(event_id)
    if event.status != EventStatus.DRAFT:
        return redirect(url_for(".edit_event", event_id=event.id))
    form = ConfirmForm()
    refusal_message = None
    if form.validate_on_submit():
        try:
            publish_event(event.id, current_user)
        except EventAdminError as error:
            refusal_message = error.message
        else:
            flash(_("The event is published: people can see it and register."), "success")
            return redirect(url_for(".edit_event", event_id=event.id))
    if refusal_message is None and is_copy_title(event.title):
        refusal_message = _(
            'The title still ends with "(kopia)": give the copy its own title first.'
        )
    return render_template(
        "organizer/publish_event.html",
        event=event,
        form=form,
        refusal=refusal_message,
        twins=published_twins(event),
    )


@bp.route("/events/<int:event_id>/cancel", methods=["GET", "POST"])
@access(Rule.SCOPED)
def cancel(event_id: int):
    event = event_or_404(event_id)
    form = ConfirmForm()
    if event.status == EventStatus.CANCELLED:
        return redirect(url_for(".edit_event", event_id=event.id))
    if form.validate_on_submit():
        told = cancel_event(event.id, current_user)
        flash(_("The event is cancelled; %(count)d people are being told.", count=told), "success")
        return redirect(url_for(".dashboard"))
    active = status_counts([event.id])[event.id]
    people = sum(
        active.get(status, 0)
        for status in RegistrationStatus
        if status
        in (RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED, RegistrationStatus.PENDING)
    )
    return render_template("organizer/cancel_event.html", event=event, form=form, people=people)


@bp.route("/events/<int:event_id>/duplicate", methods=["GET", "POST"])
@access(Rule.SCOPED)
def duplicate(event_id: int):
    """A copy asks for its day, hours, county and venue first, then is made as a draft.
    A title that still names the original's county is shown back to be confirmed."""
    event = event_or_404(event_id)
    form = CopyForm(event)
    if request.method == "GET":
        form.fill_from(event)
    old_county = None
    if form.validate_on_submit():
        old_county = names_other_county(form.title.data, event.county, form.county.data)
        if old_county and not form.keep_title.data:
            form.title.errors = [
                _(
                    "The title still names %(county)s, but the copy is for another county. "
                    "Change the title, or tick “Keep this title”.",
                    county=old_county,
                )
            ]
        else:
            try:
                copy = duplicate_event(event.id, form.plan(), current_user)
            except EventAdminError as error:
                _apply_errors(form, error)
            else:
                flash(_("A draft copy was made. Check it, then publish it."), "success")
                return redirect(url_for(".edit_event", event_id=copy.id))
    return render_template(
        "organizer/copy_event.html", event=event, form=form, ask_keep=bool(old_county)
    )
