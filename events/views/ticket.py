"""The ticket page behind the link in calendar entries, and the unsubscribe link.

The ticket page shows what a door needs and nothing personal: the QR code, the
event and the registration's status. No name, no contact details, no cancel
button: calendar entries are seen by whoever shares the calendar.
"""

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _

from events.extensions import csrf
from events.forms.public import ConfirmForm
from events.messages.qr import ticket_png
from events.models import RegistrationStatus
from events.services.personal_pages import ticket_page_version
from events.services.subscriptions import (
    find_by_ticket_token,
    registration_to_stop,
    stop_organizer_messages,
)
from events.views.access import Rule, access
from events.views.page_cache import personal_page

bp = Blueprint("ticket", __name__)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/t/<token>")
@access(Rule.SECRET)
@personal_page(ticket_page_version)
def show(token: str):
    """The ticket page, from the cache while nothing on it has changed (page_cache)."""
    registration = find_by_ticket_token(token)
    if registration is None:
        abort(404)
    page = render_template("ticket/show.html", registration=registration, event=registration.event)
    return Response(page, headers={"Referrer-Policy": "no-referrer"})


@bp.get("/t/<token>/qr.png")
@access(Rule.SECRET)
def qr(token: str):
    registration = find_by_ticket_token(token)
    if registration is None or registration.status != RegistrationStatus.CONFIRMED:
        abort(404)
    return _private(Response(ticket_png(registration.ticket_code), mimetype="image/png"))


@bp.route("/stop/<token>/<signature>", methods=["GET", "POST"])
@access(Rule.SECRET)
@csrf.exempt  # the one-click POST comes from a mail provider, without a token (RFC 8058)
def stop_messages(token: str, signature: str):
    """GET: a page with a button; POST: stop organizer messages for this registration.

    A POST with `List-Unsubscribe=One-Click` is the mail provider's one click and
    needs no CSRF token (the signed link is the authority); any other POST is
    the page's form and must carry its token.
    """
    registration = registration_to_stop(token, signature)
    if registration is None:
        abort(404)
    form = ConfirmForm()
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    done = registration.organizer_messages_stopped_at is not None
    if request.method == "POST":
        if not one_click and not form.validate():
            abort(400)
        stop_organizer_messages(registration.id)
        if one_click:
            return _private(Response(_("Unsubscribed."), mimetype="text/plain"))
        done = True
    page = render_template(
        "ticket/stop_messages.html", event=registration.event, form=form, done=done
    )
    return _private(Response(page))
