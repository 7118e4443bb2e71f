"""Checking people in at the door.

One entry point per action (`scan_code`, `check_in_registration`, `undo_check_in`)
locks the registration row, reads its latest check-in record, decides, and
writes a new Scan record — refusals included. Two phones scanning one ticket
at the same moment therefore get one "checked in" and one "already". A nonce
chosen by the device makes a retried request return its first answer.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError

from events.extensions import db
from events.models import (
    Event,
    Registration,
    RegistrationStatus,
    Scan,
    ScanMethod,
    ScanResult,
    utcnow,
)
from events.search import word_filters
from events.services import DomainError

MAX_CODE_LENGTH = 64
FAILED_SCANS_PER_MINUTE = 30
_NOT_CODE = re.compile(r"[^A-Z0-9]")


class CheckInError(DomainError):
    """Codes: throttled, not_checked_in, not_found, nonce_used."""


@dataclass(frozen=True)
class Actor:
    """Who scans: a logged-in user, or a volunteer's check-in link."""

    user_id: int | None = None
    link_id: int | None = None


@dataclass
class Verdict:
    result: ScanResult
    scan: Scan
    registration: Registration | None = None
    previous: Scan | None = None  # for ALREADY: the check-in that came first
    other_event: Event | None = None
    replayed: bool = field(default=False)


def normalize_code(raw: str) -> str:
    """What a scanner or a person may add around a ticket code is dropped: spaces,
    dashes, lower case. Anything else is kept, so that it simply matches nothing."""
    code = raw.strip().upper()
    return _NOT_CODE.sub("", code) if len(code) <= 2 * MAX_CODE_LENGTH else code


def scan_code(
    event_id: int,
    raw_code: str,
    method: ScanMethod,
    actor: Actor,
    nonce: str | None = None,
    now: datetime | None = None,
) -> Verdict:
    """Check in the ticket `raw_code` at `event_id`; returns the verdict, recorded.

    Raises CheckInError "throttled" after too many unknown codes from this actor.
    """
    now = now or utcnow()
    replay = _replayed(nonce, event_id, actor)
    if replay:
        return replay
    if _recent_failures(actor, now) >= FAILED_SCANS_PER_MINUTE:
        raise CheckInError("throttled", _l("Too many unknown codes. Wait a minute and try again."))
    code = normalize_code(raw_code)
    registration = None
    if 0 < len(code) <= MAX_CODE_LENGTH:
        registration = db.session.scalar(
            sa.select(Registration).where(Registration.ticket_code == code)
        )
    if registration is None:
        return _record(event_id, None, ScanResult.UNKNOWN, method, actor, nonce, now, code)
    return _decide(event_id, registration.id, method, actor, nonce, now, code)


def check_in_registration(
    event_id: int, registration_id: int, actor: Actor, nonce: str | None = None
) -> Verdict:
    """Check in a person found by name (no code at hand)."""
    replay = _replayed(nonce, event_id, actor)
    if replay:
        return replay
    registration = db.session.get(Registration, registration_id)
    if registration is None or registration.event_id != event_id:
        raise CheckInError("not_found", _l("This person is not registered for this event."))
    return _decide(event_id, registration_id, ScanMethod.SEARCH, actor, nonce, utcnow(), "")


def undo_check_in(event_id: int, registration_id: int, actor: Actor) -> Verdict:
    """Take back a check-in; recorded as an UNDONE scan, never deleted.

    Raises CheckInError "not_found" or "not_checked_in".
    """
    registration = _lock_registration(registration_id)
    if registration is None or registration.event_id != event_id:
        db.session.rollback()
        raise CheckInError("not_found", _l("This person is not registered for this event."))
    latest = latest_check_in(registration_id)
    if latest is None or latest.result != ScanResult.CHECKED_IN:
        db.session.rollback()
        raise CheckInError("not_checked_in", _l("This person is not checked in."))
    return _record(
        event_id, registration, ScanResult.UNDONE, latest.method, actor, None, utcnow(), ""
    )


def _decide(event_id, registration_id, method, actor, nonce, now, code) -> Verdict:
    registration = _lock_registration(registration_id)
    if registration.event_id != event_id:
        verdict = _record(
            event_id, registration, ScanResult.WRONG_EVENT, method, actor, nonce, now, code
        )
        verdict.other_event = registration.event
        return verdict
    if registration.status == RegistrationStatus.CANCELLED:
        result = ScanResult.CANCELLED
    elif registration.status != RegistrationStatus.CONFIRMED:
        result = ScanResult.NOT_CONFIRMED
    else:
        latest = latest_check_in(registration.id)
        if latest is not None and latest.result == ScanResult.CHECKED_IN:
            verdict = _record(
                event_id, registration, ScanResult.ALREADY, method, actor, nonce, now, code
            )
            verdict.previous = latest
            return verdict
        result = ScanResult.CHECKED_IN
    return _record(event_id, registration, result, method, actor, nonce, now, code)


def _lock_registration(registration_id: int) -> Registration | None:
    return db.session.execute(
        sa.select(Registration)
        .where(Registration.id == registration_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()


def latest_check_in(registration_id: int) -> Scan | None:
    """The latest check-in or undo of a registration: the person's state at the door."""
    return db.session.scalar(
        sa.select(Scan)
        .where(
            Scan.registration_id == registration_id,
            Scan.result.in_([ScanResult.CHECKED_IN, ScanResult.UNDONE]),
        )
        .order_by(Scan.id.desc())
        .limit(1)
    )


def _record(event_id, registration, result, method, actor, nonce, now, code) -> Verdict:
    scan = Scan(
        event_id=event_id,
        registration_id=registration.id if registration else None,
        result=result,
        method=method,
        code="".join(char for char in code if char.isprintable())[:MAX_CODE_LENGTH],
        user_id=actor.user_id,
        link_id=actor.link_id,
        nonce=nonce or None,
        at=now,
    )
    db.session.add(scan)
    try:
        db.session.commit()
    except IntegrityError:  # the same nonce, sent twice at once: the first one answers
        db.session.rollback()
        replay = _replayed(nonce, event_id, actor)
        if replay is None:
            raise
        return replay
    return Verdict(result=result, scan=scan, registration=registration)


def _replayed(nonce: str | None, event_id: int, actor: Actor) -> Verdict | None:
    """The first verdict for this nonce. A nonce used by someone else, or at another
    event, is refused: it cannot be used to read another person's verdict."""
    if not nonce:
        return None
    scan = db.session.scalar(sa.select(Scan).where(Scan.nonce == nonce))
    if scan is None:
        return None
    if (scan.event_id, scan.user_id, scan.link_id) != (event_id, actor.user_id, actor.link_id):
        raise CheckInError("nonce_used", _l("This request was already used. Scan again."))
    verdict = Verdict(result=scan.result, scan=scan, registration=scan.registration)
    verdict.replayed = True
    if scan.result == ScanResult.ALREADY and scan.registration_id:
        verdict.previous = db.session.scalar(
            sa.select(Scan)
            .where(
                Scan.registration_id == scan.registration_id,
                Scan.result == ScanResult.CHECKED_IN,
                Scan.id < scan.id,
            )
            .order_by(Scan.id.desc())
            .limit(1)
        )
    if scan.result == ScanResult.WRONG_EVENT and scan.registration:
        verdict.other_event = scan.registration.event
    return verdict


def _recent_failures(actor: Actor, now: datetime) -> int:
    who = Scan.user_id == actor.user_id if actor.user_id else Scan.link_id == actor.link_id
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            who, Scan.result == ScanResult.UNKNOWN, Scan.at > now - timedelta(minutes=1)
        )
    )


def door_counts(event_id: int) -> dict[str, int]:
    """{"checked_in": people inside by the records, "confirmed": confirmed registrations}."""
    later = sa.orm.aliased(Scan)
    newer_exists = (
        sa.select(later.id)
        .where(
            later.registration_id == Scan.registration_id,
            later.result.in_([ScanResult.CHECKED_IN, ScanResult.UNDONE]),
            later.id > Scan.id,
        )
        .exists()
    )
    checked_in = db.session.scalar(
        sa.select(sa.func.count()).where(
            Scan.event_id == event_id, Scan.result == ScanResult.CHECKED_IN, ~newer_exists
        )
    )
    confirmed = db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == event_id,
            Registration.status == RegistrationStatus.CONFIRMED,
        )
    )
    return {"checked_in": checked_in, "confirmed": confirmed}


def search_attendees(event_id: int, query: str, limit: int = 15) -> list[Registration]:
    """Registrations of the event whose name, email or organization contains every
    word, with or without Polish letters."""
    conditions = word_filters(Registration.search_text, query)
    if not conditions or len(query) > 100:
        return []
    statement = sa.select(Registration).where(Registration.event_id == event_id, *conditions)
    statement = statement.order_by(Registration.last_name, Registration.first_name).limit(limit)
    return list(db.session.scalars(statement))
