"""ticket links, reply addresses, unsubscribing from organizer messages

A ticket secret for every registration (existing ones get theirs here), an
organizer contact per event, and the time a person stopped organizer messages.

Revision ID: c3a9e2f41d07
Revises: b3c1d2e4f5a6
Create Date: 2026-11-25 16:20:00.000000

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "c3a9e2f41d07"
down_revision = "b3c1d2e4f5a6"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.add_column(sa.Column("ticket_token", sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column("organizer_messages_stopped_at", sa.DateTime(timezone=True), nullable=True)
        )

    # A ticket secret for every registration made before the column existed.
    registration = sa.table(
        "registration", sa.column("id", sa.Integer), sa.column("ticket_token", sa.String)
    )
    connection = op.get_bind()
    for (row_id,) in connection.execute(sa.select(registration.c.id)).all():
        connection.execute(
            registration.update()
            .where(registration.c.id == row_id)
            .values(ticket_token=secrets.token_urlsafe(32))
        )

    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.alter_column("ticket_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f("uq_registration_ticket_token"), ["ticket_token"]
        )


def downgrade():
    with op.batch_alter_table("registration", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_registration_ticket_token"), type_="unique")
        batch_op.drop_column("organizer_messages_stopped_at")
        batch_op.drop_column("ticket_token")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("contact_email")
