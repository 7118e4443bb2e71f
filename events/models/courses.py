"""Courses: sessions, attendance per session and certificates."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, utcnow
from events.models.events import Event
from events.models.registrations import Presence, Registration


class CourseSession(db.Model):
    """One meeting of a course: its date, place and hours. People register for the
    course (the event); they are checked in per session (SessionAttendance)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    venue_address: Mapped[str] = mapped_column(sa.String(300), default="", server_default="")
    # Raised on every change of this session's time or place; a calendar entry's
    # SEQUENCE is the event's plus the session's, so that both only ever grow.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="sessions")

    __table_args__ = (sa.CheckConstraint("ends_at > starts_at", name="session_ends_after_start"),)

    @property
    def minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 2)

    def __repr__(self) -> str:
        return f"<CourseSession {self.id} of event {self.event_id}>"


class SessionAttendance(db.Model):
    """The door state of one person at one session of a course, written in the same
    transaction as the Scan record that changed it (an undo deletes the row; the
    scans keep the history). The registration's own `checked_in_at` then says
    "came to at least one session"."""

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("course_session.id"), index=True)
    registration_id: Mapped[int] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="CASCADE"), index=True
    )
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime)
    checked_in_by: Mapped[str | None] = mapped_column(sa.String(254))
    checked_in_how: Mapped[Presence] = mapped_column(
        enum_column(Presence), default=Presence.DOOR, server_default=Presence.DOOR.value
    )

    session: Mapped[CourseSession] = relationship()
    registration: Mapped[Registration] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("session_id", "registration_id", name="uq_attendance_once"),
    )


def new_certificate_number() -> str:
    """A certificate's public number: 80 random bits in 4 groups, unguessable,
    easy to read aloud (no 0/O, 1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(16))
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


class Certificate(db.Model):
    """A certificate of completion, issued to one registration.

    What it says is frozen when it is issued (name, hours, sessions), so that a
    later change of the rule or of the sessions does not change a document that
    was already sent. Erasure blanks `holder_name`; revocation keeps the row.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(24), unique=True, default=new_certificate_number)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL"), index=True
    )
    holder_name: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(5), default="pl")
    minutes_attended: Mapped[int] = mapped_column(default=0)
    minutes_total: Mapped[int] = mapped_column(default=0)
    sessions_attended: Mapped[int] = mapped_column(default=0)
    sessions_total: Mapped[int] = mapped_column(default=0)
    rule_percent: Mapped[int] = mapped_column()
    # Frozen at issue: the course's title and dates, each session (title, times,
    # attended), the issuer's name.
    details: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[str] = mapped_column(sa.String(254))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by: Mapped[str | None] = mapped_column(sa.String(254))

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration | None] = relationship()

    __table_args__ = (
        # One standing certificate per registration; a revoked one may be followed
        # by a new one.
        sa.Index(
            "uq_certificate_standing",
            "registration_id",
            unique=True,
            postgresql_where=sa.text("revoked_at IS NULL"),
            sqlite_where=sa.text("revoked_at IS NULL"),
        ),
    )

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
