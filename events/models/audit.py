"""The audit log of organizer actions."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from events.extensions import db
from events.models.base import UTCDateTime, utcnow


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
    # The actor's organization: the network's entries (a download of the programme's
    # participants, an account made) are shown to it and to coordinators.
    organization_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organization.id", ondelete="SET NULL"), index=True
    )
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
