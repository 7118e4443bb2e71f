"""Migrations build the schema from an empty database, and match the models."""

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from events.extensions import db
from tests.conftest import (
    PG_ADMIN_URL,
    create_pg_database,
    drop_pg_database,
    make_app,
    skip_or_fail,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    try:
        url = create_pg_database("events_migrations")
    except psycopg.OperationalError as error:
        skip_or_fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {error}", "REQUIRE_POSTGRES")
    yield url
    drop_pg_database(url)


def test_upgrade_from_empty_to_head_matches_the_models(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert differences == []
        downgrade(revision="base")
        upgrade()  # and back again: the downgrade is complete
        db.engine.dispose()
