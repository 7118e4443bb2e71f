"""Organizer: the account's own webhooks: the list, a new one, its page (the signing
secret and the log of deliveries), a test ping, enabling it again, deleting it.
Another account's webhook answers 404, a coordinator's as an organizer's."""

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from events.forms.public import ConfirmForm
from events.forms.webhooks import WebhookForm
from events.models import WebhookEndpoint, WebhookKind
from events.services.webhooks import (
    WebhookError,
    create_endpoint,
    delete_endpoint,
    deliveries_of,
    enable_endpoint,
    endpoint_of,
    endpoints_of,
    send_ping,
)
from events.views.access import Rule, access
from events.views.organizer.blueprint import bp


def _own_or_404(endpoint_id: int) -> WebhookEndpoint:
    endpoint = endpoint_of(current_user, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


@bp.get("/webhooks")
@access(Rule.ORGANIZER)
def webhooks():
    return render_template("organizer/webhooks/list.html", endpoints=endpoints_of(current_user))


@bp.route("/webhooks/new", methods=["GET", "POST"])
@access(Rule.ORGANIZER)
def new_webhook():
    form = WebhookForm()
    if form.validate_on_submit():
        try:
            endpoint = create_endpoint(
                current_user,
                form.url.data or "",
                form.description.data or "",
                list(form.kinds.data or []),
                bool(form.personal_data.data),
            )
        except WebhookError as error:
            for name, message in error.field_errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, str(message)]
        else:
            flash(_("The webhook was made. Give its secret to the receiver."), "success")
            return redirect(url_for(".webhook", endpoint_id=endpoint.id))
    return render_template("organizer/webhooks/new.html", form=form)


@bp.get("/webhooks/<int:endpoint_id>")
@access(Rule.OWN)
def webhook(endpoint_id: int):
    endpoint = _own_or_404(endpoint_id)
    return render_template(
        "organizer/webhooks/page.html",
        endpoint=endpoint,
        deliveries=deliveries_of(endpoint),
        labels={kind.value: kind.label for kind in WebhookKind},
        form=ConfirmForm(),
    )


@bp.post("/webhooks/<int:endpoint_id>/ping")
@access(Rule.OWN)
def ping_webhook(endpoint_id: int):
    endpoint = _own_or_404(endpoint_id)
    if ConfirmForm().validate_on_submit():
        send_ping(current_user, endpoint.id)
        flash(_("A test message is on its way; its answer shows below."), "success")
    return redirect(url_for(".webhook", endpoint_id=endpoint.id))


@bp.post("/webhooks/<int:endpoint_id>/enable")
@access(Rule.OWN)
def enable_webhook(endpoint_id: int):
    endpoint = _own_or_404(endpoint_id)
    if ConfirmForm().validate_on_submit():
        enable_endpoint(current_user, endpoint.id)
        flash(_("The webhook is on again; what it missed is sent in order."), "success")
    return redirect(url_for(".webhook", endpoint_id=endpoint.id))


@bp.route("/webhooks/<int:endpoint_id>/delete", methods=["GET", "POST"])
@access(Rule.OWN)
def delete_webhook(endpoint_id: int):
    """GET: a confirmation; POST: delete the webhook and its log."""
    endpoint = _own_or_404(endpoint_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        delete_endpoint(current_user, endpoint.id)
        flash(_("The webhook was deleted."), "success")
        return redirect(url_for(".webhooks"))
    return render_template("organizer/webhooks/delete.html", endpoint=endpoint, form=form)
