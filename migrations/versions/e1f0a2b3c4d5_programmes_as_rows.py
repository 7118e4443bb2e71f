"""Programmes as rows organizers manage; events and questionnaires may belong to one

Revision ID: e1f0a2b3c4d5
Revises: d4e7a9c1f352
Create Date: 2026-12-03 09:00:00

- programme: slug (stable, in ?programme=), names and short descriptions in Polish
  and English, position (the order);
- the four placeholders of the code (events/programmes.py) become its first rows,
  their codes the slugs, so that organizers rename them; any other code a
  questionnaire holds becomes a row too (named by its code), so nothing is lost;
- questionnaire.programme (the code) becomes questionnaire.programme_id;
- event.programme_id: the programme an event belongs to (none so far).
"""

import sqlalchemy as sa
from alembic import op

revision = "e1f0a2b3c4d5"
down_revision = "d4e7a9c1f352"
branch_labels = None
depends_on = None

PLACEHOLDERS = [
    (
        "partnerships",
        "Program rozwoju partnerstw lokalnych",
        "Programme for the development of local partnerships",
    ),
    (
        "cooperation",
        "Program współpracy samorządów z organizacjami pozarządowymi",
        "Programme of cooperation between local governments and NGOs",
    ),
    (
        "social-economy",
        "Program rozwoju ekonomii społecznej",
        "Programme for the development of the social economy",
    ),
    (
        "civic-activity",
        "Program wspierania aktywności obywatelskiej",
        "Programme in support of civic activity",
    ),
]


def upgrade():
    op.create_table(
        "programme",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=60), nullable=False),
        sa.Column("name_pl", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("description_pl", sa.String(length=500), nullable=False),
        sa.Column("description_en", sa.String(length=500), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme")),
        sa.UniqueConstraint("slug", name=op.f("uq_programme_slug")),
    )
    insert = sa.text(
        "INSERT INTO programme (slug, name_pl, name_en, description_pl, description_en, "
        "position, created_at, updated_at) VALUES (:slug, :name_pl, :name_en, '', '', "
        ":position, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
    )
    for position, (slug, name_pl, name_en) in enumerate(PLACEHOLDERS, start=1):
        op.execute(
            insert.bindparams(slug=slug, name_pl=name_pl, name_en=name_en, position=position)
        )
    # A code the placeholders did not know (typed into the database by hand) keeps its
    # questionnaires too: it becomes a row named by the code, for organizers to rename.
    op.execute(
        "INSERT INTO programme (slug, name_pl, name_en, description_pl, description_en, "
        "position, created_at, updated_at) "
        "SELECT DISTINCT programme, programme, '', '', '', 100, CURRENT_TIMESTAMP, "
        "CURRENT_TIMESTAMP FROM questionnaire WHERE programme IS NOT NULL AND programme <> '' "
        "AND programme NOT IN (SELECT slug FROM programme)"
    )
    with op.batch_alter_table("questionnaire") as batch:
        batch.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE questionnaire SET programme_id = "
        "(SELECT programme.id FROM programme WHERE programme.slug = questionnaire.programme)"
    )
    with op.batch_alter_table("questionnaire") as batch:
        batch.drop_column("programme")
        batch.create_foreign_key(
            op.f("fk_questionnaire_programme_id_programme"), "programme", ["programme_id"], ["id"]
        )
        batch.create_index(batch.f("ix_questionnaire_programme_id"), ["programme_id"])
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("programme_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            op.f("fk_event_programme_id_programme"), "programme", ["programme_id"], ["id"]
        )
        batch.create_index(batch.f("ix_event_programme_id"), ["programme_id"])


def downgrade():
    with op.batch_alter_table("event") as batch:
        batch.drop_index(batch.f("ix_event_programme_id"))
        batch.drop_constraint(op.f("fk_event_programme_id_programme"), type_="foreignkey")
        batch.drop_column("programme_id")
    with op.batch_alter_table("questionnaire") as batch:
        batch.add_column(sa.Column("programme", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE questionnaire SET programme = (SELECT substr(programme.slug, 1, 40) "
        "FROM programme WHERE programme.id = questionnaire.programme_id)"
    )
    with op.batch_alter_table("questionnaire") as batch:
        batch.drop_index(batch.f("ix_questionnaire_programme_id"))
        batch.drop_constraint(
            op.f("fk_questionnaire_programme_id_programme"), type_="foreignkey"
        )
        batch.drop_column("programme_id")
    op.drop_table("programme")
