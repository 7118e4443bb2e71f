"""Group registrations: a coordinator registers several people in one form

Revision ID: e9f3b7c2a514
Revises: e1f0a2b3c4d5
Create Date: 2026-12-03 09:00:00

- registration_group: the coordinator's details, the secret of their page, the
  choice made for seats (together / waitlist_rest);
- registration: the group it belongs to, and whether the consents were given by the
  coordinator on the person's behalf;
- event: the largest group a coordinator may register (NULL: no groups).
"""

import sqlalchemy as sa
from alembic import op

revision = "e9f3b7c2a514"
down_revision = "e1f0a2b3c4d5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "registration_group",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("coordinator_name", sa.String(length=120), nullable=False),
        sa.Column("coordinator_email", sa.String(length=254), nullable=True),
        sa.Column("coordinator_organization", sa.String(length=200), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "together",
                "waitlist_rest",
                name="groupmode",
                native_enum=False,
                length=24,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("anonymized_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"], name=op.f("fk_registration_group_event_id_event")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_group")),
        sa.UniqueConstraint("token", name=op.f("uq_registration_group_token")),
    )
    op.create_index(
        op.f("ix_registration_group_event_id"), "registration_group", ["event_id"], unique=False
    )
    op.create_index(
        op.f("ix_registration_group_coordinator_email"),
        "registration_group",
        ["coordinator_email"],
        unique=False,
    )
    with op.batch_alter_table("registration") as batch:
        batch.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column(
                "consent_by_coordinator", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch.create_index(batch.f("ix_registration_group_id"), ["group_id"], unique=False)
        batch.create_foreign_key(
            batch.f("fk_registration_group_id_registration_group"),
            "registration_group",
            ["group_id"],
            ["id"],
        )
    with op.batch_alter_table("event") as batch:
        batch.add_column(sa.Column("group_max", sa.Integer(), nullable=True))
        batch.create_check_constraint(
            op.f("ck_event_group_max_range"),
            "group_max IS NULL OR (group_max >= 2 AND group_max <= 20)",
        )


def downgrade():
    with op.batch_alter_table("event") as batch:
        batch.drop_constraint(op.f("ck_event_group_max_range"), type_="check")
        batch.drop_column("group_max")
    with op.batch_alter_table("registration") as batch:
        batch.drop_constraint(
            batch.f("fk_registration_group_id_registration_group"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_registration_group_id"))
        batch.drop_column("consent_by_coordinator")
        batch.drop_column("group_id")
    op.drop_index(op.f("ix_registration_group_coordinator_email"), table_name="registration_group")
    op.drop_index(op.f("ix_registration_group_event_id"), table_name="registration_group")
    op.drop_table("registration_group")
