"""Column types and value makers shared by every model module."""

from datetime import UTC, datetime

import sqlalchemy as sa

from events.identifiers import new_secret  # noqa: F401 - the models' default for secrets


def utcnow() -> datetime:
    return datetime.now(UTC)


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


def enum_column(enum_class) -> sa.Enum:
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
