"""explicit consent for the needs field (GDPR art. 9)

Revision ID: c3a11e0d5b2f
Revises: c3a9e2f41d07
Create Date: 2026-11-25 16:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3a11e0d5b2f'
down_revision = "c3a9e2f41d07"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_consent_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('needs_consent_version', sa.String(length=40), nullable=True))


def downgrade():
    with op.batch_alter_table('registration', schema=None) as batch_op:
        batch_op.drop_column('needs_consent_version')
        batch_op.drop_column('needs_consent_at')
