"""Invitation opt-outs kept as keyed hashes of the address, never the address.

The list must outlive the erasure of the person (it keeps them from being
invited again) without holding who they are: each address becomes
HMAC-SHA256(SECRET_KEY, normalized address). The downgrade cannot bring the
addresses back: it leaves the old table empty.

Revision ID: a7c4e9d2b610
Revises: b35eea237354
Create Date: 2026-12-01 21:00:00
"""

import sqlalchemy as sa
from alembic import op
from flask import current_app

from events.identifiers import address_hash

revision = "a7c4e9d2b610"
down_revision = "b35eea237354"
branch_labels = None
depends_on = None


def upgrade():
    connection = op.get_bind()
    kept = connection.execute(sa.text("SELECT email, at FROM invitation_opt_out")).all()
    op.drop_table("invitation_opt_out")
    op.create_table(
        "invitation_opt_out",
        sa.Column("email_hash", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email_hash", name=op.f("pk_invitation_opt_out")),
    )
    key = current_app.config["SECRET_KEY"]
    rows = {address_hash(email, key): at for email, at in kept}
    if rows:  # the stored moments as they are, whatever each database returned them as
        connection.execute(
            sa.text("INSERT INTO invitation_opt_out (email_hash, at) VALUES (:hash, :at)"),
            [{"hash": hashed, "at": at} for hashed, at in rows.items()],
        )


def downgrade():
    op.drop_table("invitation_opt_out")
    op.create_table(
        "invitation_opt_out",
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("email", name=op.f("pk_invitation_opt_out")),
    )
