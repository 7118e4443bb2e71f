"""Personal API tokens: an account's key for the JSON API, kept only as a hash."""

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from events.extensions import db
from events.models.accounts import User
from events.models.base import UTCDateTime, utcnow


class TokenScope(enum.StrEnum):
    """What a token may do; each route of the organizer API names the one it needs."""

    READ = "read"  # events, registrations, reports, exports
    WRITE = "write"  # create and change events and registrations
    CHECKIN = "checkin"  # check people in at the door


class ApiToken(db.Model):
    """A token its owner created, named and gave an expiry. The secret is shown once;
    what is kept is its SHA-256 (the secret is 256 random bits: a slow hash would add
    nothing) and its first characters, for the owner to recognise it. The token sees
    what its owner sees (their organization's events), never more."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    prefix: Mapped[str] = mapped_column(sa.String(16))
    secret_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    scopes: Mapped[list] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_from: Mapped[str | None] = mapped_column(sa.String(45))
    uses: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship()

    def allows(self, scope: TokenScope) -> bool:
        return scope.value in self.scopes

    def usable(self, now: datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now and self.user.active
