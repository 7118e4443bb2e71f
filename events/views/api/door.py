"""The door's check-in API, for the scanner page (documented in docs/checkin-api.md).

Every endpoint answers JSON, errors included. Access: a logged-in organizer,
a staff user assigned to the event, or a check-in link opened in this browser.
POST requests carry the page's CSRF token in the X-CSRFToken header.
"""

import json

from flask import abort, current_app, jsonify, request, session, url_for
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from events.extensions import limiter
from events.models import RegistrationStatus, ScanMethod, ScanResult, utcnow
from events.services import DomainError
from events.services.audit import downloaded
from events.services.checkin.access import actor_for
from events.services.checkin.door import (
    MAX_REASON_LENGTH,
    CheckInError,
    Verdict,
    attendance_of,
    door_counts,
    door_request,
    perform_check_in,
    perform_scan,
    perform_undo,
    resolve_session,
)
from events.services.checkin.hints import suggest_registration
from events.services.checkin.offline import (
    AUDIT_DATASET_EVERY,
    SyncError,
    changes_since,
    event_dataset,
    sync_scans,
)
from events.services.checkin.search import DoorSearchError, search_door, shown_email
from events.services.checkin.walk_ins import (
    WalkInError,
    WalkInOutcome,
    add_walk_in,
    walk_in_from,
)
from events.services.listings import find_public_event
from events.views import parse_id
from events.views.access import LINK_SESSION_KEY, Rule, access, door_searcher
from events.views.api.blueprint import bp

MAX_BODY_TEXT = 200


def _json_error(status: int, message: str):
    response = jsonify({"error": message})
    response.status_code = status
    return response


def _event_and_actor(slug: str):
    """The event and who acts on it, or an early JSON refusal (abort with a response)."""
    event = find_public_event(slug)
    if event is None:
        abort(_json_error(404, _("Unknown event.")))
    actor = actor_for(event, current_user, session.get(LINK_SESSION_KEY))
    if actor is None:
        if current_user.is_authenticated:
            abort(_json_error(403, _("You may not check people in at this event.")))
        abort(_json_error(401, _("Log in, or open a valid check-in link.")))
    return event, actor


def _course_session(event):
    """The session of a course the scanner works at (`?session=<id>`, by default
    today's); None for a single event."""
    raw = request.args.get("session", "")
    wanted = parse_id(raw)
    if raw and wanted is None:
        abort(_json_error(400, _("Unknown session.")))
    try:
        return resolve_session(event, wanted, utcnow())
    except CheckInError as error:
        abort(_json_error(404, str(error.message)))


def _session_id(event) -> int | None:
    session_ = _course_session(event)
    return session_.id if session_ else None


def _body() -> dict:
    """The request's JSON object; a 400 for anything else, a body nested too deeply
    for the parser included (413 for a body over API_MAX_CONTENT_LENGTH)."""
    if not request.is_json:
        abort(_json_error(400, _("The request must be a JSON object.")))
    try:
        data = json.loads(request.get_data(cache=True))
    except (ValueError, RecursionError):
        data = None
    if not isinstance(data, dict):
        abort(_json_error(400, _("The request must be a JSON object.")))
    return data


def _text(data: dict, key: str, limit: int = MAX_BODY_TEXT) -> str:
    """A text field of the body, cut to `limit`, without control characters (which
    no code or nonce holds, and which PostgreSQL refuses)."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        abort(_json_error(400, _("The field %(field)s must be text.", field=key)))
    return "".join(char for char in value[:limit] if char.isprintable())


def verdict_json(verdict: Verdict, event, session_id: int | None = None) -> dict:
    registration = verdict.registration
    titles = {
        ScanResult.CHECKED_IN: _("Checked in"),
        ScanResult.UNDONE: _("Check-in undone"),
        ScanResult.ALREADY: _("Already checked in"),
        ScanResult.WRONG_EVENT: _("Ticket for another event"),
        ScanResult.CANCELLED: _("Registration cancelled"),
        ScanResult.NOT_CONFIRMED: _("No confirmed seat"),
        ScanResult.UNKNOWN: _("Unknown code"),
        ScanResult.OUTSIDE_WINDOW: _("Not the time for check-in"),
    }
    detail = ""
    if verdict.result == ScanResult.OUTSIDE_WINDOW:
        detail = _outside_window_detail(verdict)
    elif verdict.result == ScanResult.ALREADY and verdict.checked_in_at is not None:
        detail = _(
            "Checked in at %(time)s by %(who)s.",
            time=format_datetime(verdict.checked_in_at, "HH:mm"),
            who=verdict.checked_in_by or "?",
        )
    elif verdict.result == ScanResult.WRONG_EVENT and verdict.other_event is not None:
        detail = _(
            "This ticket is for: %(title)s, %(when)s.",
            title=verdict.other_event.title,
            when=format_datetime(verdict.other_event.starts_at, "d MMMM y, HH:mm"),
        )
    elif verdict.result == ScanResult.NOT_CONFIRMED and registration is not None:
        detail = {
            RegistrationStatus.WAITLISTED: _("This person is on the waiting list."),
            RegistrationStatus.PENDING: _("This application awaits the organizer's approval."),
            RegistrationStatus.DECLINED: _("This application was not accepted."),
        }.get(registration.status, "")
    elif verdict.result == ScanResult.UNKNOWN:
        detail = _("No ticket has this code. Check it, or search by name.")
    show_person = registration is not None and verdict.result != ScanResult.WRONG_EVENT
    return {
        "result": verdict.result.value,
        "title": titles[verdict.result],
        "detail": detail,
        "name": registration.full_name if show_person else None,
        "organization": registration.organization if show_person else None,
        "registration_id": registration.id if show_person else None,
        "scan_id": verdict.scan.id,
        "replayed": verdict.replayed,
        "may_override": verdict.may_override,
        "counts": door_counts(event.id, session_id),
    }


def _outside_window_detail(verdict: Verdict) -> str:
    """When the session (or event) is, and from when its check-in is open."""
    window = verdict.window
    when = format_datetime(window.starts, "EEEE d MMMM, HH:mm")
    if window.early(verdict.scan.at):
        return _(
            "This session is on %(when)s. Check-in opens at %(opens)s.",
            when=when,
            opens=format_datetime(window.opens, "HH:mm"),
        )
    return _("This session was on %(when)s. Check-in closed at %(closes)s.",
             when=when, closes=format_datetime(window.closes, "d MMMM, HH:mm"))  # fmt: skip


def _check_in_error(error: DomainError):
    return _json_error(error.status, str(error.message))


@bp.post("/checkin/<slug>/scan")
@access(Rule.DOOR)
def scan(slug: str):
    event, actor = _event_and_actor(slug)
    data = _body()
    method = _text(data, "method") or ScanMethod.SCANNER.value
    if method not in (ScanMethod.CAMERA.value, ScanMethod.SCANNER.value):
        return _json_error(400, _("Unknown scanning method."))
    if not isinstance(data.get("code"), str):
        return _json_error(400, _("The field %(field)s must be text.", field="code"))
    code = _text(data, "code", limit=1000)
    asked = _door_request(event, actor, data, ScanMethod(method), code)
    try:
        verdict = perform_scan(asked)
    except DomainError as error:
        return _check_in_error(error)
    return jsonify(_with_suggestion(verdict, event, code, asked.session_id))


def _door_request(event, actor, data: dict, method=ScanMethod.SEARCH, code: str = ""):
    """The request a scanner makes now, with its nonce (optional: a device that sends
    one gets the first answer again when it retries)."""
    nonce = _text(data, "nonce", limit=64)
    reason = _text(data, "reason", limit=MAX_REASON_LENGTH)
    return door_request(
        event,
        actor,
        method,
        code=code,
        nonce=nonce,
        session=_course_session(event),
        reason=reason,
    )


def _registration_id(data: dict) -> int:
    value = data.get("registration_id")
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value < 2**31:
        abort(_json_error(400, _("registration_id must be a positive whole number.")))
    return value


@bp.post("/checkin/<slug>/checkin")
@access(Rule.DOOR)
def check_in_by_id(slug: str):
    event, actor = _event_and_actor(slug)
    data = _body()
    asked = _door_request(event, actor, data)
    try:
        verdict = perform_check_in(asked, _registration_id(data))
    except DomainError as error:
        return _check_in_error(error)
    return jsonify(verdict_json(verdict, event, asked.session_id))


@bp.post("/checkin/<slug>/undo")
@access(Rule.DOOR)
def undo(slug: str):
    """Take back a check-in. An optional `nonce` makes an undo sent again count once
    (answered with `"replayed": true`); without one, a second undo is refused (409)."""
    event, actor = _event_and_actor(slug)
    data = _body()
    asked = _door_request(event, actor, data)
    try:
        verdict = perform_undo(asked, _registration_id(data))
    except DomainError as error:
        return _check_in_error(error)
    return jsonify(verdict_json(verdict, event, asked.session_id))


@bp.post("/checkin/<slug>/walk-in")
@access(Rule.DOOR)
def walk_in(slug: str):
    """Add a person who came without registering, checked in at once (checkin.walk_ins).
    A refusal names the field it concerns: `{"error", "code", "field"}`, 400."""
    event, actor = _event_and_actor(slug)
    data = _body()
    asked = _door_request(event, actor, data, ScanMethod.WALK_IN)
    try:
        outcome = add_walk_in(asked, walk_in_from(data, str(get_locale() or "pl")))
    except WalkInError as error:
        response = jsonify({"error": str(error.message), "code": error.code, "field": error.field})
        response.status_code = error.status
        return response
    except DomainError as error:
        return _check_in_error(error)
    return jsonify(walk_in_json(outcome, event, asked.session_id))


def walk_in_json(outcome: WalkInOutcome, event, session_id: int | None = None) -> dict:
    answer = verdict_json(outcome.verdict, event, session_id)
    if outcome.verdict.result == ScanResult.CHECKED_IN:
        answer["title"] = _("Added and checked in")
    if outcome.merged:
        answer["detail"] = _("This address was registered already: that registration was used.")
    elif outcome.beyond_capacity:
        answer["detail"] = _(
            "Every seat was taken: let in beyond the limit, counted apart in the report."
        )
    registration = outcome.verdict.registration
    answer["walk_in"] = {
        "merged": outcome.merged,
        "beyond_capacity": outcome.beyond_capacity,
        "badge_url": url_for("checkin.badge", slug=event.slug, registration_id=registration.id),
    }
    return answer


@bp.get("/checkin/<slug>/search")
@access(Rule.DOOR)
@limiter.limit(lambda: current_app.config["RATELIMIT_CHECKIN_SEARCH"], key_func=door_searcher)
def search(slug: str):
    event, actor = _event_and_actor(slug)
    try:
        found = search_door(event, request.args.get("q", ""))
    except DoorSearchError as error:
        return _json_error(400, str(error.message))
    session_id = _session_id(event)
    return jsonify({"results": [_search_result(person, actor, session_id) for person in found]})


@bp.get("/checkin/<slug>/counts")
@access(Rule.DOOR)
def counts(slug: str):
    event, _actor = _event_and_actor(slug)
    return jsonify(door_counts(event.id, _session_id(event)))


# Typed codes: "did you mean …?" for a slip of one character, and the search by the
# last characters of a ticket code.


def _with_suggestion(verdict: Verdict, event, raw_code: str, session_id=None) -> dict:
    answer = verdict_json(verdict, event, session_id)
    if verdict.result == ScanResult.UNKNOWN:
        suggestion = suggest_registration(event.id, raw_code)
        if suggestion is not None:
            answer["title"] = _("Did you mean %(name)s?", name=suggestion.full_name)
            answer["detail"] = _(
                "The code differs by one character from the ticket of %(name)s (%(organization)s).",
                name=suggestion.full_name,
                organization=suggestion.organization,
            )
            answer["suggestion"] = {
                "registration_id": suggestion.id,
                "name": suggestion.full_name,
            }
    return answer


def _search_result(registration, actor, session_id: int | None = None) -> dict:
    checked_in = registration.is_checked_in
    if session_id is not None:
        checked_in = attendance_of(session_id, registration.id) is not None
    return {
        "registration_id": registration.id,
        "name": registration.full_name,
        "organization": registration.organization,
        "email": shown_email(registration.email, actor),
        "status": registration.status.value,
        "status_label": str(registration.status.label),
        "checked_in": checked_in,
        # The person's badge (PDF) to print at the door; confirmed people only.
        "badge_url": url_for(
            "checkin.badge", slug=registration.event.slug, registration_id=registration.id
        )
        if registration.status == RegistrationStatus.CONFIRMED
        else None,
    }


# Offline check-in: the data set, what other devices did, and the replay of a queue.


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


@bp.get("/checkin/<slug>/dataset")
@access(Rule.DOOR)
def dataset(slug: str):
    event, actor = _event_and_actor(slug)
    session_id = _session_id(event)
    try:
        answer = event_dataset(event, _secret(), utcnow(), session_id)
    except SyncError as error:
        return _json_error(410, str(error.message))
    downloaded(
        current_user if actor.user_id else None,
        f"dataset-{event.slug}.json",
        len(answer["entries"]),
        event.id,
        link_id=actor.link_id,
        once_per=AUDIT_DATASET_EVERY,
    )
    answer["csrf"] = generate_csrf()
    answer["counts"] = door_counts(event.id, session_id)
    response = jsonify(answer)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/checkin/<slug>/changes")
@access(Rule.DOOR)
def changes(slug: str):
    event, _actor = _event_and_actor(slug)
    since_id = parse_id(request.args.get("since")) or 0
    session_id = _session_id(event)
    answer = changes_since(event, _secret(), since_id, session_id=session_id)
    answer["counts"] = door_counts(event.id, session_id)
    return jsonify(answer)


@bp.post("/checkin/<slug>/sync")
@access(Rule.DOOR)
def sync(slug: str):
    event, actor = _event_and_actor(slug)
    data = _body()
    batch_event = data.get("event")
    course_session = _course_session(event)
    session_id = course_session.id if course_session else None
    try:
        outcomes = sync_scans(
            event,
            batch_event if isinstance(batch_event, str) else "",
            data.get("items"),
            actor,
            utcnow(),
            course_session,
        )
    except SyncError as error:
        return _json_error(400, str(error.message))
    results = []
    for outcome in outcomes:
        entry = {"nonce": outcome.nonce}
        if outcome.error is not None:
            entry.update(error=str(outcome.error.message), code=outcome.error.code)
        else:
            entry["verdict"] = verdict_json(outcome.verdict, event, session_id)
            entry["verdict"].pop("counts", None)
            entry["at"] = outcome.verdict.scan.at.isoformat()
            if outcome.other_check_in_at is not None:
                entry["previous_at"] = outcome.other_check_in_at.isoformat()
        results.append(entry)
    return jsonify({"results": results, "counts": door_counts(event.id, session_id)})
