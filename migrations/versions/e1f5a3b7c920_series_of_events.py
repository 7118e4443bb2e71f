"""Series of events made at once from a template (the county consultations)

Revision ID: e1f5a3b7c920
Revises: e9f3b7c2a514
Create Date: 2026-12-03 09:00:00

- series: its title, the template event (SET NULL when that event is gone), its
  partnership programme (SET NULL when that programme is deleted), who made it and when;
- event.series_id: the series an event was made in (empty for an event of its own).
"""

import sqlalchemy as sa
from alembic import op

revision = "e1f5a3b7c920"
down_revision = "e9f3b7c2a514"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "series",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("template_event_id", sa.Integer(), nullable=True),
        sa.Column("programme_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["template_event_id"],
            ["event.id"],
            name=op.f("fk_series_template_event_id_event"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_series_programme_id_programme"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user.id"], name=op.f("fk_series_created_by_user"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_series")),
    )
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("series_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_event_series_id"), ["series_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_event_series_id_series"),
            "series",
            ["series_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade():
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint(batch.f("fk_event_series_id_series"), type_="foreignkey")
        batch.drop_index(batch.f("ix_event_series_id"))
        batch.drop_column("series_id")
    op.drop_table("series")
