"""Organizer: the partnership programmes: the list in its order with what belongs to
each, add, rename, move up or down, delete (only a programme nothing belongs to)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from events.forms.programmes import ProgrammeForm
from events.forms.public import ConfirmForm
from events.services.programmes import (
    ProgrammeError,
    ProgrammeUse,
    create_programme,
    delete_programme,
    list_programmes,
    move_programme,
    programme_or_404,
    programme_uses,
    refusal_to_delete,
    update_programme,
)
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp


def _apply_errors(form: ProgrammeForm, error: ProgrammeError) -> None:
    for name, message in error.field_errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, str(message)]


@bp.get("/programmes")
@access(Rule.COORDINATOR)
def programmes():
    return render_template(
        "organizer/programmes/list.html",
        programmes=list_programmes(),
        uses=programme_uses(),
        empty=ProgrammeUse(),
        form=ConfirmForm(),
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@access(Rule.COORDINATOR)
def new_programme():
    form = ProgrammeForm()
    if form.validate_on_submit():
        try:
            create_programme(form.programme_data(), current_user)
        except ProgrammeError as error:
            _apply_errors(form, error)
        else:
            flash(_("The programme was added."), "success")
            return redirect(url_for(".programmes"))
    return render_template("organizer/programmes/form.html", form=form, programme=None)


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@access(Rule.COORDINATOR)
def edit_programme(programme_id: int):
    programme = programme_or_404(programme_id)  # NotFound: a 404 page
    form = ProgrammeForm()
    if request.method == "GET":
        form.fill_from(programme)
    if form.validate_on_submit():
        try:
            update_programme(programme.id, form.programme_data(), current_user)
        except ProgrammeError as error:
            _apply_errors(form, error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".programmes"))
    return render_template("organizer/programmes/form.html", form=form, programme=programme)


@bp.post("/programmes/<int:programme_id>/move")
@access(Rule.COORDINATOR)
def move_programme_view(programme_id: int):
    """`direction`: up or down; anything else changes nothing."""
    programme = programme_or_404(programme_id)  # NotFound: a 404 page
    direction = request.form.get("direction")
    if ConfirmForm().validate_on_submit() and direction in ("up", "down"):
        move_programme(programme.id, -1 if direction == "up" else 1, current_user)
        flash(_("The order was saved."), "success")
    return redirect(url_for(".programmes", _anchor=f"programme-{programme.id}"))


@bp.route("/programmes/<int:programme_id>/delete", methods=["GET", "POST"])
@access(Rule.COORDINATOR)
def delete_programme_view(programme_id: int):
    """GET: a confirmation (or why it cannot be deleted); POST: delete."""
    programme = programme_or_404(programme_id)  # NotFound: a 404 page
    form = ConfirmForm()
    use = programme_uses([programme.id]).get(programme.id, ProgrammeUse())
    refusal = refusal_to_delete(use)
    if form.validate_on_submit():
        try:
            delete_programme(programme.id, current_user)
        except ProgrammeError as error:
            refusal = str(error.message)
        else:
            flash(_("The programme was deleted."), "success")
            return redirect(url_for(".programmes"))
    return render_template(
        "organizer/programmes/delete.html", programme=programme, form=form, refusal=refusal
    )
