"""The mail outbox: messages stored with the change that caused them."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, utcnow


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class OutboxMessage(db.Model):
    """An email, stored in the same transaction as the change that caused it.

    `facts` is a frozen copy (JSON) of what the message is about, taken when it
    was queued: the registration's and event's columns and the message's own
    details. The subject, bodies, calendar and QR code are rendered from those
    facts when the message is delivered (see events.messages.compose), so the
    expensive part runs outside the transaction that holds a seat lock, and
    what is sent is still what was true when the change was committed.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    recipient: Mapped[str] = mapped_column(sa.String(254), index=True)
    language: Mapped[str] = mapped_column(sa.String(5), default="pl", server_default="pl")
    facts: Mapped[dict] = mapped_column(sa.JSON)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=sa.text("CURRENT_TIMESTAMP")
    )
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # Workers look only at what is still to send; sent rows pile up beside it.
        sa.Index(
            "ix_outbox_message_due",
            "next_attempt_at",
            "id",
            postgresql_where=sa.text("status = 'pending'"),
            sqlite_where=sa.text("status = 'pending'"),
        ),
        sa.Index("ix_outbox_message_sent_at", "sent_at"),
    )
