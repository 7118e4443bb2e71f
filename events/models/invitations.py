"""Personal invitations and the addresses that asked for no more."""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, new_secret, utcnow
from events.models.events import Event
from events.models.registrations import Registration


class InvitationStatus(enum.StrEnum):
    INVITED = "invited"  # no answer yet
    REGISTERED = "registered"
    DECLINED = "declined"

    @property
    def label(self):
        return {
            InvitationStatus.INVITED: _l("No answer"),
            InvitationStatus.REGISTERED: _l("Registered"),
            # Said no to the invitation ("Odmowa"), not refused by the organizer.
            InvitationStatus.DECLINED: lazy_pgettext("invitation", "Declined"),
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
        enum_column(InvitationStatus), default=InvitationStatus.INVITED
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
    """An address that asked for no more invitations (from an invitation's link).

    Kept as a keyed hash (`events.identifiers.address_hash`), never the address: the
    list can answer "is this address on it?" but not say who is on it, so it may stay
    after the person is erased (it is what keeps them from being invited again).
    """

    email_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
