"""Accounts of organizers and door staff, and the attempt counters that guard logins and links."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, utcnow
from events.models.events import Event
from events.models.organizations import Organization


class Role(enum.StrEnum):
    """A coordinator (of the lead organization) manages the whole network; an organizer
    their organization's events and the ones it co-organizes; staff check people in
    at the events they are assigned to."""

    COORDINATOR = "coordinator"
    ORGANIZER = "organizer"
    STAFF = "staff"

    @property
    def label(self):
        return {
            Role.COORDINATOR: _l("Coordinator"),
            Role.ORGANIZER: lazy_pgettext("role", "Organizer"),  # not the area's menu item
            Role.STAFF: _l("Door staff"),
        }[self]


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the id kept in the session cookie: raised by a logout or a new password,
    # it ends every session of the account (a copied cookie opens nothing any more).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    events: Mapped[list[Event]] = relationship(secondary="event_staff")
    organization: Mapped[Organization] = relationship()

    def get_id(self) -> str:
        """What Flask-Login keeps in the session: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_organizer(self) -> bool:
        """May open the organizer area (what they see there is cut by their organization)."""
        return self.role in (Role.COORDINATOR, Role.ORGANIZER)

    @property
    def is_coordinator(self) -> bool:
        return self.role == Role.COORDINATOR

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    def set_password(self, password: str) -> None:
        method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        self.password_hash = generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


event_staff = sa.Table(
    "event_staff",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("user_id", sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)
"""Which staff accounts may check people in at which event (organizers may at all)."""


class ThrottleCounter(db.Model):
    """Attempts counted in a fixed window, per key ("login:<address>|<client>",
    "lost-link:<address>"...). One row per key, changed under its row lock, so
    that parallel requests cannot all pass a count made before any of them wrote."""

    key: Mapped[str] = mapped_column(sa.String(400), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    hits: Mapped[int] = mapped_column(default=0)
