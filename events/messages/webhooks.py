"""Webhook deliveries: rows first, HTTP requests second (the mail outbox's design).

`add_delivery` stores a delivery in the caller's transaction, so that an endpoint
hears of a change if and only if it was committed. `deliver_webhooks` sends what
is due, in steps that hold no transaction open while a receiver is talked to:

1. claim a batch: due deliveries get a lease (`leased_until`) and the claim commits;
   on PostgreSQL rows are read with FOR UPDATE SKIP LOCKED, so two workers never
   claim the same one. A delivery waits while an earlier one to the same endpoint
   with the same ordering key (a registration, an event) is still pending: each
   receiver hears of one registration in the order things happened to it;
2. POST each one (urllib, a timeout of TIMEOUT seconds, no redirects followed),
   signed per the Standard Webhooks specification (`sign`);
3. record each answer in a short transaction of its own: a 2xx answer delivers it;
   anything else (another status, a refused connection, a timeout) is tried again
   after `retry_delay`. An endpoint that has failed without a single success for
   more than DISABLE_AFTER is switched off, what it still had waiting is marked
   failed, and its owner is told by email (through the mail outbox).

A receiver may get a message twice (a worker that dies between the answer and its
record): the `webhook-id` header stays the same, for the receiver to see it.
"""

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import aliased

from events.extensions import db
from events.messages.mail import queue_templated
from events.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from events.unit_of_work import command

LEASE = timedelta(minutes=2)
TIMEOUT = 5.0  # seconds to connect and for each answer
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),  # and every 10 hours after, until the endpoint is switched off
)
DISABLE_AFTER = timedelta(days=1)
EXCERPT = 1000  # characters of the receiver's answer kept
SECRET_PREFIX = "whsec_"  # noqa: S105 - the marker of a signing secret, not one
USER_AGENT = "DzialamyRazem-Webhooks/1"
FAILING = "failing"  # why an endpoint was switched off: failed for more than DISABLE_AFTER


@dataclass
class WebhookReport:
    delivered: int = 0
    retrying: int = 0
    untried: int = 0  # claimed, then given back: the round ran out of time
    disabled: list[int] = field(default_factory=list)  # endpoints switched off
    errors: list[str] = field(default_factory=list)  # "#id: reason", never a payload

    @property
    def tried(self) -> int:
        return self.delivered + self.retrying


@dataclass
class Claimed:
    id: int
    url: str
    secret: str
    message_id: str
    body: bytes


@dataclass
class Answer:
    status: int | None = None  # the HTTP status; None: no answer at all
    excerpt: str = ""
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def new_signing_secret() -> str:
    """`whsec_` and the base64 of 32 random bytes (Standard Webhooks)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def body_of(payload: dict) -> bytes:
    """The exact bytes sent (and signed): compact JSON in UTF-8."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: `v1,` and the base64 of the HMAC-SHA256 of
    "id.timestamp.body", keyed with the secret's base64-decoded bytes."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def retry_delay(attempts: int) -> timedelta:
    """1 min, 5 min, 30 min, 2 h, 5 h, then 10 h after the 1st, 2nd ... failed attempt."""
    return RETRY_DELAYS[min(max(attempts, 1), len(RETRY_DELAYS)) - 1]


def add_delivery(
    endpoint: WebhookEndpoint, kind: str, data: dict, ordering_key: str, now: datetime
) -> WebhookDelivery:
    """Store a delivery of `kind` to `endpoint` in the caller's transaction."""
    delivery = WebhookDelivery(
        endpoint_id=endpoint.id,
        message_id=new_message_id(),
        kind=kind,
        payload={"type": kind, "timestamp": now.isoformat(), "data": data},
        ordering_key=ordering_key[:40],
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(delivery)
    return delivery


def deliver_webhooks(limit: int = 50, now: datetime | None = None) -> WebhookReport:
    """Send one batch of up to `limit` due deliveries; returns what happened to them."""
    now = now or utcnow()
    report = WebhookReport()
    batch = _claim(limit, now)
    deadline = time.monotonic() + LEASE.total_seconds() / 2
    for index, item in enumerate(batch):
        if time.monotonic() > deadline:  # give the rest back before another worker may claim it
            _give_back([other.id for other in batch[index:]], report)
            break
        answer = post(item, int(now.timestamp()))
        outcome, disabled = _store_outcome(item.id, answer, now)
        setattr(report, outcome, getattr(report, outcome) + 1)
        if disabled is not None:
            report.disabled.append(disabled)
        if not answer.ok:
            report.errors.append(f"#{item.id}: {answer.error or answer.status}")
    return report


def deliver_webhooks_due(batch: int = 50, rounds: int = 40, now: datetime | None = None):
    """Send batches until nothing is due (at most `rounds` batches)."""
    total = WebhookReport()
    for _ in range(rounds):
        report = deliver_webhooks(batch, now)
        total.delivered += report.delivered
        total.retrying += report.retrying
        total.disabled += report.disabled
        total.errors += report.errors
        if report.tried == 0 and not report.untried:
            break
    return total


@command
def _claim(limit: int, now: datetime) -> list[Claimed]:
    earlier = aliased(WebhookDelivery)
    waits_for_earlier = (
        sa.select(earlier.id)
        .where(
            earlier.endpoint_id == WebhookDelivery.endpoint_id,
            earlier.ordering_key == WebhookDelivery.ordering_key,
            earlier.id < WebhookDelivery.id,
            earlier.status == DeliveryStatus.PENDING,
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(WebhookDelivery, WebhookEndpoint.url, WebhookEndpoint.secret)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(
            WebhookDelivery.status == DeliveryStatus.PENDING,
            WebhookDelivery.next_attempt_at <= now,
            sa.or_(WebhookDelivery.leased_until.is_(None), WebhookDelivery.leased_until < now),
            WebhookEndpoint.active,
            ~waits_for_earlier,
        )
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(of=WebhookDelivery, skip_locked=True)
    ).all()
    claimed = []
    for delivery, url, secret in rows:
        delivery.leased_until = now + LEASE
        claimed.append(
            Claimed(delivery.id, url, secret, delivery.message_id, body_of(delivery.payload))
        )
    return claimed


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer like any other that is not 2xx: not followed."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxies from the environment, no redirects: the request goes where the URL says.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def post(item: Claimed, timestamp: int) -> Answer:
    """POST one delivery; the answer (status and the start of its body) or the error.
    Unless WEBHOOKS_PRIVATE_ADDRESSES, an address that is not public is refused unsent."""
    if not current_app.config.get("WEBHOOKS_PRIVATE_ADDRESSES"):
        refused = private_address(item.url)
        if refused:
            return Answer(error=refused)
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked when the URL was given
        item.url,
        data=item.body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": item.message_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign(item.secret, item.message_id, timestamp, item.body),
        },
    )
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            return Answer(response.status, _excerpt(response.read(EXCERPT * 4)))
    except urllib.error.HTTPError as error:
        try:
            excerpt = _excerpt(error.read(EXCERPT * 4))
        except OSError:
            excerpt = ""
        finally:
            error.close()
        return Answer(error.code, excerpt, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Answer(error=f"{type(error).__name__}: {reason}"[:EXCERPT])


def private_address(url: str) -> str | None:
    """Why `url` may not be sent to (its host is, or resolves to, a loopback, private,
    link-local or reserved address, or does not resolve); None when it is public."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)}
    except (OSError, UnicodeError) as error:
        return f"the host {host!r} does not resolve: {error}"
    for address in found:
        if not ipaddress.ip_address(address.split("%")[0]).is_global:
            return f"not a public address: {address} (WEBHOOKS_PRIVATE_ADDRESSES is off)"
    return None


def _excerpt(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    return "".join(c for c in text if c.isprintable() or c in "\n\t")[:EXCERPT]


@command
def _store_outcome(delivery_id: int, answer: Answer, now: datetime) -> tuple[str, int | None]:
    """One answer, in a transaction of its own: ("delivered" or "retrying", the id of
    the endpoint switched off by it, if any)."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id, with_for_update=True)
    delivery.leased_until = None
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status, delivery.response_excerpt = answer.status, answer.excerpt or None
    if answer.ok:
        delivery.status, delivery.delivered_at, delivery.last_error = (
            DeliveryStatus.DELIVERED,
            now,
            None,
        )
        endpoint.failing_since = None
        return "delivered", None
    delivery.last_error = answer.error or f"HTTP {answer.status}"
    delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    endpoint.failing_since = endpoint.failing_since or now
    if endpoint.active and now - endpoint.failing_since > DISABLE_AFTER:
        disable_endpoint(endpoint, now)
        return "retrying", endpoint.id
    return "retrying", None


def disable_endpoint(endpoint: WebhookEndpoint, now: datetime) -> None:
    """Switch off an endpoint that failed for more than a day: what it still had waiting
    is marked failed (enabling it again sends it), and its owner is told by email."""
    endpoint.active = False
    endpoint.disabled_at = now
    endpoint.disabled_reason = FAILING
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.endpoint_id == endpoint.id,
            WebhookDelivery.status == DeliveryStatus.PENDING,
        )
        .values(status=DeliveryStatus.FAILED, leased_until=None)
    )
    owner = endpoint.owner
    if owner is not None and owner.active:
        queue_templated(
            "webhook_disabled",
            owner.email,
            "pl",
            _l("A webhook was switched off: %(url)s"),
            {"url": endpoint.url[:120]},
            url=endpoint.url,
            description=endpoint.description,
            failing_since=endpoint.failing_since,
            endpoint_id=endpoint.id,
        )


@command
def _give_back(delivery_ids: list[int], report: WebhookReport) -> None:
    if delivery_ids:
        db.session.execute(
            sa.update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(delivery_ids))
            .values(leased_until=None)
        )
        report.untried += len(delivery_ids)
