"""Organizer: the network's organizations, kept by coordinators: the list with what
belongs to each, add a partner, change one."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from events.forms.organizations import OrganizationForm
from events.services.organizations.directory import (
    OrganizationError,
    OrganizationUse,
    create_organization,
    list_organizations,
    organization_or_404,
    organization_uses,
    update_organization,
)
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp


def _apply_errors(form: OrganizationForm, error: OrganizationError) -> None:
    for name, message in error.field_errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, str(message)]


@bp.get("/organizations")
@access(Rule.COORDINATOR)
def organizations():
    return render_template(
        "organizer/organizations/list.html",
        organizations=list_organizations(),
        uses=organization_uses(),
        empty=OrganizationUse(),
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
@access(Rule.COORDINATOR)
def new_organization():
    form = OrganizationForm()
    if form.validate_on_submit():
        try:
            create_organization(form.organization_data(), current_user)
        except OrganizationError as error:
            _apply_errors(form, error)
        else:
            flash(_("The organization was added."), "success")
            return redirect(url_for(".organizations"))
    return render_template("organizer/organizations/form.html", form=form, organization=None)


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@access(Rule.COORDINATOR)
def edit_organization(organization_id: int):
    organization = organization_or_404(organization_id)  # NotFound: a 404 page
    form = OrganizationForm()
    if request.method == "GET":
        form.fill_from(organization)
    if form.validate_on_submit():
        try:
            update_organization(organization.id, form.organization_data(), current_user)
        except OrganizationError as error:
            _apply_errors(form, error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".organizations"))
    return render_template(
        "organizer/organizations/form.html", form=form, organization=organization
    )
