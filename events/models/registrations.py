"""Registrations: one person's place at one event."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, new_secret, utcnow
from events.models.events import Event
from events.models.groups import RegistrationGroup


class RegistrationStatus(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    DECLINED = "declined"
    CANCELLED = "cancelled"

    @property
    def label(self):
        return {
            RegistrationStatus.PENDING: _l("Awaiting approval"),
            RegistrationStatus.CONFIRMED: _l("Confirmed"),
            RegistrationStatus.WAITLISTED: _l("On the waiting list"),
            RegistrationStatus.DECLINED: _l("Declined"),
            RegistrationStatus.CANCELLED: _l("Cancelled"),
        }[self]


ACTIVE_STATUSES = (
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
)


class OrganizationType(enum.StrEnum):
    NGO = "ngo"
    LOCAL_GOVERNMENT = "local_government"
    BUSINESS_SUPPORT = "business_support"
    COMPANY = "company"
    INFORMAL_GROUP = "informal_group"
    OTHER = "other"

    @property
    def label(self):
        return {
            OrganizationType.NGO: _l("Non-governmental organization"),
            OrganizationType.LOCAL_GOVERNMENT: _l("Local government unit"),
            OrganizationType.BUSINESS_SUPPORT: _l("Business support institution"),
            OrganizationType.COMPANY: _l("Company"),
            OrganizationType.INFORMAL_GROUP: _l("Informal group"),
            OrganizationType.OTHER: _l("Other"),
        }[self]


class Presence(enum.StrEnum):
    """How a presence came on the record: what a funder's report counts apart."""

    DOOR = "door"  # scanned or found by name at the door
    WALK_IN = "walk_in"  # came without registering, added at the door
    SHEET = "sheet"  # entered afterwards from the signed paper sheet

    @property
    def label(self):
        return {
            Presence.DOOR: _l("Checked in at the door"),
            Presence.WALK_IN: _l("Added at the door"),
            Presence.SHEET: _l("Entered afterwards from the paper sheet"),
        }[self]


class Registration(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    # None only for a walk-in who gave no address (see checkin.walk_ins): no mail.
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    organization: Mapped[str] = mapped_column(sa.String(200))
    organization_type: Mapped[OrganizationType] = mapped_column(enum_column(OrganizationType))
    county: Mapped[str] = mapped_column(sa.String(40))
    dr_member: Mapped[bool] = mapped_column()
    needs: Mapped[str | None] = mapped_column(sa.Text)
    # Name, email and organization folded (see events.search), kept by the services.
    search_text: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    data_consent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    data_consent_version: Mapped[str] = mapped_column(sa.String(40))
    image_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    image_consent_version: Mapped[str | None] = mapped_column(sa.String(40))
    # The explicit consent for the "needs" field (it may tell about health: GDPR art. 9).
    needs_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    needs_consent_version: Mapped[str | None] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(5), default="pl")
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The door state, written in the same transaction as the Scan record that
    # changed it (the scans stay as the history, undos included).
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by: Mapped[str | None] = mapped_column(sa.String(254))  # email or link label
    checked_in_how: Mapped[Presence | None] = mapped_column(enum_column(Presence))
    # Came without registering and was added at the door (see checkin.walk_ins);
    # `beyond_capacity`: let in when every seat was taken (the room is the limit).
    walk_in: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    beyond_capacity: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # The consent was signed on the paper attendance sheet, not given on a screen.
    consent_on_paper: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Registered by a group's coordinator (see models.groups): the consents were given
    # by the coordinator on the person's behalf.
    group_id: Mapped[int | None] = mapped_column(sa.ForeignKey("registration_group.id"), index=True)
    consent_by_coordinator: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    manage_token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The secret of the ticket page (/t/<ticket_token>): QR code, event and status,
    # nothing personal. Calendar entries link to it, never to the manage page.
    ticket_token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_secret)
    ticket_code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # Set by the one-click unsubscribe of organizer messages (RFC 8058); the
    # messages about the registration itself still come.
    organizer_messages_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Indexed: the newest change is part of the public pages' data version.
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, index=True
    )

    event: Mapped[Event] = relationship(back_populates="registrations")
    group: Mapped[RegistrationGroup | None] = relationship(back_populates="members")

    __table_args__ = (
        # The last line of defence behind the service's check: one active
        # registration per person and event.
        sa.Index(
            "uq_registration_active_email",
            "event_id",
            "email",
            unique=True,
            postgresql_where=sa.text("status IN ('pending', 'confirmed', 'waitlisted')"),
            sqlite_where=sa.text("status IN ('pending', 'confirmed', 'waitlisted')"),
        ),
        sa.Index("ix_registration_event_status", "event_id", "status", "id"),
    )

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def is_checked_in(self) -> bool:
        return self.checked_in_at is not None

    @property
    def is_anonymized(self) -> bool:
        return self.anonymized_at is not None

    def __repr__(self) -> str:
        return f"<Registration {self.id} {self.status}>"
