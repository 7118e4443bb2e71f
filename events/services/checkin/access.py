"""Who may open an event's scanner: organizers, staff assigned to the event, and
volunteers holding a check-in link (secret, expiring, revocable)."""

import enum
import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.identifiers import normalize_email
from events.models import CheckInLink, Event, EventStatus, User, utcnow
from events.services import DomainError
from events.services.checkin.door import Actor
from events.services.organizations.scope import scope_of
from events.unit_of_work import command

MAX_LINK_HOURS = 24 * 7


class AccessError(DomainError):
    """Codes: invalid_hours, not_staff, unknown_event, unknown_user."""

    class Code(enum.StrEnum):
        INVALID_HOURS = "invalid_hours"
        NOT_STAFF = "not_staff"
        UNKNOWN_EVENT = "unknown_event"
        UNKNOWN_USER = "unknown_user"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def may_scan(user: User | None, event: Event) -> bool:
    """Organizers of the event (events.services.organizations.scope), and staff assigned
    to it."""
    if user is None or not user.is_authenticated or not user.active:
        return False
    scope = scope_of(user)
    return scope.manages(event) if scope is not None else event in user.events


def scannable_events(user: User, now: datetime | None = None) -> list[Event]:
    """Published events, from yesterday on, that this user may check people in at."""
    now = now or utcnow()
    query = sa.select(Event).where(
        Event.status == EventStatus.PUBLISHED, Event.ends_at >= now - timedelta(days=1)
    )
    scope = scope_of(user)
    if scope is not None:
        query = query.where(scope.events())
    else:
        query = query.where(Event.id.in_([event.id for event in user.events]))
    return list(db.session.scalars(query.order_by(Event.starts_at)))


@command
def create_link(
    event_id: int, label: str, created_by: User, hours: int, may_add_walk_ins: bool = False
) -> tuple[CheckInLink, str]:
    """Make a check-in link; returns it with its secret token, which is shown only now.
    `may_add_walk_ins`: its holder may add people who came without registering."""
    if not 1 <= hours <= MAX_LINK_HOURS:
        raise AccessError("invalid_hours", _l("A link can be valid for 1 hour to 7 days."))
    token = secrets.token_urlsafe(32)
    link = CheckInLink(
        event_id=event_id,
        label=label,
        token_hash=_hash(token),
        created_by_id=created_by.id,
        expires_at=utcnow() + timedelta(hours=hours),
        may_add_walk_ins=may_add_walk_ins,
    )
    db.session.add(link)
    return link, token


def find_link(token: str | None, now: datetime | None = None) -> CheckInLink | None:
    """The usable link for `token`; None for unknown, expired or revoked ones."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(sa.select(CheckInLink).where(CheckInLink.token_hash == _hash(token)))
    return link if link and link.usable(now or utcnow()) else None


@command
def revoke_link(link_id: int, event_id: int) -> CheckInLink | None:
    link = db.session.get(CheckInLink, link_id)
    if link is None or link.event_id != event_id:
        return None
    if link.revoked_at is None:
        link.revoked_at = utcnow()
    return link


def event_links(event_id: int) -> list[CheckInLink]:
    return list(
        db.session.scalars(
            sa.select(CheckInLink)
            .where(CheckInLink.event_id == event_id)
            .order_by(CheckInLink.created_at.desc())
        )
    )


def actor_for(event: Event, user: User | None, link_token: str | None) -> Actor | None:
    """The actor allowed to scan at `event`: the user if they may, else a valid link of
    this event; None when neither."""
    if may_scan(user, event):
        return Actor(user_id=user.id)
    link = find_link(link_token)
    if link is not None and link.event_id == event.id:
        return Actor(link_id=link.id)
    return None


@command
def assign_staff(email: str, slug: str) -> tuple[User, Event]:
    """Let a staff account check people in at an event. Raises AccessError."""
    user = db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise AccessError("unknown_user", _l("There is no account with this email."))
    event = db.session.scalar(sa.select(Event).where(Event.slug == slug))
    if event is None:
        raise AccessError("unknown_event", _l("There is no event with this address."))
    if event not in user.events:
        user.events.append(event)
    return user, event
