"""Organizations of the network: events, accounts, series and questionnaires belong to one

Revision ID: f2a6c8d0e4b1
Revises: e1f5a3b7c920
Create Date: 2026-12-04 08:00:00

- organization: name, short name, kind (NGO, local government, other), the counties
  it works in, contact; exactly one is the lead association (a partial unique index);
- event_coorganizer: organizations running an event together with its own;
- event, user, series, questionnaire .organization_id (required), audit_entry's
  (the actor's organization, for entries of the network);
- user.role gains "coordinator".

Today's data: one lead organization is made and everything belongs to it; every
organizer becomes a coordinator of it, so nothing changes for them; staff accounts
belong to it too, and so does every audit entry so far (the lead's organizers made them).
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "f2a6c8d0e4b1"
down_revision = "e1f5a3b7c920"
branch_labels = None
depends_on = None

LEAD_NAME = "Organizacja prowadząca sieć Działamy Razem"
LEAD_SHORT_NAME = "DR"
OWNED = ("event", "user", "series", "questionnaire")

organization = sa.table(
    "organization",
    sa.column("id", sa.Integer),
    sa.column("name", sa.String),
    sa.column("short_name", sa.String),
    sa.column("kind", sa.String),
    sa.column("counties", sa.JSON),
    sa.column("contact_email", sa.String),
    sa.column("contact_phone", sa.String),
    sa.column("is_lead", sa.Boolean),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
user = sa.table("user", sa.column("role", sa.String))


def upgrade():
    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("short_name", sa.String(length=40), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "ngo",
                "local_government",
                "other",
                name="organizationkind",
                native_enum=False,
                length=24,
                create_constraint=True,
            ),
            nullable=False,
        ),  # fmt: skip
        sa.Column("counties", sa.JSON(), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("is_lead", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organization")),
        sa.UniqueConstraint("short_name", name=op.f("uq_organization_short_name")),
    )
    op.create_index(
        "uq_organization_one_lead",
        "organization",
        ["is_lead"],
        unique=True,
        sqlite_where=sa.text("is_lead"),
        postgresql_where=sa.text("is_lead"),
    )
    op.create_table(
        "event_coorganizer",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["event.id"],
            name=op.f("fk_event_coorganizer_event_id_event"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"], ["organization.id"],
            name=op.f("fk_event_coorganizer_organization_id_organization"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "organization_id", name=op.f("pk_event_coorganizer")),
    )  # fmt: skip
    op.create_index(
        op.f("ix_event_coorganizer_organization_id"), "event_coorganizer", ["organization_id"]
    )
    op.bulk_insert(
        organization,
        [
            {
                "id": 1, "name": LEAD_NAME, "short_name": LEAD_SHORT_NAME, "kind": "ngo",
                "counties": [], "contact_email": "", "contact_phone": "", "is_lead": True,
                "created_at": datetime.now(UTC),
            }
        ],
    )  # fmt: skip
    if op.get_bind().dialect.name == "postgresql":  # the next id after the one given
        op.execute("SELECT setval('organization_id_seq', 1)")
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
        op.execute(sa.table(table, sa.column("organization_id")).update().values(organization_id=1))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("organization_id", existing_type=sa.Integer(), nullable=False)
            batch.create_index(batch.f(f"ix_{table}_organization_id"), ["organization_id"])
            batch.create_foreign_key(
                batch.f(f"fk_{table}_organization_id_organization"),
                "organization",
                ["organization_id"],
                ["id"],
            )
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_audit_entry_organization_id"), ["organization_id"])
        batch.create_foreign_key(
            batch.f("fk_audit_entry_organization_id_organization"),
            "organization",
            ["organization_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.execute(
        sa.table("audit_entry", sa.column("organization_id")).update().values(organization_id=1)
    )
    _roles(("coordinator", "organizer", "staff"))
    op.execute(user.update().where(user.c.role == "organizer").values(role="coordinator"))


def _roles(values: tuple[str, ...]) -> None:
    with op.batch_alter_table("user") as batch:
        batch.drop_constraint(op.f("ck_user_role"), type_="check")
        batch.create_check_constraint(op.f("ck_user_role"), sa.column("role").in_(values))


def downgrade():
    op.execute(user.update().where(user.c.role == "coordinator").values(role="organizer"))
    _roles(("organizer", "staff"))
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_constraint(
            batch.f("fk_audit_entry_organization_id_organization"), type_="foreignkey"
        )
        batch.drop_index(batch.f("ix_audit_entry_organization_id"))
        batch.drop_column("organization_id")
    for table in OWNED:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(
                batch.f(f"fk_{table}_organization_id_organization"), type_="foreignkey"
            )
            batch.drop_index(batch.f(f"ix_{table}_organization_id"))
            batch.drop_column("organization_id")
    op.drop_index(op.f("ix_event_coorganizer_organization_id"), table_name="event_coorganizer")
    op.drop_table("event_coorganizer")
    op.drop_index("uq_organization_one_lead", table_name="organization")
    op.drop_table("organization")
