"""Organizer: personal API tokens (/organizer/tokens): the account's own tokens with
their last use, a new one (its secret shown once, on the page that made it), revoking.
What a token opens is in events.views.api.token_auth."""

from datetime import datetime, time, timedelta

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from events.forms.api_tokens import SCOPE_LABELS, ApiTokenForm
from events.forms.public import ConfirmForm
from events.models import TokenScope, utcnow
from events.services.api_tokens import (
    TokenError,
    check_request,
    create_token,
    revoke_token,
    tokens_of,
)
from events.timezone import from_local
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp


def _end_of(day) -> datetime:
    """The end of a Polish day, in UTC: a token valid until a day works all that day."""
    return from_local(datetime.combine(day, time(23, 59, 59)))


def _blank_form() -> ApiTokenForm:
    """A new token's form as it first shows: valid for 90 days, to read only."""
    form = ApiTokenForm(formdata=None)
    form.expires_on.data = (utcnow() + timedelta(days=90)).date()
    form.scopes.data = [TokenScope.READ.value]
    return form


def _page(form: ApiTokenForm, new_secret: str | None = None):
    return render_template(
        "organizer/api_tokens.html",
        form=form,
        tokens=tokens_of(current_user),
        labels={scope.value: label for scope, label in SCOPE_LABELS.items()},
        confirm=ConfirmForm(),
        new_secret=new_secret,
        now=utcnow(),
    )


@bp.get("/tokens")
@access(Rule.ORGANIZER)
def api_tokens():
    return _page(_blank_form())


@bp.post("/tokens")
@access(Rule.ORGANIZER)
def new_api_token():
    """The secret is in this answer only (never stored, never in a flash message)."""
    form = ApiTokenForm()
    valid = form.validate()
    day = form.expires_on.data
    expires_at = _end_of(day) if day else None
    if valid:
        try:
            made = create_token(current_user, form.name.data, expires_at, form.scopes.data)
        except TokenError as error:
            _show(form, error.field_errors)
            return _page(form), 400
    else:  # every mistake at once: the service's rules too, next to their fields
        _show(form, check_request(form.name.data or "", expires_at, form.scopes.data, utcnow()))
        return _page(form), 400
    response = _page(_blank_form(), new_secret=made.secret)
    return response, 201, {"Cache-Control": "no-store"}


def _show(form: ApiTokenForm, errors: dict) -> None:
    """The service's messages next to their fields (a field keeps its own first)."""
    for name, message in errors.items():
        field = getattr(form, name)
        if not field.errors:
            field.errors = [str(message)]


@bp.post("/tokens/<int:token_id>/revoke")
@access(Rule.ORGANIZER)
def revoke_api_token(token_id: int):
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
    elif revoke_token(current_user, token_id) is None:
        flash(_("No such token among yours."), "error")
    else:
        flash(_("The token was revoked: it opens nothing any more."), "success")
    return redirect(url_for(".api_tokens"))
