"""Walk-ins without an email address: registration.email may be empty (NULL)

Revision ID: d4e7a9c1f352
Revises: c8d2f61a4b37
Create Date: 2026-12-02 16:30:00

A person added at the door may have no address. NULL (not "") keeps the unique
index of active registrations per address and event true: people without an
address never clash with each other.
"""

import sqlalchemy as sa
from alembic import op

revision = "d4e7a9c1f352"
down_revision = "c8d2f61a4b37"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration") as batch:
        batch.alter_column("email", existing_type=sa.String(254), nullable=True)


def downgrade():
    # Walk-ins without an address get an address that cannot receive mail.
    op.execute(
        "UPDATE registration SET email = 'no-address-' || id || '@invalid' WHERE email IS NULL"
    )
    with op.batch_alter_table("registration") as batch:
        batch.alter_column("email", existing_type=sa.String(254), nullable=False)
