"""A series: events made at once from one template (the county consultations),
so that a common change can reach all of them."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.base import UTCDateTime, utcnow

if TYPE_CHECKING:
    from events.models.programmes import Programme


class Series(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    # The event the series was made from; kept when that event is gone (SET NULL).
    template_event_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("event.id", ondelete="SET NULL", use_alter=True)
    )
    # The partnership programme its events belong to; a programme is deleted only when no
    # event belongs to it, and the series then forgets it (SET NULL).
    programme_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="SET NULL")
    )
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The organization whose organizers made it; its events belong to the same one.
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    programme: Mapped["Programme | None"] = relationship()

    def __repr__(self) -> str:
        return f"<Series {self.id} {self.title!r}>"
