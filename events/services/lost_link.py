"""Lost links: a person asks for their "my registration" links by email.

The answer on screen is the same whether or not the address is registered;
only the mailbox owner learns what exists.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.identifiers import normalize_email
from events.messages.mail import queue_templated
from events.models import ACTIVE_STATUSES, Event, EventStatus, Registration, utcnow
from events.services import throttle
from events.unit_of_work import command

RESEND_INTERVAL = timedelta(minutes=2)


@command
def request_links(raw_email: str, language: str = "pl", now: datetime | None = None) -> bool:
    """Queue an email with the links of the address's upcoming registrations.

    It is written in the language of the person's latest registration (the one
    they chose most recently); `language` (the page's) only when none says.

    Returns whether a message was queued: False when the address has none, or
    when one was sent less than RESEND_INTERVAL ago (against mail bombing). The
    interval is kept under the address's throttle row lock: parallel requests
    for one address queue one message, not one each.
    """
    now = now or utcnow()
    email = normalize_email(raw_email)
    registrations = list(
        db.session.scalars(
            sa.select(Registration)
            .join(Event)
            .where(
                Registration.email == email,
                Registration.status.in_(ACTIVE_STATUSES),
                Event.status == EventStatus.PUBLISHED,
                Event.ends_at >= now,
            )
            .order_by(Event.starts_at)
        )
    )
    if not registrations or not throttle.take(f"lost-link:{email}", 1, RESEND_INTERVAL, now):
        return False
    throttle.prune(now - 10 * RESEND_INTERVAL)  # other addresses' counters that ran out
    latest = max(registrations, key=lambda registration: (registration.created_at, registration.id))
    queue_templated(
        "your_links",
        email,
        latest.language or language,
        _l("Your registrations – Działamy Razem"),
        registrations=registrations,
    )
    return True
