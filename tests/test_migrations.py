"""Migrations build the schema from an empty database, and match the models."""

import psycopg
import pytest
import sqlalchemy as sa
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


def test_the_lifecycle_migration_backfills_door_state_anonymization_and_pending_mail(
    empty_database,
):
    """Door state from the scans (the latest check-in or undo decides), anonymized rows
    marked, and a message still to send keeps what was rendered for it."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision="445c07b1171e")
        connection = db.session.connection()
        insert = connection.exec_driver_sql
        insert(
            'INSERT INTO "user" (id, email, password_hash, role, active, created_at) '
            "VALUES (1, 'bramka@example.org', 'x', 'staff', true, '2026-06-01 08:00:00')"
        )
        insert(
            "INSERT INTO event (id, slug, title, kind, description, starts_at, ends_at, "
            "venue_name, venue_address, county, mode, waitlist_enabled, status, sequence, "
            "created_at, updated_at) VALUES (1, 'e', 'E', 'seminar', '', "
            "'2026-06-01 08:00:00', '2026-06-01 08:00:00', '', '', 'm-poznan', 'open', true, "
            "'published', 0, '2026-05-01 08:00:00', '2026-05-01 08:00:00')"
        )
        for number, email in enumerate(
            ["in@example.org", "undone@example.org", "never@example.org",
             "anonymized-4@invalid"], start=1,
        ):  # fmt: skip
            insert(
                "INSERT INTO registration (id, event_id, status, first_name, last_name, email, "
                "organization, organization_type, county, dr_member, search_text, "
                "data_consent_at, data_consent_version, language, manage_token, ticket_code, "
                f"created_at, updated_at) VALUES ({number}, 1, 'confirmed', 'A', 'B', "
                f"'{email}', 'O', 'ngo', 'm-poznan', true, '', '2026-05-01 08:00:00', 'v1', "
                f"'pl', 't{number}', 'c{number}', '2026-05-01 08:00:00', "
                "'2026-05-02 08:00:00')"
            )
        scans = [  # (registration, result, minute): undo then check-in again counts as in
            (1, "checked_in", 1), (1, "undone", 2), (1, "checked_in", 3), (1, "already", 4),
            (2, "checked_in", 5), (2, "undone", 6), (3, "not_confirmed", 7),
        ]  # fmt: skip
        for number, (registration_id, result, minute) in enumerate(scans, start=1):
            insert(
                "INSERT INTO scan (id, event_id, registration_id, result, method, code, "
                f"user_id, at) VALUES ({number}, 1, {registration_id}, '{result}', 'camera', "
                f"'', 1, '2026-06-01 08:{minute:02d}:00')"
            )
        insert(
            "INSERT INTO outbox_message (id, kind, recipient, subject, body_text, body_html, "
            "status, attempts, next_attempt_at, created_at) VALUES (1, 'confirmed', "
            "'in@example.org', 'Potwierdzenie', 'Tekst', '<p>Tekst</p>', 'pending', 0, "
            "'2026-05-01 08:00:00', '2026-05-01 08:00:00')"
        )
        db.session.commit()
        upgrade()
        rows = db.session.execute(
            sa.text(
                "SELECT id, checked_in_at, checked_in_by, anonymized_at FROM registration "
                "ORDER BY id"
            )
        ).all()
        assert [(row[0], row[1] is not None, row[2]) for row in rows] == [
            (1, True, "bramka@example.org"), (2, False, None), (3, False, None), (4, False, None)
        ]  # fmt: skip
        assert "08:03" in str(rows[0][1])
        assert [row[3] is not None for row in rows] == [False, False, False, True]
        # The instant event now lasts an hour; the pending message is still whole.
        assert db.session.execute(sa.text("SELECT ends_at > starts_at FROM event")).scalar()
        with app.test_request_context():
            from events.messages.compose import render
            from events.models import OutboxMessage

            message = render(db.session.get(OutboxMessage, 1))
        assert (message.subject, message.body_text) == ("Potwierdzenie", "Tekst")
        db.session.remove()


TICKET_LINKS = "c3a9e2f41d07"  # the revision that adds ticket secrets


def test_registrations_made_before_ticket_links_get_their_own_secret(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        from alembic.script import ScriptDirectory

        migrate_config = app.extensions["migrate"].migrate.get_config()
        previous = ScriptDirectory.from_config(migrate_config).get_revision(TICKET_LINKS)
        upgrade(revision=previous.down_revision)
        now = "2026-11-01 10:00:00"
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO event (id, slug, title, kind, description, starts_at, ends_at,"
                    " venue_name, venue_address, county, mode, waitlist_enabled, status,"
                    " sequence, created_at, updated_at) VALUES (1, 's', 'T', 'seminar', '',"
                    " :now, :end, '', '', 'm-kalisz', 'open', true, 'published', 0, :now, :now)"
                ),
                {"now": now, "end": "2026-11-01 14:00:00"},
            )
            for number in (1, 2):
                connection.execute(
                    sa.text(
                        "INSERT INTO registration (id, event_id, status, first_name, last_name,"
                        " email, organization, organization_type, county, dr_member,"
                        " data_consent_at, data_consent_version, language, manage_token,"
                        " ticket_code, created_at, updated_at) VALUES (:n, 1, 'confirmed', 'A',"
                        " 'B', :email, 'O', 'ngo', 'm-kalisz', true, :now, 'v1', 'pl', :manage,"
                        " :code, :now, :now)"
                    ),
                    {
                        "n": number,
                        "email": f"{number}@example.org",
                        "now": now,
                        "manage": f"manage-{number}",
                        "code": f"CODE{number}",
                    },  # fmt: skip
                )
        upgrade()
        with db.engine.connect() as connection:
            tokens = connection.execute(sa.text("SELECT ticket_token FROM registration")).scalars()
            tokens = list(tokens)
        assert len(tokens) == 2 and len(set(tokens)) == 2
        assert all(token and len(token) >= 40 for token in tokens)
        db.engine.dispose()


def test_opt_outs_kept_as_addresses_become_keyed_hashes_and_still_count(empty_database):
    """An address that asked for no more invitations is still refused after the
    migration, and the table no longer holds the address."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade(revision="b35eea237354")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO invitation_opt_out (email, at) "
                    "VALUES ('edward@example.org', '2026-10-01 10:00:00')"
                )
            )
        upgrade()
        from events.services.invitations.invite import opted_out

        with db.engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT * FROM invitation_opt_out")).all()
        assert "edward" not in repr(stored)
        assert opted_out(["Edward@Example.org", "anna@example.org"]) == {"Edward@Example.org"}
        db.session.remove()
        db.engine.dispose()


PROGRAMMES_AS_ROWS = "e1f0a2b3c4d5"  # the revision that turns the placeholders into rows


def test_the_placeholder_programmes_become_rows_and_questionnaires_keep_theirs(empty_database):
    """The four codes become rows organizers rename (their codes the slugs), each
    questionnaire points at its programme's row, and the downgrade gives the codes back."""
    app = make_app(empty_database)
    with app.app_context():
        from alembic.script import ScriptDirectory

        migrate_config = app.extensions["migrate"].migrate.get_config()
        previous = ScriptDirectory.from_config(migrate_config).get_revision(PROGRAMMES_AS_ROWS)
        upgrade(revision=previous.down_revision)
        with db.engine.begin() as connection:
            for number, code in enumerate(["social-economy", "partnerships", None, "hand-made"], 1):
                connection.execute(
                    sa.text(
                        "INSERT INTO questionnaire (id, kind, title_pl, title_en, purpose_pl,"
                        " purpose_en, programme, anonymous, opens_at, closes_at, public_key,"
                        " send_after_hours, created_at) VALUES (:n, 'consultation', :title, '',"
                        " '', '', :code, true, '2026-11-01 10:00:00', '2026-12-01 10:00:00',"
                        " :key, 2, '2026-11-01 10:00:00')"
                    ),
                    {
                        "n": number,
                        "title": f"Konsultacje {number}",
                        "code": code,
                        "key": f"key-{number}",
                    },  # fmt: skip
                )
        upgrade(revision=PROGRAMMES_AS_ROWS)
        with db.engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT slug, name_pl, name_en FROM programme ORDER BY position, id")
            ).all()
            kept = connection.execute(
                sa.text(
                    "SELECT questionnaire.id, programme.slug FROM questionnaire LEFT JOIN "
                    "programme ON programme.id = questionnaire.programme_id ORDER BY 1"
                )
            ).all()
        assert [row[0] for row in rows] == [
            "partnerships", "cooperation", "social-economy", "civic-activity", "hand-made"
        ]  # fmt: skip
        assert rows[2][1:] == (
            "Program rozwoju ekonomii społecznej",
            "Programme for the development of the social economy",
        )
        assert rows[4][1] == "hand-made"  # named by its code, for an organizer to rename
        assert kept == [(1, "social-economy"), (2, "partnerships"), (3, None), (4, "hand-made")]
        # The rows are the app's programmes: found by slug, named in each language.
        with app.test_request_context():
            from events.services.programmes import find_programme, list_programmes

            assert find_programme("cooperation").name("en") == (
                "Programme of cooperation between local governments and NGOs"
            )
            assert len(list_programmes()) == 5
        db.session.remove()
        downgrade(revision=previous.down_revision)
        with db.engine.connect() as connection:
            codes = connection.execute(
                sa.text("SELECT programme FROM questionnaire ORDER BY id")
            ).scalars()
            assert list(codes) == ["social-economy", "partnerships", None, "hand-made"]
        db.engine.dispose()


ORGANIZATIONS = "f2a6c8d0e4b1"


def test_todays_organizers_become_coordinators_of_the_lead_and_it_owns_everything(
    empty_database,
):
    """A database of today (one organizer, door staff, an event, a series, a
    questionnaire, an audit entry) upgraded: the organizer is a coordinator of the lead
    organization, which owns every event, series, questionnaire and account, so nothing
    changes for them; the downgrade gives the organizer role back."""
    app = make_app(empty_database)
    with app.app_context():
        migrate_config = app.extensions["migrate"].migrate.get_config()
        from alembic.script import ScriptDirectory

        previous = ScriptDirectory.from_config(migrate_config).get_revision(ORGANIZATIONS)
        upgrade(revision=previous.down_revision)
        now = {"now": "2026-11-01 10:00:00", "end": "2026-11-01 14:00:00"}
        statements = [
            'INSERT INTO "user" (id, email, password_hash, role, active, created_at) VALUES'
            " (1, 'org@example.org', 'x', 'organizer', true, :now),"
            " (2, 'bramka@example.org', 'x', 'staff', true, :now)",
            "INSERT INTO event (id, slug, title, kind, description, starts_at, ends_at,"
            " venue_name, venue_address, county, mode, waitlist_enabled, status, sequence,"
            " created_at, updated_at) VALUES (1, 's', 'T', 'seminar', '', :now, :end, '', '',"
            " 'm-kalisz', 'open', true, 'published', 0, :now, :now)",
            "INSERT INTO event_staff (event_id, user_id) VALUES (1, 2)",
            "INSERT INTO series (id, title, created_at) VALUES (1, 'Spotkania', :now)",
            "INSERT INTO questionnaire (id, kind, title_pl, title_en, purpose_pl, purpose_en,"
            " anonymous, opens_at, closes_at, public_key, send_after_hours, created_at) VALUES"
            " (1, 'evaluation', 'Ocena', '', '', '', false, :now, :end, 'k1', 2, :now)",
            "INSERT INTO audit_entry (id, at, actor, action) VALUES"
            " (1, :now, 'org@example.org', 'event_created')",
        ]
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement), now)
        upgrade()
        with db.engine.connect() as connection:
            lead = connection.execute(
                sa.text("SELECT id, short_name, is_lead FROM organization")
            ).all()
            roles = dict(connection.execute(sa.text('SELECT email, role FROM "user"')).all())
            owners = {
                table: set(
                    connection.execute(sa.text(f'SELECT organization_id FROM "{table}"')).scalars()
                )
                for table in ("event", "user", "series", "questionnaire", "audit_entry")
            }
        assert len(lead) == 1 and lead[0].short_name == "DR" and lead[0].is_lead
        assert roles == {"org@example.org": "coordinator", "bramka@example.org": "staff"}
        assert owners == dict.fromkeys(owners, {lead[0].id})
        downgrade(revision=previous.down_revision)
        with db.engine.connect() as connection:
            role = connection.execute(sa.text('SELECT role FROM "user" WHERE id = 1')).scalar()
        assert role == "organizer"
        db.engine.dispose()
