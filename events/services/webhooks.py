"""Webhooks: an organizer's endpoints (made, listed, pinged, enabled again, deleted by
their owner), and what the domain tells them (`emit` and the helpers below it).

An endpoint hears only of the events its owner may see in the organizer area
(`scope_of(owner).manages(event)`): a partner's organizer of their organization's
events and those it co-organizes, a coordinator of the network's. Its payloads carry
ids, statuses, the event's slug and title and counts; the person's name, address and
organization only when the endpoint was made with `personal_data`.

Every helper is called inside the transaction of the change it tells of, so that a
delivery is stored if and only if the change is committed (events.messages.webhooks
sends it). Registration statuses are written by the lifecycle, which tells
`registration_changed`; new registrations, check-ins and event changes are told by
the services that make them.
"""

import enum
from datetime import datetime
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from events.extensions import db
from events.messages.webhooks import add_delivery, new_signing_secret
from events.models import (
    PING,
    DeliveryStatus,
    Event,
    Registration,
    RegistrationStatus,
    Scan,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookKind,
    utcnow,
)
from events.read_cache import read_cache
from events.services import DomainError, audit
from events.services.organizations.scope import scope_of
from events.unit_of_work import command

LOG_LENGTH = 100  # deliveries shown on an endpoint's page
MAX_ENDPOINTS = 20  # per account


class WebhookError(DomainError):
    class Code(enum.StrEnum):
        INVALID = "invalid_webhook"

    status = 400

    def __init__(self, field_errors: dict):
        super().__init__(self.Code.INVALID, next(iter(field_errors.values())))
        self.field_errors = field_errors


# Managing endpoints ---------------------------------------------------------------


def check_endpoint(url: str, kinds: list[str]) -> dict:
    """The field errors of a new endpoint, each next to its field (empty: none)."""
    errors = {}
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        errors["url"] = _l("Give an address that starts with http:// or https://.")
    elif len(url) > 2000 or parts.username or parts.password:
        errors["url"] = _l(
            "Give an address without a name or password in it, at most 2000 characters."
        )
    if not kinds or any(kind not in WebhookKind._value2member_map_ for kind in kinds):
        errors["kinds"] = _l("Choose what the webhook hears of.")
    return errors


@command
def create_endpoint(
    user: User, url: str, description: str, kinds: list[str], personal_data: bool
) -> WebhookEndpoint:
    """A new endpoint of `user`, with its signing secret; raises WebhookError."""
    errors = check_endpoint(url, kinds)
    if not errors and len(endpoints_of(user)) >= MAX_ENDPOINTS:
        errors["url"] = _l("An account has at most 20 webhooks: delete one first.")
    if errors:
        raise WebhookError(errors)
    endpoint = WebhookEndpoint(
        user_id=user.id,
        url=url.strip(),
        description=description.strip()[:200],
        kinds=[kind.value for kind in WebhookKind if kind.value in kinds],
        secret=new_signing_secret(),
        personal_data=personal_data,
    )
    db.session.add(endpoint)
    db.session.flush()
    audit.record("webhook_created", user, after=_audited(endpoint))
    _listen_to(endpoint.kinds)
    return endpoint


def _audited(endpoint: WebhookEndpoint) -> dict:
    return {"url": endpoint.url, "kinds": endpoint.kinds, "personal_data": endpoint.personal_data}


def endpoints_of(user: User) -> list[WebhookEndpoint]:
    """The account's own endpoints, newest first."""
    query = sa.select(WebhookEndpoint).where(WebhookEndpoint.user_id == user.id)
    return list(db.session.scalars(query.order_by(WebhookEndpoint.id.desc())))


def endpoint_of(user: User, endpoint_id: int) -> WebhookEndpoint | None:
    """One of the account's own endpoints; None for another account's, or none."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    return endpoint if endpoint is not None and endpoint.user_id == user.id else None


def deliveries_of(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    query = (
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(LOG_LENGTH)
    )
    return list(db.session.scalars(query))


@command
def delete_endpoint(user: User, endpoint_id: int) -> bool:
    """Delete one of the account's endpoints with its log; False: no such one of theirs."""
    endpoint = endpoint_of(user, endpoint_id)
    if endpoint is None:
        return False
    before = _audited(endpoint)
    db.session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.session.delete(endpoint)
    audit.record("webhook_deleted", user, before=before)
    return True


@command
def enable_endpoint(user: User, endpoint_id: int, now: datetime | None = None) -> bool:
    """Switch a disabled endpoint on again: what failed while it was off is sent now,
    in its order. False: no such endpoint of theirs."""
    now = now or utcnow()
    endpoint = endpoint_of(user, endpoint_id)
    if endpoint is None:
        return False
    if not endpoint.active:
        endpoint.active, endpoint.disabled_at, endpoint.disabled_reason = True, None, None
        endpoint.failing_since = None
        db.session.execute(
            sa.update(WebhookDelivery)
            .where(
                WebhookDelivery.endpoint_id == endpoint.id,
                WebhookDelivery.status == DeliveryStatus.FAILED,
            )
            .values(status=DeliveryStatus.PENDING, next_attempt_at=now)
        )
        audit.record("webhook_enabled", user, after={"url": endpoint.url})
        _listen_to(endpoint.kinds)
    return True


@command
def send_ping(user: User, endpoint_id: int, now: datetime | None = None) -> WebhookDelivery | None:
    """Queue a test message (`webhook.ping`) to one of the account's endpoints."""
    now = now or utcnow()
    endpoint = endpoint_of(user, endpoint_id)
    if endpoint is None:
        return None
    data = {"endpoint": {"id": endpoint.id, "description": endpoint.description}}
    return add_delivery(endpoint, PING, data, "ping", now)


# What the domain tells -------------------------------------------------------------


def emit(kind: WebhookKind, event: Event, ordering_key: str, build, now=None) -> int:
    """Store a `kind` delivery for each active endpoint that wants it and whose owner
    may see `event`; `build(personal)` gives the payload's data (with the people's
    details when `personal`). Returns how many were stored."""
    endpoints = _listening(kind)
    if not endpoints:
        return 0
    now = now or utcnow()
    made, stored = {}, 0
    for endpoint in endpoints:
        scope = scope_of(endpoint.owner)
        if scope is None or not scope.manages(event):
            continue
        personal = endpoint.personal_data
        if personal not in made:
            made[personal] = build(personal)
        add_delivery(endpoint, kind.value, made[personal], ordering_key, now)
        stored += 1
    return stored


def _listening(kind: WebhookKind) -> list[WebhookEndpoint]:
    """Active endpoints of active organizers that subscribed to `kind` (few: an account
    has at most MAX_ENDPOINTS, and only organizers make them).

    Whether any endpoint listens to a kind at all is read at most once every
    READ_CACHE_SECONDS per process, so that a scan at the door costs no statement
    more while nobody listens; an endpoint made in another process hears of changes
    after that moment at most."""
    if kind.value not in read_cache().get(KINDS_KEY, _kinds_listened_to):
        return []
    query = (
        sa.select(WebhookEndpoint)
        .join(User, User.id == WebhookEndpoint.user_id)
        .where(WebhookEndpoint.active, User.active)
        .order_by(WebhookEndpoint.id)
    )
    return [endpoint for endpoint in db.session.scalars(query) if kind.value in endpoint.kinds]


KINDS_KEY = "webhook_kinds"


def _kinds_listened_to() -> frozenset[str]:
    kinds = db.session.scalars(sa.select(WebhookEndpoint.kinds).where(WebhookEndpoint.active))
    return frozenset(kind for listed in kinds for kind in listed)


def _listen_to(kinds: list[str]) -> None:
    """This process knows at once of an endpoint it made or enabled."""
    read_cache().adjust(KINDS_KEY, lambda known: known | frozenset(kinds))


def event_data(event: Event) -> dict:
    return {
        "id": event.id,
        "slug": event.slug,
        "title": event.title,
        "status": event.status.value,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "capacity": event.capacity,
    }


def counts_of(event_id: int) -> dict:
    """The event's registrations by status, and how many are checked in."""
    db.session.flush()
    rows = db.session.execute(
        sa.select(Registration.status, sa.func.count())
        .where(Registration.event_id == event_id)
        .group_by(Registration.status)
    ).all()
    counts = {status.value: 0 for status in RegistrationStatus}
    counts.update({status.value: number for status, number in rows})
    counts["checked_in"] = db.session.scalar(
        sa.select(sa.func.count()).where(
            Registration.event_id == event_id, Registration.checked_in_at.is_not(None)
        )
    )
    return counts


def registration_data(registration: Registration, personal: bool) -> dict:
    data = {
        "id": registration.id,
        "status": registration.status.value,
        "checked_in": registration.checked_in_at is not None,
        "walk_in": registration.walk_in,
        "group_id": registration.group_id,
    }
    if personal and registration.anonymized_at is None:
        data.update(
            first_name=registration.first_name,
            last_name=registration.last_name,
            email=registration.email,
            organization=registration.organization,
        )
    return data


def _about_registration(registration: Registration, extra=None):
    def build(personal: bool) -> dict:
        return {
            "registration": registration_data(registration, personal),
            "event": event_data(registration.event),
            "counts": counts_of(registration.event_id),
            **(extra or {}),
        }

    return build


PERSONAL_FIELDS = ("first_name", "last_name", "email", "organization")


def forget_people(registration_ids: list[int]) -> None:
    """Erasure: the deliveries about these registrations keep what happened, never who
    (the names and addresses go, and the receivers' answers, which may echo them)."""
    keys = [f"registration:{registration_id}" for registration_id in registration_ids]
    if not keys:
        return
    deliveries = db.session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.ordering_key.in_(keys))
    ).all()
    for delivery in deliveries:
        data = dict(delivery.payload.get("data") or {})
        person = {
            name: value
            for name, value in (data.get("registration") or {}).items()
            if name not in PERSONAL_FIELDS
        }
        data["registration"] = person
        delivery.payload = {**delivery.payload, "data": data}
        delivery.response_excerpt = None


def registration_created(registration: Registration) -> None:
    """A new registration (online, at the door, of a group); the caller has flushed it."""
    emit(
        WebhookKind.REGISTRATION_CREATED,
        registration.event,
        f"registration:{registration.id}",
        _about_registration(registration),
    )


def registration_changed(kind: WebhookKind, registration: Registration) -> None:
    """A status the lifecycle wrote (confirmed, promoted, declined, cancelled)."""
    emit(
        kind,
        registration.event,
        f"registration:{registration.id}",
        _about_registration(registration),
    )


def checked_in(registration: Registration, scan: Scan) -> None:
    """A person checked in (at the event, or at a session of a course)."""
    check_in = {
        "at": scan.at.isoformat(),
        "session_id": scan.session_id,
        "method": scan.method.value,
    }
    emit(
        WebhookKind.CHECKIN_CREATED,
        registration.event,
        f"registration:{registration.id}",
        _about_registration(registration, {"check_in": check_in}),
    )


def event_changed(kind: WebhookKind, event: Event) -> None:
    """An event changed or was cancelled."""

    def build(_personal: bool) -> dict:
        return {"event": event_data(event), "counts": counts_of(event.id)}

    emit(kind, event, f"event:{event.id}", build)
