"""Personal data (GDPR/RODO): erasing a person on request, and a retention run.

Anonymizing keeps what the reports count (status, county, organization type,
network membership, consents' existence, door records) and drops who the
person was. Their private links stop working. Both are written to the audit log.
"""

from datetime import datetime

import sqlalchemy as sa

from events.extensions import db
from events.models import Event, OutboxMessage, Registration, User
from events.services import audit
from events.services.registration import new_manage_token, new_ticket_code

ANONYMOUS = "—"


def _anonymize(registration: Registration) -> None:
    registration.first_name = ANONYMOUS
    registration.last_name = ANONYMOUS
    registration.email = f"anonymized-{registration.id}@invalid"
    registration.phone = None
    registration.organization = ANONYMOUS
    registration.needs = None
    registration.search_text = ""
    registration.manage_token = new_manage_token()
    registration.ticket_code = new_ticket_code()


def is_anonymized(registration: Registration) -> bool:
    return registration.email.endswith("@invalid")


def erase_person(email: str, user: User | None) -> int:
    """Anonymize every registration of this address and drop their unsent and sent
    messages. Returns how many registrations were anonymized."""
    address = email.strip().lower()
    registrations = db.session.scalars(
        sa.select(Registration).where(Registration.email == address)
    ).all()
    for registration in registrations:
        _anonymize(registration)
        audit.record("person_erased", user, registration.event_id, registration_id=registration.id)
    db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient == address))
    db.session.commit()
    return len(registrations)


def anonymize_before(cutoff: datetime, user: User | None = None) -> int:
    """Anonymize the registrations of events that ended before `cutoff`."""
    registrations = db.session.scalars(
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(Event.ends_at < cutoff, ~Registration.email.like("%@invalid"))
    ).all()
    emails = {registration.email for registration in registrations}
    for registration in registrations:
        _anonymize(registration)
    if emails:
        db.session.execute(sa.delete(OutboxMessage).where(OutboxMessage.recipient.in_(emails)))
    audit.record(
        "retention_anonymized",
        user,
        after={"ended_before": cutoff.isoformat(), "registrations": len(registrations)},
    )
    db.session.commit()
    return len(registrations)
