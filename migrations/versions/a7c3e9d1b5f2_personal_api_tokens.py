"""Personal API tokens: an account's named, expiring, scoped key for the JSON API

Revision ID: a7c3e9d1b5f2
Revises: f2a6c8d0e4b1
Create Date: 2026-12-04 22:40:00

Only the token's SHA-256 is kept (unique: the lookup), with its first characters for
its owner to recognise it, its scopes, expiry, revocation and last use.
"""

import sqlalchemy as sa
from alembic import op

import events.models

revision = "a7c3e9d1b5f2"
down_revision = "f2a6c8d0e4b1"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("created_at", events.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", events.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", events.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", events.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_from", sa.String(length=45), nullable=True),
        sa.Column("uses", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_api_token_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_api_token_secret_hash")),
    )
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_token_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("api_token", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_token_user_id"))
    op.drop_table("api_token")
