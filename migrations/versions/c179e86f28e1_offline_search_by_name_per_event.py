"""offline search by name at the door, an organizer's choice per event

Revision ID: c179e86f28e1
Revises: c3a11e0d5b2f
Create Date: 2026-11-25 16:40:47

- event.offline_name_search: off for every event; only when an organizer turns it
  on do scanners keep names in the clear for searching without a connection.
"""

import sqlalchemy as sa
from alembic import op

revision = "c179e86f28e1"
down_revision = "c3a11e0d5b2f"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("offline_name_search", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("offline_name_search")
