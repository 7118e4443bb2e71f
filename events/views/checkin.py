"""Check-in pages: the event picker, the scanner, and the organizer's check-in links."""

import base64
import hashlib
import json
from functools import cache
from pathlib import Path

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from events.counties import county_choices
from events.extensions import limiter, login_manager
from events.forms.organizer import CheckInWindowForm
from events.forms.public import CheckInLinkForm, ConfirmForm
from events.messages.links import absolute_url
from events.messages.qr import ticket_png
from events.models import utcnow
from events.services.audit import downloaded
from events.services.badges import badge_holder, badges_pdf, sheet_for
from events.services.checkin.access import (
    AccessError,
    actor_for,
    create_link,
    event_links,
    find_link,
    revoke_link,
    scannable_events,
)
from events.services.checkin.door import CheckInError, door_counts, resolve_session
from events.services.checkin.offline import set_offline_name_search
from events.services.checkin.search import set_door_search_waiting
from events.services.checkin.walk_ins import may_add_walk_ins
from events.services.checkin.windows import set_window, window_of
from events.services.listings import find_public_event
from events.services.organizations.scope import scope_of
from events.views import query_id
from events.views.access import LINK_SESSION_KEY, Rule, access, door_searcher

bp = Blueprint("checkin", __name__, url_prefix="/checkin")

NEW_LINK_SESSION_KEY = "new_checkin_link"


def event_or_404(slug: str):
    event = find_public_event(slug)
    if event is None:
        abort(404)
    return event


def managed_event_or_404(slug: str):
    """The event of an organizer's door settings: outside their organization, a 404."""
    event = event_or_404(slug)
    if not scope_of(current_user).manages(event):
        abort(404)
    return event


@bp.get("/")
@access(Rule.SIGNED_IN)
def events():
    listed = scannable_events(current_user)
    counts = {event.id: door_counts(event.id) for event in listed}
    return render_template("checkin/events.html", events=listed, counts=counts)


@bp.get("/<slug>")
@access(Rule.DOOR)
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
    try:
        chosen = resolve_session(event, query_id("session"))
    except CheckInError:
        abort(404)
    api = {"slug": event.slug, "session": chosen.id} if chosen else {"slug": event.slug}
    now = utcnow()
    return render_template(
        "checkin/scanner.html",
        event=event,
        course_session=chosen,
        door=window_of(event, chosen),
        walk_ins=may_add_walk_ins(actor),
        counties=county_choices(),
        now=now,
        open_sessions={s.id for s in event.sessions if window_of(event, s).holds(now)},
        api=api,
        counts=door_counts(event.id, chosen.id if chosen else None),
        texts=scanner_texts(),
    )


@bp.get("/<slug>/badges/<int:registration_id>.pdf")
@access(Rule.DOOR)
@limiter.limit(lambda: current_app.config["RATELIMIT_CHECKIN_SEARCH"], key_func=door_searcher)
def badge(slug: str, registration_id: int):
    """One person's badge, printed at the door (a walk-in, a lost badge): for whoever
    may check people in at this event. `layout` and `start` as the organizer's sheets
    (by default the first badge of an A4 sheet). Throttled as the door's search is, so
    that a volunteer's link cannot walk the numbers to collect the list of people."""
    event = event_or_404(slug)
    actor = actor_for(event, current_user, session.get(LINK_SESSION_KEY))
    if actor is None:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(403)
    sheet = sheet_for(request.args.get("layout"))
    if sheet is None:
        abort(404)
    person = badge_holder(event.id, registration_id)
    document = badges_pdf(event, [person], sheet, query_id("start") or 1)
    filename = f"identyfikator-{person.id}.pdf"
    user = current_user if actor.user_id else None
    downloaded(user, filename, 1, event.id, link_id=actor.link_id, registration_id=person.id)
    response = current_app.response_class(document, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/link/<token>")
@access(Rule.SECRET)
def open_link(token: str):
    """A volunteer's phone opens the scanner through a check-in link, without an account."""
    link = find_link(token)
    if link is None:
        return render_template("checkin/link_invalid.html"), 403
    session[LINK_SESSION_KEY] = token
    return redirect(url_for(".scanner", slug=link.event.slug))


@bp.route("/<slug>/links", methods=["GET", "POST"])
@access(Rule.SCOPED)
def links(slug: str):
    event = managed_event_or_404(slug)
    form = CheckInLinkForm()
    if form.validate_on_submit():
        try:
            link, token = create_link(
                event.id,
                form.label.data,
                current_user,
                form.hours.data,
                may_add_walk_ins=form.may_add_walk_ins.data,
            )
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
    return _links_page(event, form, _window_form(event), new_link)


def _window_form(event) -> CheckInWindowForm:
    return CheckInWindowForm(
        formdata=None,
        opens_minutes=event.checkin_opens_minutes,
        closes_minutes=event.checkin_closes_minutes,
        door_may_override=event.door_may_override,
    )


def _links_page(event, form, window_form, new_link=None, status=200):
    return render_template(
        "checkin/links.html",
        event=event,
        form=form,
        window_form=window_form,
        links=event_links(event.id),
        new_link=new_link,
        now=utcnow(),
    ), status


@bp.post("/<slug>/window")
@access(Rule.SCOPED)
def window(slug: str):
    """When this event's door accepts check-ins, and who may override it."""
    event = managed_event_or_404(slug)
    form = CheckInWindowForm()
    if not form.validate_on_submit():
        return _links_page(event, CheckInLinkForm(formdata=None), form, status=400)
    set_window(
        event,
        form.opens_minutes.data,
        form.closes_minutes.data,
        form.door_may_override.data,
        current_user,
    )
    flash(_("The check-in time was saved."), "success")
    return redirect(url_for(".links", slug=slug) + "#checkin-window")


@bp.post("/<slug>/links/<int:link_id>/revoke")
@access(Rule.SCOPED)
def revoke(slug: str, link_id: int):
    event = managed_event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if revoke_link(link_id, event.id) is None:
        abort(404)
    flash(_("The link has been withdrawn: it no longer opens the scanner."), "success")
    return redirect(url_for(".links", slug=slug))


@bp.post("/<slug>/offline-search")
@access(Rule.SCOPED)
def offline_search(slug: str):
    """Turn offline search by name on or off for this event's scanners."""
    event = managed_event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    enabled = request.form.get("enabled") == "1"
    set_offline_name_search(event, enabled, current_user)
    if enabled:
        flash(
            _("Scanners will keep names for searching offline from their next refresh."), "success"
        )
    else:
        flash(_("Scanners will no longer keep names for searching offline."), "success")
    return redirect(url_for(".links", slug=slug))


@bp.post("/<slug>/door-search")
@access(Rule.SCOPED)
def door_search(slug: str):
    """Choose whom the search at the door finds: confirmed people, or also the waiting
    list and pending applications."""
    event = managed_event_or_404(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    enabled = request.form.get("waiting") == "1"
    set_door_search_waiting(event, enabled, current_user)
    if enabled:
        flash(_("The search at the door also finds the waiting list and applications."), "success")
    else:
        flash(_("The search at the door finds confirmed people only."), "success")
    return redirect(url_for(".links", slug=slug))


# The scanner as an installable, offline web app: its texts, service worker and manifest.

OFFLINE_ASSETS = (
    "css/main.css",
    "js/scanner.js",
    "js/offline.js",
    "js/decoder.js",
    "vendor/zxing-wasm/zxing-reader.js",
    "vendor/zxing-wasm/reader/zxing_reader.wasm",
    "icons/scanner-192.png",
    "icons/scanner-512.png",
)


def scanner_texts() -> dict[str, str]:
    """What scanner.js says, translated here; {name}-style blanks are filled in there."""
    return {
        "cameraOff": _("Camera off"),
        "cameraOn": _("Camera on: point it at a QR code"),
        "cameraError": _("The camera is not available. Use the code field or the search below."),
        "startCamera": _("Start camera"),
        "stopCamera": _("Stop camera"),
        "noConnection": _("No connection. Try again in a moment."),
        "checkIn": _("Check in"),
        "badge": _("Name badge (PDF)"),
        "checkedIn": _("Checked in"),
        "outsideWindow": _("Not the time for check-in"),
        "outsideWindowDetail": _("Check-in is open from {opens} until {closes}."),
        "notRecorded": _("not recorded"),
        "walkInQueued": _(
            "No connection: the person will be added and checked in when it returns."
        ),
        "walkInFirstName": _("Enter the first name."),
        "walkInLastName": _("Enter the last name."),
        "walkInCounty": _("Choose the county."),
        "walkInConsent": _(
            "Ask for the consent to the processing of data, or mark it as signed on paper."
        ),
        "undo": _("Undo"),
        "undoCheckIn": _("Undo check-in"),
        "undone": _("undone"),
        "noResults": _("Nobody found."),
        "sending": _("Sending…"),
        "sendingDetail": _("The connection is weak: the scan is sent again until it arrives."),
        "already": _("Already checked in"),
        "alreadyAt": _("Checked in at {time}."),
        "cancelled": _("Registration cancelled"),
        "notConfirmed": _("No confirmed seat"),
        "unknown": _("Unknown code"),
        "unknownDetail": _("No ticket has this code. Check it, or search by name."),
        "undoneTitle": _("Check-in undone"),
        "queued": _("Saved on this device"),
        "queuedDetail": _(
            "There is no ticket list on this device yet: the scan will be judged "
            "when the connection returns."
        ),
        "offlineDetail": _("Offline verdict: it will be sent when the connection returns."),
        "online": _("Online"),
        "offline": _("Offline"),
        "lastSync": _("last sync {time}"),
        "never": _("never"),
        "waiting": _("waiting to be sent: {count}"),
        "listAge": _("ticket list from {time}"),
        "noList": _("no ticket list on this device"),
        "offlineBanner": _(
            "No connection: verdicts come from this device's ticket list. "
            "Waiting to be sent: {count}."
        ),
        "duplicate": _(
            "{name}: also checked in on another device at {time}. The earlier check-in "
            "counts; the person is counted once."
        ),
        "differs": _("{name}: the server's verdict is: {title}."),
        "refused": _("A scan could not be recorded: {error}"),
        "linkGone": _(
            "This device may no longer check people in here, and its ticket list was erased. "
            "Scans waiting to be sent: {count}. Log in or open a new link to send them."
        ),
        "eventOver": _("The event is over: the ticket list was erased from this device."),
        "checkInName": _("Check in {name}"),
        "offlineSearch": _(
            "No connection: search by name works offline only when the organizer allows it. "
            "Scan the ticket or type its code."
        ),
    }


@cache
def _assets_version(static_folder: str) -> str:
    digest = hashlib.sha256()
    for name in OFFLINE_ASSETS:
        digest.update((Path(static_folder) / name).read_bytes())
    return digest.hexdigest()[:16]


@bp.get("/sw.js")
@access(Rule.PUBLIC)
def service_worker():
    """The service worker of the scanner pages (its scope is /checkin/). Public: it holds
    only the list of files to keep, no data."""
    assets = [url_for("static", filename=name) for name in OFFLINE_ASSETS]
    body = render_template(
        "checkin/sw.js",
        assets=json.dumps(assets),
        version=_assets_version(current_app.static_folder),
        prefix=json.dumps(url_for("checkin.events")),
    )
    response = current_app.response_class(body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/<slug>/manifest.webmanifest")
@access(Rule.PUBLIC)  # browsers fetch a manifest without cookies
def manifest(slug: str):
    """The web app manifest of one event's scanner (public: title and icons only)."""
    event = event_or_404(slug)
    icons = [
        {
            "src": url_for("static", filename=f"icons/scanner-{size}.png"),
            "sizes": f"{size}x{size}",
            "type": "image/png",
        }
        for size in (192, 512)
    ]
    body = {
        "name": f"{_('Check-in')}: {event.title}",
        "short_name": _("Check-in"),
        "start_url": url_for(".scanner", slug=slug),
        "scope": url_for("checkin.events"),
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#0b5394",
        "icons": icons,
    }
    return current_app.response_class(
        json.dumps(body, ensure_ascii=False), mimetype="application/manifest+json"
    )
