"""Group registrations: a coordinator registers several people in one form.

Each member is an ordinary registration (`Registration.group_id`), with their own
ticket; the group keeps the coordinator's details, the secret of the coordinator's
page (/g/<token>) and the choice made for seats (`GroupMode`).
"""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.base import UTCDateTime, enum_column, utcnow
from events.models.events import Event

if TYPE_CHECKING:
    from events.models.registrations import Registration


class GroupMode(enum.StrEnum):
    """What happens when not every member of the group has a seat."""

    TOGETHER = "together"  # all confirmed, or all on the waiting list (never split)
    WAITLIST_REST = "waitlist_rest"  # as many as fit confirmed, the rest waiting in form order

    @property
    def label(self):
        return {
            GroupMode.TOGETHER: _l("Only together"),
            GroupMode.WAITLIST_REST: _l("Those who do not fit go to the waiting list"),
        }[self]


class RegistrationGroup(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"), index=True)
    coordinator_name: Mapped[str] = mapped_column(sa.String(120))
    coordinator_email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    coordinator_organization: Mapped[str] = mapped_column(sa.String(200))
    language: Mapped[str] = mapped_column(sa.String(5), default="pl")
    # The secret of the coordinator's page (/g/<token>): 256 random bits, like /r/.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    mode: Mapped[GroupMode] = mapped_column(enum_column(GroupMode))
    # Set when the coordinator's details were erased (events.services.privacy).
    anonymized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    # In the order they were registered: the form's.
    members: Mapped[list["Registration"]] = relationship(
        back_populates="group", order_by="Registration.id"
    )

    def __repr__(self) -> str:
        return f"<RegistrationGroup {self.id}>"
