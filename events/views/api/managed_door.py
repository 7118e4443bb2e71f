"""The organizer API's door (scope `checkin`): a scan, a check-in by registration id and
its undo, as the scanner page does them (events.services.checkin.door), with the same
answers and the same nonces: a request sent again with its nonce gets the first answer
again (`"replayed": true`), never a second check-in."""

from flask import g
from spectree import Response

from events.models import ScanMethod, TokenScope, utcnow
from events.services import DomainError
from events.services.checkin.access import actor_for
from events.services.checkin.door import (
    CheckInError,
    door_request,
    perform_check_in,
    perform_scan,
    perform_undo,
    resolve_session,
)
from events.views.api.blueprint import bp
from events.views.api.door import verdict_json
from events.views.api.managed_events import REFUSALS, TOKEN
from events.views.api.openapi import spec
from events.views.api.schemas import CheckInIn, DoorIn, Problem, ScanIn, VerdictOut
from events.views.api.token_auth import managed_event, not_found, refusal, token_route

DOOR_ANSWERS = Response(HTTP_200=VerdictOut, HTTP_409=Problem, **REFUSALS)


def _door(event_id: int, body: DoorIn, method: ScanMethod, code: str = ""):
    """The event, the request made at its door, or the problem that stops it."""
    event = managed_event(event_id)
    if event is None:
        return None, None, not_found()
    actor = actor_for(event, g.api_user, None)
    if actor is None:
        return None, None, not_found()
    try:
        session = resolve_session(event, body.session, utcnow())
    except CheckInError as error:
        return None, None, refusal(error)
    asked = door_request(
        event, actor, method, code=code, nonce=body.nonce, session=session, reason=body.reason
    )
    return event, asked, None


def _answer(perform, event, asked, *args):
    try:
        verdict = perform(asked, *args)
    except DomainError as error:
        return refusal(error)
    return VerdictOut(**verdict_json(verdict, event, asked.session_id))


@bp.post("/v1/organizer/events/<int:event_id>/checkin/scan")
@token_route(TokenScope.CHECKIN)
@spec.validate(json=ScanIn, resp=DOOR_ANSWERS, tags=["check-in"], security=TOKEN)
def token_scan(event_id: int, json: ScanIn):
    """A ticket's code, scanned or typed: the door's verdict (checked in, already,
    another event's ticket, no seat, unknown, outside the check-in window)."""
    event, asked, refused = _door(event_id, json, ScanMethod(json.method), json.code)
    return refused or _answer(perform_scan, event, asked)


@bp.post("/v1/organizer/events/<int:event_id>/checkin/checkin")
@token_route(TokenScope.CHECKIN)
@spec.validate(json=CheckInIn, resp=DOOR_ANSWERS, tags=["check-in"], security=TOKEN)
def token_check_in(event_id: int, json: CheckInIn):
    """Check a registration in by its id (found by name)."""
    event, asked, refused = _door(event_id, json, ScanMethod.SEARCH)
    return refused or _answer(perform_check_in, event, asked, json.registration_id)


@bp.post("/v1/organizer/events/<int:event_id>/checkin/undo")
@token_route(TokenScope.CHECKIN)
@spec.validate(json=CheckInIn, resp=DOOR_ANSWERS, tags=["check-in"], security=TOKEN)
def token_undo(event_id: int, json: CheckInIn):
    """Take a check-in back; without a nonce a second undo is refused (409)."""
    event, asked, refused = _door(event_id, json, ScanMethod.SEARCH)
    return refused or _answer(perform_undo, event, asked, json.registration_id)
