"""The door: check-in links and the record of every scan."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.accounts import User
from events.models.base import UTCDateTime, enum_column, utcnow
from events.models.events import Event
from events.models.registrations import Registration


class CheckInLink(db.Model):
    """A secret, expiring, revocable link that opens one event's scanner without an account.

    Only a hash of the secret is stored: the link is shown once, when it is made.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    label: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The organizer's choice per link: its holder may add walk-ins at the door.
    may_add_walk_ins: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    event: Mapped[Event] = relationship()
    created_by: Mapped[User] = relationship()

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


class ScanResult(enum.StrEnum):
    CHECKED_IN = "checked_in"
    UNDONE = "undone"  # an undo of an earlier check-in
    ALREADY = "already"
    WRONG_EVENT = "wrong_event"
    CANCELLED = "cancelled"
    NOT_CONFIRMED = "not_confirmed"  # waiting list, pending or declined
    UNKNOWN = "unknown"
    OUTSIDE_WINDOW = "outside_window"  # before the check-in window opens or after it closes


class ScanMethod(enum.StrEnum):
    CAMERA = "camera"
    SCANNER = "scanner"  # a handheld keyboard-wedge scanner, or a typed code
    SEARCH = "search"
    WALK_IN = "walk_in"  # a person added at the door, checked in at once
    SHEET = "sheet"  # entered afterwards by an organizer, from the signed paper sheet


class Scan(db.Model):
    """Every scan at the door is a record: check-ins, undos and refusals alike.

    Whether a person is checked in is read from their latest CHECKED_IN or
    UNDONE record for the event. `nonce` is chosen by the scanning device, so
    that a retried request gets the first answer again instead of a new one.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    result: Mapped[ScanResult] = mapped_column(enum_column(ScanResult))
    method: Mapped[ScanMethod] = mapped_column(enum_column(ScanMethod))
    code: Mapped[str] = mapped_column(sa.String(64), default="")  # as scanned, cut short
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("check_in_link.id"))
    nonce: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The session of a course the scan was made at; None for a single event.
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_session.id", ondelete="SET NULL"), index=True
    )
    # Why: an override of the check-in window, or a correction from the paper sheet.
    reason: Mapped[str | None] = mapped_column(sa.String(500))

    registration: Mapped[Registration | None] = relationship()
    user: Mapped[User | None] = relationship()
    link: Mapped[CheckInLink | None] = relationship()

    __table_args__ = (
        sa.Index("ix_scan_registration_result", "registration_id", "result", "id"),
        # The limit on unknown codes counts the last minute's unknown scans only.
        sa.Index("ix_scan_result_at", "result", "at"),
    )
