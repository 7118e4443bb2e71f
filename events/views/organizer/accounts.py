"""Organizer: the accounts of the organizer's organization (a coordinator's: of the
whole network): the list, a new account, an account's role, state and events at the
door. Another organization's account answers 404."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from events.forms.accounts import AccountForm, NewAccountForm
from events.models import Role
from events.services.organizations.members import (
    MemberError,
    account_organizations,
    assignable_events,
    change_account,
    create_account,
    list_accounts,
    roles_given_by,
)
from events.views.access import Rule, access
from events.views.organizer.blueprint import account_or_404, bp, current_scope


def _apply_errors(form, error: MemberError) -> None:
    for name, message in error.field_errors.items():
        getattr(form, name).errors = [*getattr(form, name).errors, str(message)]


@bp.get("/accounts")
@access(Rule.ORGANIZER)
def accounts():
    scope = current_scope()
    return render_template(
        "organizer/accounts/list.html", accounts=list_accounts(scope), network=scope.network
    )


@bp.route("/accounts/new", methods=["GET", "POST"])
@access(Rule.ORGANIZER)
def new_account():
    scope = current_scope()
    form = NewAccountForm(organizations=account_organizations(scope), roles=roles_given_by(scope))
    if request.method == "GET":
        form.organization_id.data, form.role.data = str(scope.organization_id), Role.STAFF.value
    if form.validate_on_submit():
        try:
            account = create_account(form.account_data(), current_user)
        except MemberError as error:
            _apply_errors(form, error)
        else:
            flash(_("The account %(email)s was made.", email=account.email), "success")
            return redirect(url_for(".edit_account", user_id=account.id))
    return render_template("organizer/accounts/new.html", form=form)


@bp.route("/accounts/<int:user_id>", methods=["GET", "POST"])
@access(Rule.SCOPED)
def edit_account(user_id: int):
    account = account_or_404(user_id)
    staff = account.role == Role.STAFF
    events = assignable_events(account) if staff else []
    form = AccountForm(roles=roles_given_by(current_scope(), account.organization), events=events)
    if request.method == "GET":
        form.fill_from(account)
    if form.validate_on_submit():
        try:
            change_account(account.id, form.account_change(staff), current_user)
        except MemberError as error:
            _apply_errors(form, error)
        else:
            flash(_("The changes were saved."), "success")
            return redirect(url_for(".edit_account", user_id=account.id))
    return render_template("organizer/accounts/edit.html", form=form, account=account)
