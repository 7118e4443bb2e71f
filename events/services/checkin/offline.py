"""Check-in without a connection: the data set a scanner keeps, and the replay of
what it did offline.

The data set holds one entry per registration of the event, indexed by a keyed
hash of its ticket code; the person's details (registration id, name,
organization, status) are encrypted with AES-GCM under a key derived from the
ticket code itself. A phone that is lost therefore reveals how many people
registered and when people were checked in, but a person's name only to someone
who also holds that person's ticket.

Sync replays queued scans and undos through the ordinary check-in functions,
with the device's nonce (a batch sent twice counts once) and the device's time.
The server is the judge: when two devices checked one ticket in, the check-in
made first (by the devices' clocks) stands and the other is recorded as a
duplicate scan (`already`).
"""

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from events.extensions import db
from events.models import (
    Event,
    Registration,
    Scan,
    ScanMethod,
    ScanResult,
    SessionAttendance,
    User,
)
from events.services import DomainError, audit
from events.services.checkin.door import (
    Actor,
    CheckInError,
    Verdict,
    attendance_of,
    check_in_registration,
    scan_code,
    undo_check_in,
)
from events.services.checkin.search import door_statuses
from events.unit_of_work import command

MAX_BATCH = 50
KEEP_AFTER_EVENT = timedelta(hours=12)
CLOCK_SLACK = timedelta(minutes=5)
OLDEST_OFFLINE_SCAN = timedelta(hours=48)
_STATE_RESULTS = (ScanResult.CHECKED_IN, ScanResult.UNDONE)


class SyncError(DomainError):
    """Codes: wrong_event, too_many, bad_item, event_over."""


@dataclass
class SyncOutcome:
    nonce: str
    verdict: Verdict | None = None
    error: CheckInError | SyncError | None = None
    clock_adjusted: bool = False
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
        "entries": entries,
        "names": names,
    }


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


def _device_time(value, now: datetime) -> tuple[datetime, bool]:
    """The device's time of a scan, or now when it is missing or implausible."""
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return now, True
    if moment.tzinfo is None:
        return now, True
    moment = moment.astimezone(UTC)
    if not now - OLDEST_OFFLINE_SCAN <= moment <= now + CLOCK_SLACK:
        return now, True
    return min(moment, now), False


def _find_nonce(nonce: str) -> Scan | None:
    return db.session.scalar(sa.select(Scan).where(Scan.nonce == nonce))


def _item_registration(item: dict) -> int:
    registration_id = item.get("registration_id")
    if not isinstance(registration_id, int) or isinstance(registration_id, bool):
        raise SyncError("bad_item", _l("This entry could not be read."))
    if not 1 <= registration_id < 2**31:
        raise SyncError("bad_item", _l("This entry could not be read."))
    return registration_id


def _sync_undo(event_id: int, item: dict, actor: Actor, at: datetime, session_id=None) -> Verdict:
    """An undo made offline, made idempotent by its nonce (undo_check_in takes none)."""
    nonce = item["nonce"]
    earlier = _find_nonce(nonce)
    if earlier is not None:
        if (earlier.event_id, earlier.user_id, earlier.link_id) != (
            event_id,
            actor.user_id,
            actor.link_id,
        ):
            raise CheckInError("nonce_used", _l("This request was already used. Scan again."))
        return Verdict(earlier.result, earlier, earlier.registration, replayed=True)
    verdict = undo_check_in(event_id, _item_registration(item), actor, session_id)
    verdict.scan.nonce = nonce
    verdict.scan.at = at
    return verdict


def _dated(verdict: Verdict, at: datetime) -> Verdict:
    """A scan judged now is dated at the device's time (unknown codes excepted, so that
    guesses sent through sync count against the limit), and so is the door state."""
    if verdict.replayed or verdict.result == ScanResult.UNKNOWN:
        return verdict
    verdict.scan.at = at
    if verdict.result == ScanResult.CHECKED_IN and verdict.session_id is not None:
        attendance = attendance_of(verdict.session_id, verdict.registration.id)
        attendance.checked_in_at = at
        if at < verdict.registration.checked_in_at:
            verdict.registration.checked_in_at = at
    elif verdict.result == ScanResult.CHECKED_IN:
        verdict.registration.checked_in_at = at
    return verdict


def _label(scan: Scan) -> str:
    return scan.user.email if scan.user else scan.link.label if scan.link else "?"


def _earliest_stands(verdict: Verdict, at: datetime) -> datetime | None:
    """Two devices checked one ticket in while offline: the check-in made first stands,
    whichever device synced first; the other becomes the duplicate (`already`).
    Runs under the registration's row lock taken by the check-in; returns the time of
    the other check-in, if there is one."""
    registration = verdict.registration
    if verdict.result != ScanResult.ALREADY or verdict.replayed or registration is None:
        return None
    if verdict.session_id is not None:  # a course's session: the first synced stands
        return verdict.checked_in_at
    standing_at = registration.checked_in_at
    if standing_at is None or standing_at <= at:
        return standing_at
    standing = db.session.scalar(
        sa.select(Scan)
        .where(Scan.registration_id == registration.id, Scan.result == ScanResult.CHECKED_IN)
        .order_by(Scan.id.desc())
        .limit(1)
    )
    if standing is None:
        return standing_at
    standing.result = ScanResult.ALREADY
    verdict.scan.result = verdict.result = ScanResult.CHECKED_IN
    registration.checked_in_at = at
    registration.checked_in_by = _label(verdict.scan)
    return standing_at


@command
def _apply_item(event: Event, item: dict, actor: Actor, now: datetime, at: datetime, session_id):
    """One queued scan, check-in by name or undo: one transaction."""
    nonce, kind = item["nonce"], item.get("kind")
    if kind == "undo":
        return _sync_undo(event.id, item, actor, at, session_id), None
    if kind == "checkin":  # found by name in an offline search
        verdict = check_in_registration(
            event.id, _item_registration(item), actor, nonce, session_id=session_id
        )
    else:
        code, method = item.get("code"), item.get("method")
        if kind != "scan" or not isinstance(code, str) or len(code) > 1000:
            raise SyncError("bad_item", _l("This entry could not be read."))
        if method not in (ScanMethod.CAMERA.value, ScanMethod.SCANNER.value):
            method = ScanMethod.SCANNER.value
        code = "".join(char for char in code if char.isprintable())
        verdict = scan_code(
            event.id, code, ScanMethod(method), actor, nonce=nonce, now=now, session_id=session_id
        )
    verdict = _dated(verdict, at)
    return verdict, _earliest_stands(verdict, at)


def _sync_item(event: Event, item, actor: Actor, now: datetime, session_id=None) -> SyncOutcome:
    nonce = item.get("nonce") if isinstance(item, dict) else None
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 64 or not nonce.isprintable():
        return SyncOutcome("", error=SyncError("bad_item", _l("This entry could not be read.")))
    at, adjusted = _device_time(item.get("at"), now)
    outcome = SyncOutcome(nonce, clock_adjusted=adjusted)
    try:
        outcome.verdict, outcome.other_check_in_at = _apply_item(
            event, item, actor, now, at, session_id
        )
    except (CheckInError, SyncError) as error:
        outcome.error = error
    except IntegrityError:  # the same undo sent twice at once: the first one answers
        earlier = _find_nonce(nonce)
        if earlier is None:
            raise
        outcome.verdict = Verdict(earlier.result, earlier, earlier.registration, replayed=True)
    return outcome


def sync_scans(event: Event, batch_event: str, items, actor: Actor, now: datetime, session_id=None):
    """Replay a device's queued scans and undos at `event` (at `session_id` of a
    course), oldest first; returns one
    SyncOutcome per item. Each item stands alone: a batch that breaks off halfway is
    simply sent again, and what already arrived is answered from its nonce.

    Raises SyncError "wrong_event" or "too_many" for the whole batch.
    """
    if batch_event != event.slug:
        raise SyncError("wrong_event", _l("These check-ins belong to another event."))
    if not isinstance(items, list) or len(items) > MAX_BATCH:
        raise SyncError("too_many", _l("Send at most 50 check-ins at a time."))

    def device_order(pair):
        position, item = pair
        at = item.get("at") if isinstance(item, dict) else None
        return (str(at) if isinstance(at, str) else "", position)

    ordered = [item for _position, item in sorted(enumerate(items), key=device_order)]
    return [_sync_item(event, item, actor, now, session_id) for item in ordered]


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
