"""Webhooks: the endpoints organizers register, and each delivery to them, stored with
the change that caused it (as the mail outbox stores its messages)."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.accounts import User
from events.models.base import UTCDateTime, enum_column, utcnow


class WebhookKind(enum.StrEnum):
    """What an endpoint may subscribe to: the `type` of each payload."""

    REGISTRATION_CREATED = "registration.created"
    REGISTRATION_CONFIRMED = "registration.confirmed"
    REGISTRATION_CANCELLED = "registration.cancelled"
    REGISTRATION_PROMOTED = "registration.promoted"
    REGISTRATION_DECLINED = "registration.declined"
    CHECKIN_CREATED = "checkin.created"
    EVENT_UPDATED = "event.updated"
    EVENT_CANCELLED = "event.cancelled"

    @property
    def label(self):
        return {
            WebhookKind.REGISTRATION_CREATED: _l("A registration is made"),
            WebhookKind.REGISTRATION_CONFIRMED: _l("An application is accepted"),
            WebhookKind.REGISTRATION_CANCELLED: _l("A registration is cancelled"),
            WebhookKind.REGISTRATION_PROMOTED: _l("A waiting-list place gets a seat"),
            WebhookKind.REGISTRATION_DECLINED: _l("An application is declined"),
            WebhookKind.CHECKIN_CREATED: _l("A person is checked in"),
            WebhookKind.EVENT_UPDATED: _l("An event is changed"),
            WebhookKind.EVENT_CANCELLED: _l("An event is cancelled"),
        }[self]


PING = "webhook.ping"
"""The kind of the test ping an owner sends from the endpoint's page (no subscription)."""


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # its endpoint was disabled; enabling it again sends it

    @property
    def label(self):
        return {
            DeliveryStatus.PENDING: _l("Waiting to be sent"),
            DeliveryStatus.DELIVERED: _l("Delivered"),
            DeliveryStatus.FAILED: _l("Not delivered"),
        }[self]


class WebhookEndpoint(db.Model):
    """A URL an organizer asked to hear about changes at, signed with its secret
    (Standard Webhooks: `whsec_` and the base64 of 32 random bytes). It hears only of
    the events its owner may see in the organizer area; the people's names, addresses
    and organizations only with `personal_data`."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(2000))
    description: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    kinds: Mapped[list] = mapped_column(sa.JSON)
    secret: Mapped[str] = mapped_column(sa.String(80))
    personal_data: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(sa.String(300))
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    owner: Mapped[User] = relationship()

    def wants(self, kind: str) -> bool:
        return self.active and kind in self.kinds


class WebhookDelivery(db.Model):
    """One message to one endpoint: its payload frozen when the change committed, its
    attempts and the endpoint's last answer. Deliveries with the same `ordering_key`
    (a registration, an event) reach an endpoint in the order they were made."""

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE")
    )
    message_id: Mapped[str] = mapped_column(sa.String(40), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(sa.JSON)
    ordering_key: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None]
    response_excerpt: Mapped[str | None] = mapped_column(sa.String(1000))
    last_error: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()

    __table_args__ = (
        # The log of an endpoint, and the "is an earlier one for this key still waiting" check.
        sa.Index("ix_webhook_delivery_endpoint_key", "endpoint_id", "ordering_key", "id"),
        sa.Index(
            "ix_webhook_delivery_due",
            "next_attempt_at",
            "id",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        ),
    )
