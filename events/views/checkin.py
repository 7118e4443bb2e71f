"""Check-in pages: the event picker, the scanner, and the organizer's check-in links."""

import base64

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from events.forms import CheckInLinkForm, ConfirmForm
from events.messages.links import absolute_url
from events.messages.qr import ticket_png
from events.models import utcnow
from events.services.checkin import door_counts
from events.services.checkin_access import (
    AccessError,
    actor_for,
    create_link,
    event_links,
    find_link,
    revoke_link,
    scannable_events,
)
from events.services.listings import find_public_event
from events.views.access import organizer_required

bp = Blueprint("checkin", __name__, url_prefix="/checkin")

LINK_SESSION_KEY = "checkin_link"
NEW_LINK_SESSION_KEY = "new_checkin_link"


def event_or_404(slug: str):
    event = find_public_event(slug)
    if event is None:
        abort(404)
    return event


@bp.get("/")
@login_required
def events():
    listed = scannable_events(current_user)
    counts = {event.id: door_counts(event.id) for event in listed}
    return render_template("checkin/events.html", events=listed, counts=counts)


@bp.get("/<slug>")
def scanner(slug: str):
    event = event_or_404(slug)
    actor = actor_for(event, current_user, session.get(LINK_SESSION_KEY))
    if actor is None:
        token = session.get(LINK_SESSION_KEY)
        if not current_user.is_authenticated and token and find_link(token) is None:
            # The volunteer's link was withdrawn or has expired: say so, not "log in".
            session.pop(LINK_SESSION_KEY)
            return render_template("checkin/link_invalid.html"), 403
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.path))
        abort(403)
    return render_template("checkin/scanner.html", event=event, counts=door_counts(event.id))


@bp.get("/link/<token>")
def open_link(token: str):
    """A volunteer's phone opens the scanner through a check-in link, without an account."""
    link = find_link(token)
    if link is None:
        return render_template("checkin/link_invalid.html"), 403
    session[LINK_SESSION_KEY] = token
    return redirect(url_for(".scanner", slug=link.event.slug))


@bp.route("/<slug>/links", methods=["GET", "POST"])
@organizer_required
def links(slug: str):
    event = event_or_404(slug)
    form = CheckInLinkForm()
    if form.validate_on_submit():
        try:
            link, token = create_link(event.id, form.label.data, current_user, form.hours.data)
        except AccessError as error:
            form.hours.errors.append(str(error.message))
        else:
            # Shown once, on the page the redirect leads to (a reload makes no new link).
            session[NEW_LINK_SESSION_KEY] = {"label": link.label, "token": token}
            return redirect(url_for(".links", slug=slug))
    new_link = None
    made = session.pop(NEW_LINK_SESSION_KEY, None)
    if made:
        url = absolute_url("checkin.open_link", token=made["token"])
        qr = base64.b64encode(ticket_png(url, box_size=6)).decode()
        new_link = {"label": made["label"], "url": url, "qr": qr}
    return render_template(
        "checkin/links.html",
        event=event,
        form=form,
        links=event_links(event.id),
        new_link=new_link,
        now=utcnow(),
    )


@bp.post("/<slug>/links/<int:link_id>/revoke")
@organizer_required
def revoke(slug: str, link_id: int):
    event = event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if revoke_link(link_id, event.id) is None:
        abort(404)
    flash(_("The link has been withdrawn: it no longer opens the scanner."), "success")
    return redirect(url_for(".links", slug=slug))
