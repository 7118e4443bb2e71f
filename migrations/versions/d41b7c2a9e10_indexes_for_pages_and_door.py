"""indexes for the public pages' data version and the door's limit on guesses

Revision ID: d41b7c2a9e10
Revises: c179e86f28e1
Create Date: 2026-11-25 19:40:00

- ix_registration_updated_at: the newest change of any registration is read
  with one index lookup (events.views.page_cache).
- ix_scan_result_at: the last minute's unknown codes are counted without
  reading the minute's other scans (events.services.checkin).
"""

from alembic import op

revision = "d41b7c2a9e10"
down_revision = "c179e86f28e1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.create_index("ix_registration_updated_at", ["updated_at"], unique=False)
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.create_index("ix_scan_result_at", ["result", "at"], unique=False)


def downgrade():
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_result_at")
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_index("ix_registration_updated_at")
