"""hardening: session versions, race-free throttle counters, the door search's reach

Revision ID: e5b7a2c94d13
Revises: d41b7c2a9e10
Create Date: 2026-11-25 19:40:00

- user.session_version: part of the session's user id; a logout or a new password
  raises it, which ends every session of the account.
- throttle_counter: one row per throttled key (login per address and client, lost
  links per address), counted under the row's lock; replaces login_failure, whose
  count-then-insert let parallel guesses through.
- event.door_search_waiting: the organizer's choice that the door search also finds
  the waiting list and pending applications (off: confirmed people only).
"""

import sqlalchemy as sa
from alembic import op

revision = "e5b7a2c94d13"
down_revision = "d41b7c2a9e10"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("door_search_waiting", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "throttle_counter",
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_throttle_counter")),
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_failure_ip"))
        batch_op.drop_index(batch_op.f("ix_login_failure_email"))
        batch_op.drop_index(batch_op.f("ix_login_failure_at"))
    op.drop_table("login_failure")


def downgrade():
    op.create_table(
        "login_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failure")),
    )
    with op.batch_alter_table("login_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_failure_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failure_email"), ["email"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_failure_ip"), ["ip"], unique=False)
    op.drop_table("throttle_counter")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("door_search_waiting")
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_column("session_version")
