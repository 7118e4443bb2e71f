"""Certificates already issued that break the rule of "only after the fact".

A standing certificate breaks it when it was issued before its event (a course's
last session) ended, when it states a date after its own issue date, or when the
presences it rests on do not count (outside their check-in windows, with no
recorded override or paper-sheet correction; or taken back since). Such
certificates are listed for the organizer to revoke, never revoked here: the
attendance page shows an event's, `flask certificates check` all of them.
"""

import enum
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.models import Certificate, Event, Registration
from events.services.courses.certificates import ends_at
from events.services.courses.presences import counted_people, counted_sessions


class Breach(enum.StrEnum):
    ISSUED_BEFORE_END = "issued_before_end"
    DATED_AFTER_ISSUE = "dated_after_issue"
    PRESENCE_NOT_COUNTED = "presence_not_counted"

    @property
    def label(self):
        return {
            Breach.ISSUED_BEFORE_END: _l("issued before the end"),
            Breach.DATED_AFTER_ISSUE: _l("states a date after its issue date"),
            Breach.PRESENCE_NOT_COUNTED: _l(
                "rests on a presence outside its check-in window, with no override"
            ),
        }[self]


@dataclass
class BrokenCertificate:
    certificate: Certificate
    breaches: list[Breach] = field(default_factory=list)


def breaking_certificates(event: Event) -> list[BrokenCertificate]:
    """The standing certificates of `event` that break the rule, with why, in a few
    queries whatever the number of certificates."""
    certificates = db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.event_id == event.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id)
    ).all()
    if not certificates:
        return []
    counted = _counted(event, [c.registration_id for c in certificates if c.registration_id])
    end = ends_at(event)
    found = []
    for certificate in certificates:
        breaches = []
        if certificate.issued_at < end:
            breaches.append(Breach.ISSUED_BEFORE_END)
        if _latest_date(certificate.details) > certificate.issued_at:
            breaches.append(Breach.DATED_AFTER_ISSUE)
        if certificate.registration_id is not None and not _rests_on_counted(
            certificate, counted.get(certificate.registration_id)
        ):
            breaches.append(Breach.PRESENCE_NOT_COUNTED)
        if breaches:
            found.append(BrokenCertificate(certificate, breaches))
    return found


def breaking_everywhere() -> list[BrokenCertificate]:
    """The standing certificates of every event that break the rule, event by event."""
    event_ids = db.session.scalars(
        sa.select(Certificate.event_id)
        .where(Certificate.revoked_at.is_(None))
        .distinct()
        .order_by(Certificate.event_id)
    ).all()
    found = []
    for event_id in event_ids:
        found.extend(breaking_certificates(db.session.get(Event, event_id)))
    return found


def _counted(event: Event, registration_ids: list[int]) -> dict[int, set[int] | bool]:
    """Per registration: the sessions with a presence that counts (a course), or
    whether its check-in counts (a single event)."""
    if event.sessions:
        return counted_sessions(event, registration_ids)
    people = db.session.scalars(
        sa.select(Registration).where(Registration.id.in_(registration_ids))
    ).all()
    present = counted_people(event, list(people))
    return {registration_id: registration_id in present for registration_id in registration_ids}


def _rests_on_counted(certificate: Certificate, counted: set[int] | bool | None) -> bool:
    """Whether every presence the certificate states still counts. Sessions are
    matched by id where the certificate froze them, else by their number."""
    if isinstance(counted, bool) or counted is None:
        return bool(counted)
    claimed = [item for item in certificate.details.get("sessions", []) if item.get("attended")]
    ids = [item.get("id") for item in claimed]
    if claimed and all(ids):
        return set(ids) <= counted
    return len(counted) >= certificate.sessions_attended


def _latest_date(details: dict) -> datetime:
    """The latest moment a certificate states: its end, the end of what was attended."""
    stated = [details.get("ends_at"), details.get("attended_until")]
    stated += [item["ends_at"] for item in details.get("sessions", []) if item.get("attended")]
    return max(datetime.fromisoformat(value) for value in stated if value)
