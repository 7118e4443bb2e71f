"""The organizations of the network: the lead association and its partners.

Every event belongs to one organization and may be co-organized by others
(`event_coorganizer`); every account belongs to one. What an organizer sees is
cut by it (events.services.organizations.scope): their organization's events
and the ones it co-organizes, with their people. The lead organization's
coordinators see the whole network.
"""

import enum
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, utcnow

NAME_LENGTH = 200
SHORT_NAME_LENGTH = 40


class OrganizationKind(enum.StrEnum):
    NGO = "ngo"
    LOCAL_GOVERNMENT = "local_government"
    OTHER = "other"

    @property
    def label(self):
        return {
            OrganizationKind.NGO: _l("Non-governmental organization"),
            OrganizationKind.LOCAL_GOVERNMENT: _l("Local government unit"),
            OrganizationKind.OTHER: _l("Other"),
        }[self]


class Organization(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    # Shown where space is short (the dashboard, the event page, the CLI's --organization).
    short_name: Mapped[str] = mapped_column(sa.String(SHORT_NAME_LENGTH), unique=True)
    kind: Mapped[OrganizationKind] = mapped_column(enum_column(OrganizationKind))
    # The counties it works in, as county codes (events.counties), in the order chosen.
    counties: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    # The lead association: exactly one (a unique index over the true value); its
    # coordinators manage the network.
    is_lead: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.Index(
            "uq_organization_one_lead",
            "is_lead",
            unique=True,
            sqlite_where=sa.text("is_lead"),
            postgresql_where=sa.text("is_lead"),
        ),
    )

    def __repr__(self) -> str:
        return f"<Organization {self.short_name}>"


event_coorganizer = sa.Table(
    "event_coorganizer",
    db.metadata,
    sa.Column("event_id", sa.ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "organization_id",
        sa.ForeignKey("organization.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)
"""Organizations that run an event together with its own: their organizers manage it too."""
