"""Database models: events, registrations, user accounts and the mail outbox.

All times are stored in UTC and come back timezone-aware on both SQLite and
PostgreSQL; they are shown in Europe/Warsaw by the templates.
"""

import enum
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from events.extensions import db


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_secret() -> str:
    """A secret for a private link: 256 bits, URL-safe."""
    return secrets.token_urlsafe(32)


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware datetime, stored as UTC (SQLite has no time zones)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _enum(enum_class) -> sa.Enum:
    """Store an enum by its value, as a short string column with a CHECK constraint
    (named after the enum) that refuses any other value, on every database."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=24,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
        create_constraint=True,
        name=enum_class.__name__.lower(),
    )


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


class Role(enum.StrEnum):
    ORGANIZER = "organizer"
    STAFF = "staff"


class Event(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind))
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
        _enum(RegistrationMode), default=RegistrationMode.OPEN
    )
    waitlist_enabled: Mapped[bool] = mapped_column(default=True)
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus), default=EventStatus.DRAFT)
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
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    registrations: Mapped[list["Registration"]] = relationship(back_populates="event")
    # A course: several sessions under one registration (see events.services.courses).
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
    )

    @property
    def is_course(self) -> bool:
        return bool(self.sessions)

    def __repr__(self) -> str:
        return f"<Event {self.slug}>"


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


class Registration(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(_enum(RegistrationStatus))
    first_name: Mapped[str] = mapped_column(sa.String(100))
    last_name: Mapped[str] = mapped_column(sa.String(100))
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    organization: Mapped[str] = mapped_column(sa.String(200))
    organization_type: Mapped[OrganizationType] = mapped_column(_enum(OrganizationType))
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


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(_enum(Role))
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id kept in the session cookie: raised by a logout or a new password,
    # it ends every session of the account (a copied cookie opens nothing any more).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[Event]] = relationship(secondary="event_staff")

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_organizer(self) -> bool:
        return self.role == Role.ORGANIZER

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class ThrottleCounter(db.Model):
    """Attempts counted in a fixed window, per key ("login:<address>|<client>",
    "lost-link:<address>"...). One row per key, changed under its row lock, so
    that parallel requests cannot all pass a count made before any of them wrote."""

    key: Mapped[str] = mapped_column(sa.String(400), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    hits: Mapped[int] = mapped_column(default=0)


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
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
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


event_staff = sa.Table(
    "event_staff",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)
"""Which staff accounts may check people in at which event (organizers may at all)."""


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


class ScanMethod(enum.StrEnum):
    CAMERA = "camera"
    SCANNER = "scanner"  # a handheld keyboard-wedge scanner, or a typed code
    SEARCH = "search"


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
    result: Mapped[ScanResult] = mapped_column(_enum(ScanResult))
    method: Mapped[ScanMethod] = mapped_column(_enum(ScanMethod))
    code: Mapped[str] = mapped_column(sa.String(64), default="")  # as scanned, cut short
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    link_id: Mapped[int | None] = mapped_column(sa.ForeignKey("check_in_link.id"))
    nonce: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The session of a course the scan was made at; None for a single event.
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("course_session.id", ondelete="SET NULL"), index=True
    )

    registration: Mapped[Registration | None] = relationship()
    user: Mapped[User | None] = relationship()
    link: Mapped[CheckInLink | None] = relationship()

    __table_args__ = (
        sa.Index("ix_scan_registration_result", "registration_id", "result", "id"),
        # The limit on unknown codes counts the last minute's unknown scans only.
        sa.Index("ix_scan_result_at", "result", "at"),
    )


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


class InvitationStatus(enum.StrEnum):
    INVITED = "invited"  # no answer yet
    REGISTERED = "registered"
    DECLINED = "declined"

    @property
    def label(self):
        return {
            InvitationStatus.INVITED: _l("No answer"),
            InvitationStatus.REGISTERED: _l("Registered"),
            InvitationStatus.DECLINED: _l("Declined"),
        }[self]


class Invitation(db.Model):
    """A personal invitation to an event: its link pre-fills the registration form.

    A forwarded link still works (the details may be changed); the invitation is
    then marked as used by whoever registered with it.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    email: Mapped[str] = mapped_column(sa.String(254))
    organization: Mapped[str] = mapped_column(sa.String(200), default="", server_default="")
    county: Mapped[str | None] = mapped_column(sa.String(40))
    language: Mapped[str] = mapped_column(sa.String(5), default="pl", server_default="pl")
    token: Mapped[str] = mapped_column(sa.String(64), unique=True, default=new_secret)
    status: Mapped[InvitationStatus] = mapped_column(
        _enum(InvitationStatus), default=InvitationStatus.INVITED
    )
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    registration: Mapped[Registration | None] = relationship()

    __table_args__ = (sa.UniqueConstraint("event_id", "email", name="uq_invitation_email"),)


class InvitationOptOut(db.Model):
    """An address that asked for no more invitations (from an invitation's link)."""

    email: Mapped[str] = mapped_column(sa.String(254), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AuditEntry(db.Model):
    """One organizer action (or a retention run): who, when, what, before and after."""

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    actor: Mapped[str] = mapped_column(sa.String(254))  # the user's email, or "command line"
    action: Mapped[str] = mapped_column(sa.String(40))
    event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="SET NULL"), index=True
    )
    registration_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("registration.id", ondelete="SET NULL")
    )
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
