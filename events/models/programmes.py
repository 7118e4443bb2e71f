"""The project's long-term partnership programmes, as organizers name and order them.

An event, a questionnaire (and later a series) may belong to one programme. Its
`slug` is stable and safe in a URL (`/?programme=<slug>`); the names and short
descriptions are shown in the visitor's language, Polish when the English one is
empty. A programme in use is never deleted (events.services.programmes refuses it,
and the foreign keys refuse it too), so a funder's report keeps its figures.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import get_locale
from sqlalchemy.orm import Mapped, mapped_column

from events.extensions import db
from events.models.base import UTCDateTime, utcnow

SLUG_LENGTH = 60
NAME_LENGTH = 200
DESCRIPTION_LENGTH = 500


def _english(locale: str | None) -> bool:
    return (locale or str(get_locale() or "pl")).startswith("en")


class Programme(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(SLUG_LENGTH), unique=True)
    name_pl: Mapped[str] = mapped_column(sa.String(NAME_LENGTH))
    name_en: Mapped[str] = mapped_column(sa.String(NAME_LENGTH), default="")
    description_pl: Mapped[str] = mapped_column(sa.String(DESCRIPTION_LENGTH), default="")
    description_en: Mapped[str] = mapped_column(sa.String(DESCRIPTION_LENGTH), default="")
    # The order of the lists and selects: smallest first.
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def name(self, locale: str | None = None) -> str:
        """The name in the visitor's language (or `locale`); Polish when no English one."""
        return (self.name_en if _english(locale) else "") or self.name_pl

    def description(self, locale: str | None = None) -> str:
        return (self.description_en if _english(locale) else "") or self.description_pl

    def __repr__(self) -> str:
        return f"<Programme {self.slug}>"
