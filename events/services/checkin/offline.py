"""Check-in without a connection: the data set a scanner keeps, and the replay of
what it did offline.

The data set holds one entry per registration of the event, indexed by a keyed
hash of its ticket code; the person's details (registration id, name,
organization, status) are encrypted with AES-GCM under a key derived from the
ticket code itself. A phone that is lost therefore reveals how many people
registered and when people were checked in, but a person's name only to someone
who also holds that person's ticket.

Sync replays queued scans and undos through the door's one decision
(events.services.checkin.decision), each as a request with the device's nonce
(a batch sent twice counts once) and the device's time. The server is the
judge: when two devices checked one ticket in, the check-in made first (by the
devices' clocks) stands and the other is recorded as a duplicate scan
(`already`). An item that cannot be read is refused alone.

A device's time is never re-dated: one that cannot be true (later than the
server's clock and a small skew, without a time zone, before the check-in link
that sends it was made) refuses the item, and one outside the check-in window
is judged by the decision like any check-in at that time (`outside_window`,
nothing recorded as attended). The earliest check-in stands only among times
that pass.
"""

import base64
import enum
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import (
    CheckInLink,
    CourseSession,
    Event,
    Registration,
    Scan,
    ScanMethod,
    ScanResult,
    SessionAttendance,
    User,
)
from events.services import DomainError, audit
from events.services.checkin.decision import (
    Actor,
    CheckInError,
    CheckInRequest,
    Verdict,
    door_request,
    perform_check_in,
    perform_scan,
    perform_undo,
)
from events.services.checkin.search import door_statuses
from events.services.checkin.walk_ins import add_walk_in, walk_in_from
from events.services.checkin.windows import window_of
from events.unit_of_work import command

MAX_BATCH = 50
KEEP_AFTER_EVENT = timedelta(hours=12)
# Scanners fetch the data set on opening and every 5 minutes: its download (the event's
# people, if encrypted) is audited once an hour per account or link, not at each fetch.
AUDIT_DATASET_EVERY = timedelta(hours=1)
CLOCK_SLACK = timedelta(minutes=5)  # a device's clock may run this much ahead
_STATE_RESULTS = (ScanResult.CHECKED_IN, ScanResult.UNDONE)


class SyncError(DomainError):
    """Codes: wrong_event, too_many, bad_item, event_over, future_time, before_link."""

    class Code(enum.StrEnum):
        BAD_ITEM = "bad_item"
        BEFORE_LINK = "before_link"
        EVENT_OVER = "event_over"
        FUTURE_TIME = "future_time"
        TOO_MANY = "too_many"
        WRONG_EVENT = "wrong_event"


@dataclass
class SyncOutcome:
    nonce: str
    verdict: Verdict | None = None
    error: CheckInError | SyncError | None = None
    other_check_in_at: datetime | None = None  # the duplicate's, or the one that stands


def index_key(secret: str, event_id: int) -> bytes:
    """The event's key for hashing ticket codes; given to its scanners with the data set."""
    return hmac.new(secret.encode(), f"checkin-dataset:{event_id}".encode(), "sha256").digest()


def ticket_index(key: bytes, code: str) -> str:
    return hmac.new(key, b"index:" + code.encode(), hashlib.sha256).hexdigest()


def entry_key(key: bytes, code: str) -> bytes:
    """The AES key of one entry: derivable only from the ticket code (and the event key)."""
    return hmac.new(key, b"entry:" + code.encode(), hashlib.sha256).digest()


def dataset_expires_at(event: Event) -> datetime:
    return event.ends_at + KEEP_AFTER_EVENT


def _encrypt(key: bytes, index: str, payload: dict) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, json.dumps(payload).encode(), index.encode())
    return base64.b64encode(nonce + sealed).decode()


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_dataset(event: Event, secret: str, now: datetime, session_id: int | None = None) -> dict:
    """Everything a scanner needs to judge tickets of `event` offline (at `session_id`
    of a course: `c` is the check-in at that session).

    Raises SyncError "event_over" once the event is long over: the set is erased then.
    """
    if now > dataset_expires_at(event):
        raise SyncError("event_over", _l("The event is over: the offline list was erased."))
    key = index_key(secret, event.id)
    entries = []
    registrations_list = list(
        db.session.scalars(
            sa.select(Registration)
            .where(Registration.event_id == event.id)
            .order_by(Registration.id)
        )
    )
    at_session = {}
    if session_id is not None:
        at_session = dict(
            db.session.execute(
                sa.select(SessionAttendance.registration_id, SessionAttendance.checked_in_at).where(
                    SessionAttendance.session_id == session_id
                )
            ).all()
        )
    for registration in registrations_list:
        index = ticket_index(key, registration.ticket_code)
        payload = {
            "r": registration.id,
            "n": registration.full_name,
            "o": registration.organization,
            "s": registration.status.value,
        }
        since = registration.checked_in_at
        if session_id is not None:
            since = at_session.get(registration.id)
        entries.append(
            {
                "k": index,
                "e": _encrypt(entry_key(key, registration.ticket_code), index, payload),
                "c": _iso(since) if since else None,
            }
        )
    last_scan = db.session.scalar(
        sa.select(sa.func.max(Scan.id)).where(Scan.event_id == event.id, _at(session_id))
    )
    names = None
    if event.offline_name_search:  # the organizer chose names in the clear on devices
        # The same people as the door search finds online (confirmed ones by default).
        shown = door_statuses(event)
        names = [
            {"k": entry["k"], "r": r.id, "n": r.full_name, "o": r.organization, "s": r.status.value}
            for entry, r in zip(entries, registrations_list, strict=True)
            if r.status in shown
        ]
    return {
        "event": event.slug,
        "key": base64.b64encode(key).decode(),
        "generated_at": _iso(now),
        "expires_at": _iso(dataset_expires_at(event)),
        "last_scan_id": last_scan or 0,
        "window": _window(event, session_id),
        "entries": entries,
        "names": names,
    }


def _window(event: Event, session_id: int | None) -> dict:
    """When the door is open, for the device's own verdict offline."""
    door = window_of(event, db.session.get(CourseSession, session_id) if session_id else None)
    return {"opens": _iso(door.opens), "closes": _iso(door.closes)}


def _at(session_id: int | None):
    """Scans at one session of a course, or every scan of a single event."""
    return Scan.session_id == session_id if session_id is not None else sa.true()


def changes_since(
    event: Event, secret: str, since_scan_id: int, limit: int = 500, session_id: int | None = None
) -> dict:
    """Check-ins, undos and duplicate scans of `event` (at `session_id` of a course)
    after scan `since_scan_id`, by ticket index: how online scanners learn what other
    devices did."""
    key = index_key(secret, event.id)
    rows = db.session.execute(
        sa.select(Scan.id, Scan.result, Scan.at, Registration.ticket_code, Registration.id)
        .join(Registration, Registration.id == Scan.registration_id)
        .where(
            Scan.event_id == event.id,
            _at(session_id),
            Scan.id > since_scan_id,
            Scan.result.in_([*_STATE_RESULTS, ScanResult.ALREADY]),
        )
        .order_by(Scan.id)
        .limit(limit)
    ).all()
    changes = [
        {
            "scan_id": scan_id,
            "k": ticket_index(key, code),
            "registration_id": registration_id,
            "result": result.value,
            "at": _iso(at),
        }
        for scan_id, result, at, code, registration_id in rows
    ]
    last = rows[-1][0] if rows else since_scan_id
    return {"changes": changes, "last_scan_id": last}


def _device_time(value, now: datetime, link: CheckInLink | None) -> datetime:
    """The device's time of a queued item, as it was recorded (a clock up to
    CLOCK_SLACK ahead is read as now).

    Raises SyncError "bad_item" for a time that cannot be read or has no time zone,
    "future_time" for one later than the server's time and the skew, "before_link"
    for one before the check-in link that sends it was made.
    """
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC)  # out of range at the edges of the calendar
    except (AttributeError, ValueError, OverflowError):
        raise _bad_item() from None
    if moment.tzinfo is None:
        raise _bad_item()
    if moment > now + CLOCK_SLACK:
        raise SyncError(
            "future_time",
            _l("This device's clock is ahead of the server's: check its date and time."),
        )
    if link is not None and moment < link.created_at:
        raise SyncError(
            "before_link", _l("This time is before the check-in link was made: not recorded.")
        )
    return min(moment, now)


def _bad_item() -> SyncError:
    return SyncError("bad_item", _l("This entry could not be read."))


def _item_registration(item: dict) -> int:
    registration_id = item.get("registration_id")
    if not isinstance(registration_id, int) or isinstance(registration_id, bool):
        raise _bad_item()
    if not 1 <= registration_id < 2**31:
        raise _bad_item()
    return registration_id


def _item_request(event, item: dict, actor: Actor, at, session) -> CheckInRequest:
    """The check-in request a queued item makes, at the device's time `at`, with the
    reason the device gave for an override of the check-in window, if any.

    Raises SyncError "bad_item" for an item that cannot be read."""
    if item.get("kind") in ("undo", "checkin"):  # found by name in an offline search
        method, code = ScanMethod.SEARCH, ""
    else:
        code, method = item.get("code"), item.get("method")
        if item.get("kind") != "scan" or not isinstance(code, str) or len(code) > 1000:
            raise _bad_item()
        if method not in (ScanMethod.CAMERA.value, ScanMethod.SCANNER.value):
            method = ScanMethod.SCANNER.value
        code, method = "".join(char for char in code if char.isprintable()), ScanMethod(method)
    reason = item.get("reason")
    return door_request(
        event,
        actor,
        method,
        code=code,
        nonce=item["nonce"],
        at=at,
        session=session,
        reason=reason if isinstance(reason, str) else None,
    )


def _apply_item(event: Event, item, actor: Actor, at: datetime, session) -> Verdict:
    """One queued scan, check-in by name or undo, through the door's one decision:
    one transaction each."""
    if item.get("kind") == "walk_in":  # added at the door without a connection
        person = item.get("person")
        if not isinstance(person, dict):
            raise _bad_item()
        request = door_request(
            event, actor, ScanMethod.WALK_IN, nonce=item["nonce"], at=at, session=session
        )
        return add_walk_in(request, walk_in_from(person, item.get("language") or "pl")).verdict
    request = _item_request(event, item, actor, at, session)
    if item["kind"] == "undo":
        return perform_undo(request, _item_registration(item))
    if item["kind"] == "checkin":
        return perform_check_in(request, _item_registration(item))
    return perform_scan(request)


def _sync_item(event: Event, item, actor: Actor, now: datetime, link, session) -> SyncOutcome:
    """Each item is judged alone: one that cannot be read, or whose time cannot be
    true, is refused with a reason, and the others are stored."""
    nonce = item.get("nonce") if isinstance(item, dict) else None
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 64 or not nonce.isprintable():
        return SyncOutcome("", error=_bad_item())
    outcome = SyncOutcome(nonce)
    try:
        at = _device_time(item.get("at"), now, link)
        outcome.verdict = _apply_item(event, item, actor, at, session)
    except DomainError as error:
        outcome.error = error
    else:
        outcome.other_check_in_at = outcome.verdict.other_check_in_at
    return outcome


def sync_scans(
    event: Event, batch_event: str, items, actor: Actor, now: datetime, session=None
) -> list[SyncOutcome]:
    """Replay a device's queued scans and undos at `event` (at `session` of a course),
    oldest first; returns one SyncOutcome per item. Each item stands alone: a batch
    that breaks off halfway is simply sent again, and what already arrived is
    answered from its nonce.

    Raises SyncError "wrong_event" or "too_many" for the whole batch.
    """
    if batch_event != event.slug:
        raise SyncError("wrong_event", _l("These check-ins belong to another event."))
    if not isinstance(items, list) or len(items) > MAX_BATCH:
        raise SyncError("too_many", _l("Send at most 50 check-ins at a time."))

    def device_order(pair):
        position, item = pair
        at = item.get("at") if isinstance(item, dict) else None
        return (at if isinstance(at, str) else "", position)

    ordered = [item for _position, item in sorted(enumerate(items), key=device_order)]
    link = db.session.get(CheckInLink, actor.link_id) if actor.link_id else None
    return [_sync_item(event, item, actor, now, link, session) for item in ordered]


@command
def set_offline_name_search(event: Event, enabled: bool, user: User) -> None:
    """Let scanners of `event` search names offline (names kept in the clear on the
    devices), or stop it; audited."""
    if event.offline_name_search == enabled:
        return
    before = {"offline_name_search": event.offline_name_search}
    event.offline_name_search = enabled
    audit.record(
        "offline_search_changed",
        user,
        event.id,
        before=before,
        after={"offline_name_search": enabled},
    )
