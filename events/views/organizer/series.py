"""Organizer: a series of events from a template (the county consultations).

Step 1 chooses the counties (or partner teams, or a monthly rule) and the dates;
step 2 is one table, a row per event, carried in its inputs between the table and
the preview (no script needed); "Create drafts" makes them all in one transaction.
The series page publishes the chosen drafts after one confirmation and takes a
change common to its events.
"""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from events.forms.fields import chosen_id, set_programme_choices
from events.forms.public import ConfirmForm
from events.forms.series import CommonChangeForm, SeriesStartForm, SeriesTableForm
from events.models import EventStatus
from events.services import NotFound
from events.services.copies import names_other_county
from events.services.event_admin import EventAdminError, published_twins
from events.services.programmes import programme_choices
from events.services.series import (
    MAX_ROWS,
    SeriesError,
    at_the_templates_place,
    create_series,
    plan_rows,
    publish_series_events,
    series_events,
    series_template,
    validate_rows,
)
from events.services.series_changes import apply_common_change, offered_events
from events.views import parse_id
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp, event_or_404, series_or_404


@bp.route("/events/<int:event_id>/series/new", methods=["GET", "POST"])
@access(Rule.SCOPED)
def new_series(event_id: int):
    """Step 1: what the events are made for, and when the first one is."""
    template = event_or_404(event_id)
    form = SeriesStartForm()
    if form.validate_on_submit():
        rows = plan_rows(template, form.choice())
        table = SeriesTableForm(
            formdata=None,
            data={
                "rows": [vars(row) for row in rows],
                "programme_id": str(template.programme_id or ""),
            },
        )
        set_programme_choices(table.programme_id, programme_choices())
        return _table(template, table, {})
    return render_template("organizer/series_start.html", event=template, form=form)


@bp.post("/events/<int:event_id>/series/rows")
@access(Rule.SCOPED)
def series_rows(event_id: int):
    """Step 2: the table ("edit"), its preview ("preview"), or the drafts ("create")."""
    template = event_or_404(event_id)
    form = SeriesTableForm()
    set_programme_choices(form.programme_id, programme_choices())
    form.validate()
    action = request.form.get("action", "edit")
    if form.csrf_token.errors:
        flash(_("The page was open too long. Check the table and send it again."), "error")
        return _table(template, form, {})
    if form.too_many_rows(request.form):
        flash(_("At most %(max)d events at once.", max=MAX_ROWS), "error")
        return _table(template, form, {})
    rows = form.series_rows()
    errors = validate_rows(rows, template)
    for index, cells in form.shape_errors().items():  # a value that could not be read
        errors.setdefault(index, {}).update(cells)
    if action == "edit":
        return _table(template, form, {})
    if errors or form.programme_id.errors:
        return _table(template, form, errors)
    if action == "create":
        try:
            series = create_series(template.id, rows, current_user, chosen_id(form.programme_id))
        except SeriesError as error:
            return _table(template, form, error.row_errors)
        except NotFound:  # deleted meanwhile
            form.programme_id.errors = [_("Choose a programme from the list.")]
            return _table(template, form, {})
        flash(
            ngettext(
                "%(num)d draft was made. Check it, then publish.",
                "%(num)d drafts were made. Check them, then publish.",
                len(rows),
            ),
            "success",
        )
        return redirect(url_for(".series_page", series_id=series.id))
    unchanged = [
        at_the_templates_place(row.county, row.venue_name, row.venue_address, template)
        for row in rows
    ]
    old_county = [names_other_county(row.title, template.county, row.county) for row in rows]
    return render_template(
        "organizer/series_preview.html",
        event=template,
        form=form,
        rows=rows,
        unchanged=unchanged,
        old_county=old_county,
    )


def _table(template, form: SeriesTableForm, errors: dict):
    for index, cells in errors.items():
        if index < len(form.rows):
            for name, message in cells.items():
                form.rows[index][name].errors = [str(message)]
    return render_template(
        "organizer/series_table.html",
        event=template,
        form=form,
        errors=errors,
        empty=not form.rows.entries,
        error=bool(errors or form.programme_id.errors),  # the page's title says so
    )


@bp.get("/series/<int:series_id>")
@access(Rule.SCOPED)
def series_page(series_id: int):
    series = series_or_404(series_id)
    events = series_events(series.id)
    change = CommonChangeForm(formdata=None)
    if events:
        change.fill_from(events[0])
    return render_template("organizer/series.html", series=series, events=events, change=change)


def _chosen_ids() -> list[int]:
    values = request.values.getlist("event")
    return [event_id for event_id in (parse_id(value) for value in values) if event_id]


@bp.route("/series/<int:series_id>/publish", methods=["GET", "POST"])
@access(Rule.SCOPED)
def publish_series(series_id: int):
    """GET: one confirmation naming each chosen draft's date, place and county; POST:
    publish them all."""
    series = series_or_404(series_id)
    drafts = [event for event in series_events(series.id) if event.status == EventStatus.DRAFT]
    chosen = set(_chosen_ids())
    if request.values.get("all"):
        chosen = {event.id for event in drafts}
    events = [event for event in drafts if event.id in chosen]
    template = series_template(series)
    form = ConfirmForm()
    refusal = None
    if not events:
        flash(_("Choose the drafts to publish."), "error")
        return redirect(url_for(".series_page", series_id=series.id))
    if request.method == "POST" and form.validate_on_submit():
        try:
            published = publish_series_events(series.id, [e.id for e in events], current_user)
        except (SeriesError, EventAdminError) as error:
            refusal = error.message
        else:
            flash(
                ngettext(
                    "%(num)d event is published.", "%(num)d events are published.", len(published)
                ),
                "success",
            )
            return redirect(url_for(".series_page", series_id=series.id))
    return render_template(
        "organizer/series_publish.html",
        series=series,
        events=events,
        form=form,
        refusal=refusal,
        twins={event.id: published_twins(event) for event in events},
        unchanged={
            event.id: at_the_templates_place(
                event.county, event.venue_name, event.venue_address, template
            )
            for event in events
        },
        old_county={
            event.id: template and names_other_county(event.title, template.county, event.county)
            for event in events
        },
    )


@bp.post("/series/<int:series_id>/change")
@access(Rule.SCOPED)
def change_series(series_id: int):
    """The change goes to the drafts at once; the published events that differ are
    offered on a confirmation ("confirm"), where the organizer chooses which take it."""
    series = series_or_404(series_id)
    form = CommonChangeForm()
    if not form.validate_on_submit():
        events = series_events(series.id)
        return render_template(
            "organizer/series.html", series=series, events=events, change=form
        ), 200
    confirmed = bool(request.form.get("confirm"))
    try:
        result = apply_common_change(
            series.id,
            form.change(),
            current_user,
            published_ids=_chosen_ids() if confirmed else (),
            note=form.note.data or None,
        )
    except SeriesError as error:
        form.change_registration.errors = [str(error.message)]
        events = series_events(series.id)
        return render_template("organizer/series.html", series=series, events=events, change=form)
    if result.drafts:
        flash(
            ngettext(
                "%(num)d draft was changed.", "%(num)d drafts were changed.", len(result.drafts)
            ),
            "success",
        )
    if result.published:
        flash(
            ngettext(
                "%(num)d published event was changed.",
                "%(num)d published events were changed.",
                len(result.published),
            )
            + " "
            + ngettext(
                "%(num)d registrant is being told.",
                "%(num)d registrants are being told.",
                result.told,
            ),
            "success",
        )
    offered = offered_events(series.id, form.change())
    if offered and not confirmed:
        return render_template(
            "organizer/series_change.html", series=series, form=form, offered=offered
        )
    if not (result.drafts or result.published):
        flash(_("Every event of the series already has this."), "info")
    return redirect(url_for(".series_page", series_id=series.id))
