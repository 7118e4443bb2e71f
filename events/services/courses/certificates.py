"""Certificates of completion: the rule, who meets it, issuing and revoking.

The rule is per event (`Event.certificate_min_percent`): for a course, the share
of its hours a person attended (their sessions' check-ins); for a single event,
being checked in. Only presences that count are attendance (courses.presences:
inside the check-in window, from the paper sheet, or overridden with a reason).
Only confirmed people who meet the rule get one: never a no-show, never someone
on the waiting list. A certificate is issued only after the fact: once the event,
or a course's last session, has ended; so the dates it states (those attended)
never lie after its issue date. Issuing is an organizer's command:
the certificate (what it says frozen in `details`), its email with the PDF
(through the outbox) and the audit entry are one transaction. A rule changed
later leaves issued certificates standing; revoking one is explicit and audited.
"""

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.messages.mail import queue_registration_email
from events.models import (
    Certificate,
    Event,
    Registration,
    RegistrationStatus,
    User,
    utcnow,
)
from events.services import DomainError, audit
from events.services.courses.presences import counted_people, counted_sessions
from events.services.locking import lock_event
from events.unit_of_work import command


class CertificateError(DomainError):
    """Codes: no_rule, not_ended, not_eligible, already_issued, not_found, already_revoked."""

    class Code(enum.StrEnum):
        ALREADY_ISSUED = "already_issued"
        ALREADY_REVOKED = "already_revoked"
        NO_RULE = "no_rule"
        NOT_ELIGIBLE = "not_eligible"
        NOT_ENDED = "not_ended"
        NOT_FOUND = "not_found"


@dataclass
class Standing:
    """One confirmed person against the rule."""

    registration: Registration
    minutes: int
    sessions: set[int]
    percent: int
    eligible: bool
    certificate: Certificate | None = None


def ends_at(event: Event) -> datetime:
    """When `event` is over: its end, or its last session's (certificates from then on)."""
    return max([event.ends_at, *(session.ends_at for session in event.sessions)])


def has_ended(event: Event, now: datetime | None = None) -> bool:
    return (now or utcnow()) >= ends_at(event)


def standings(event: Event) -> list[Standing]:
    """Every confirmed person of `event` with what they attended (presences that count)
    and whether they meet the rule (False for everyone when the event has no rule),
    with their standing certificate, if any."""
    people = db.session.scalars(
        sa.select(Registration)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            Registration.anonymized_at.is_(None),
        )
        .order_by(Registration.last_name, Registration.first_name, Registration.id)
    ).all()
    sessions = list(event.sessions)
    total = sum(session.minutes for session in sessions)
    minutes = {session.id: session.minutes for session in sessions}
    ids = [person.id for person in people]
    attended = counted_sessions(event, ids) if sessions else {}
    present = set() if sessions else counted_people(event, people)
    issued = standing_certificates(event.id)
    rule = event.certificate_min_percent
    result = []
    for person in people:
        if sessions:
            went = attended[person.id]
            spent = sum(minutes[session_id] for session_id in went)
            percent = spent * 100 // total if total else 0
            eligible = rule is not None and spent > 0 and spent * 100 >= rule * total
        else:
            came = person.id in present
            went, spent = set(), _event_minutes(event) if came else 0
            percent = 100 if came else 0
            eligible = rule is not None and came
        result.append(Standing(person, spent, went, percent, eligible, issued.get(person.id)))
    return result


def _event_minutes(event: Event) -> int:
    return int((event.ends_at - event.starts_at).total_seconds() // 60)


def standing_certificates(event_id: int) -> dict[int, Certificate]:
    """The certificates of an event not revoked, by registration id."""
    rows = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.event_id == event_id, Certificate.revoked_at.is_(None)
        )
    )
    return {certificate.registration_id: certificate for certificate in rows}


@command
def set_rule(event_id: int, percent: int | None, user: User) -> int:
    """Set (or clear, with None) the certificate rule; audited. Returns how many
    certificates were already issued: they stay valid under the new rule unless an
    organizer revokes them."""
    event = lock_event(event_id)
    if event.certificate_min_percent == percent:
        return 0
    before = {"certificate_min_percent": event.certificate_min_percent}
    event.certificate_min_percent = percent
    audit.record(
        "certificate_rule_changed",
        user,
        event.id,
        before=before,
        after={"certificate_min_percent": percent},
    )
    return len(standing_certificates(event.id))


def _details(event: Event, standing: Standing) -> dict:
    """What the certificate says, frozen: the course, each session, and the dates
    attended (the sessions attended, or the event), all before the issue date."""
    sessions = [
        {
            "id": session.id,
            "title": session.title,
            "starts_at": session.starts_at.isoformat(),
            "ends_at": session.ends_at.isoformat(),
            "attended": session.id in standing.sessions,
        }
        for session in event.sessions
    ]
    went = [session for session in event.sessions if session.id in standing.sessions]
    return {
        "title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "attended_from": min(s.starts_at for s in went or [event]).isoformat(),
        "attended_until": max(s.ends_at for s in went or [event]).isoformat(),
        "sessions": sessions,
        "issuer": current_app.config.get("CONTROLLER_NAME") or "Działamy Razem",
    }


def _issue(event: Event, standing: Standing, user: User, now: datetime) -> Certificate:
    person = standing.registration
    sessions = list(event.sessions)
    certificate = Certificate(
        event_id=event.id,
        registration_id=person.id,
        holder_name=person.full_name,
        language=person.language,
        minutes_attended=standing.minutes,
        minutes_total=sum(s.minutes for s in sessions) if sessions else _event_minutes(event),
        sessions_attended=len(standing.sessions),
        sessions_total=len(sessions),
        rule_percent=event.certificate_min_percent,
        details=_details(event, standing),
        issued_at=now,
        issued_by=user.email if user else audit.COMMAND_LINE,
    )
    db.session.add(certificate)
    db.session.flush()
    queue_registration_email("certificate", person, certificate_number=certificate.number)
    audit.record(
        "certificate_issued",
        user,
        event.id,
        registration_id=person.id,
        after={"number": certificate.number, "hours": round(standing.minutes / 60, 2)},
    )
    return certificate


@command
def issue_certificates(
    event_id: int, user: User, registration_id: int | None = None
) -> list[Certificate]:
    """Issue a certificate to every person who meets the rule and has none yet, or to
    the one person `registration_id`. Each is emailed (the PDF attached) and audited.

    Raises CertificateError "no_rule"; "not_ended" before the event (a course's last
    session) has ended; for one person "not_eligible" (a no-show, too few hours, not
    confirmed) or "already_issued".
    """
    event = lock_event(event_id)
    now = utcnow()
    if event.certificate_min_percent is None:
        raise CertificateError("no_rule", _l("Set the certificate rule first."))
    if not has_ended(event, now):
        raise CertificateError(
            "not_ended",
            _l("Certificates can be issued only after the course has ended.")
            if event.sessions
            else _l("Certificates can be issued only after the event has ended."),
        )
    everyone = standings(event)
    if registration_id is not None:
        chosen = [s for s in everyone if s.registration.id == registration_id]
        if not chosen or not chosen[0].eligible:
            raise CertificateError(
                "not_eligible", _l("This person does not meet the rule for a certificate.")
            )
        if chosen[0].certificate is not None:
            raise CertificateError("already_issued", _l("This person already has a certificate."))
        everyone = chosen
    return [_issue(event, s, user, now) for s in everyone if s.eligible and s.certificate is None]


@command
def revoke_certificate(event_id: int, certificate_id: int, user: User) -> Certificate:
    """Revoke a certificate: the verification page says so from now on; audited.
    Raises CertificateError "not_found" or "already_revoked"."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None or certificate.event_id != event_id:
        raise CertificateError("not_found", _l("No such certificate."))
    if certificate.revoked_at is not None:
        raise CertificateError("already_revoked", _l("This certificate is already revoked."))
    certificate.revoked_at = utcnow()
    certificate.revoked_by = user.email if user else audit.COMMAND_LINE
    audit.record(
        "certificate_revoked",
        user,
        event_id,
        registration_id=certificate.registration_id,
        after={"number": certificate.number},
    )
    return certificate


def find_certificate(number: str) -> Certificate | None:
    """A certificate by its public number, typed with or without dashes, any case."""
    cleaned = "".join(char for char in number.upper() if char.isalnum())[:16]
    if len(cleaned) != 16:
        return None
    grouped = "-".join(cleaned[i : i + 4] for i in range(0, 16, 4))
    return db.session.scalar(sa.select(Certificate).where(Certificate.number == grouped))


def certificates_of(registration_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.registration_id == registration_id)
            .order_by(Certificate.id)
        )
    )


def certificates_of_event(event_id: int) -> list[Certificate]:
    return list(
        db.session.scalars(
            sa.select(Certificate).where(Certificate.event_id == event_id).order_by(Certificate.id)
        )
    )
