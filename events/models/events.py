"""Events: what people register for, and their kinds and states."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, utcnow

if TYPE_CHECKING:
    from events.models.courses import CourseSession
    from events.models.organizations import Organization
    from events.models.programmes import Programme
    from events.models.registrations import Registration


class EventKind(enum.StrEnum):
    SEMINAR = "seminar"
    TRAINING = "training"
    CONSULTATION = "consultation"
    PARTNER_MEETING = "partner_meeting"

    @property
    def label(self):
        return {
            EventKind.SEMINAR: _l("Seminar"),
            EventKind.TRAINING: _l("Training"),
            EventKind.CONSULTATION: _l("Consultation meeting"),
            EventKind.PARTNER_MEETING: _l("Partner team meeting"),
        }[self]


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return {
            EventStatus.DRAFT: _l("Draft"),
            EventStatus.PUBLISHED: _l("Published"),
            EventStatus.CANCELLED: _l("Called off"),
        }[self]


class RegistrationMode(enum.StrEnum):
    OPEN = "open"  # first come, first served
    APPROVAL = "approval"  # an organizer accepts each application


# A check-in window opens at most a day before the start and closes at most a day after the end.
CHECKIN_MOST_MINUTES = 24 * 60


class Event(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[EventKind] = mapped_column(enum_column(EventKind))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str] = mapped_column(sa.String(200), default="")
    venue_address: Mapped[str] = mapped_column(sa.String(300), default="")
    county: Mapped[str] = mapped_column(sa.String(40))
    online_url: Mapped[str | None] = mapped_column(sa.String(500))
    # Where registrants' replies go (Reply-To); empty: ORGANIZER_CONTACT.
    contact_email: Mapped[str | None] = mapped_column(sa.String(254))
    capacity: Mapped[int | None] = mapped_column()  # None: unlimited
    registration_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mode: Mapped[RegistrationMode] = mapped_column(
        enum_column(RegistrationMode), default=RegistrationMode.OPEN
    )
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    status: Mapped[EventStatus] = mapped_column(enum_column(EventStatus), default=EventStatus.DRAFT)
    # Raised on every change of time or place, so calendars update their entry in place.
    sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    # The organizer's choice: scanners keep names in the clear for searching offline.
    offline_name_search: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The organizer's choice: the door search also finds the waiting list and the
    # applications awaiting approval (by default it finds confirmed people only).
    door_search_waiting: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The certificate rule: None, no certificates; else the share of a course's hours
    # a person must attend (a single event: being checked in).
    certificate_min_percent: Mapped[int | None] = mapped_column()
    # Only people with an invitation's personal link may register.
    invitation_only: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Seats kept for invited people until a date; after it they are anyone's.
    invitee_seats: Mapped[int | None] = mapped_column()
    invitee_seats_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The check-in window: the door accepts check-ins from this many minutes before
    # the start (of the event, or of each session of a course) until this many
    # minutes after its end. Outside it a check-in needs an override with a reason.
    checkin_opens_minutes: Mapped[int] = mapped_column(default=60, server_default="60")
    checkin_closes_minutes: Mapped[int] = mapped_column(default=30, server_default="30")
    # The organizer's choice: door staff (not only organizers) may override the window.
    door_may_override: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The partnership programme the event belongs to (events.models.programmes), if any.
    programme_id: Mapped[int | None] = mapped_column(sa.ForeignKey("programme.id"), index=True)
    # The organizer's choice: a coordinator may register a group of at most this many
    # people in one form (see models.groups); None: no group registration.
    group_max: Mapped[int | None] = mapped_column()
    # The series it was made in (events.services.series); None for an event of its own.
    series_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("series.id", ondelete="SET NULL"), index=True
    )
    # The organization that runs it (events.models.organizations); its organizers and
    # those of the co-organizers manage it.
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped["Organization"] = relationship()
    coorganizers: Mapped[list["Organization"]] = relationship(
        secondary="event_coorganizer", order_by="Organization.name"
    )
    registrations: Mapped[list["Registration"]] = relationship(back_populates="event")
    programme: Mapped["Programme | None"] = relationship()
    # A course: several sessions under one registration (see events.services.courses.sessions).
    # The event's own starts_at/ends_at then span its sessions.
    sessions: Mapped[list["CourseSession"]] = relationship(
        back_populates="event", order_by="CourseSession.starts_at, CourseSession.id"
    )

    __table_args__ = (
        sa.CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        # The same rule as events.services.lifecycle.ends_after_start.
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint(
            "certificate_min_percent IS NULL OR "
            "(certificate_min_percent >= 1 AND certificate_min_percent <= 100)",
            name="certificate_percent_range",
        ),
        sa.CheckConstraint(
            f"checkin_opens_minutes >= 0 AND checkin_opens_minutes <= {CHECKIN_MOST_MINUTES} AND "
            f"checkin_closes_minutes >= 0 AND checkin_closes_minutes <= {CHECKIN_MOST_MINUTES}",
            name="checkin_window_range",
        ),
        sa.CheckConstraint(
            "group_max IS NULL OR (group_max >= 2 AND group_max <= 20)", name="group_max_range"
        ),
    )

    @property
    def is_course(self) -> bool:
        return bool(self.sessions)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"
