"""questionnaires: consultations on the programmes and evaluations after events

Revision ID: 91ab12f8999a
Revises: e5b7a2c94d13
Create Date: 2026-11-25 19:19:29

- questionnaire: its settings (kind: consultation, evaluation or questions at
  registration; texts in Polish and English, programme or event,
  anonymous, the period it is open, the public link's key);
- questionnaire_version: the questions as JSON; a version with answers is never changed;
- questionnaire_response: one response (random key, the day only, no time), one per
  registration and questionnaire;
- questionnaire_invitation: personal one-time links.
"""
from alembic import op
import sqlalchemy as sa

import events.models


revision = '91ab12f8999a'
down_revision = 'e5b7a2c94d13'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('questionnaire',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('consultation', 'evaluation', 'registration', name='questionnairekind', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('title_pl', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('purpose_pl', sa.Text(), nullable=False),
    sa.Column('purpose_en', sa.Text(), nullable=False),
    sa.Column('programme', sa.String(length=40), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    sa.Column('opens_at', events.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', events.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('public_key', sa.String(length=32), nullable=False),
    sa.Column('send_after_hours', sa.Integer(), nullable=False),
    sa.Column('created_at', events.models.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_questionnaire_closes_after_opening')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_questionnaire_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire')),
    sa.UniqueConstraint('public_key', name=op.f('uq_questionnaire_public_key'))
    )
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_event_id'), ['event_id'], unique=False)

    op.create_table('questionnaire_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('used', sa.Boolean(), nullable=False),
    sa.Column('sent_at', events.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', events.models.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_questionnaire_invitation_event_id_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_invitation_questionnaire_id_questionnaire'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_questionnaire_invitation_registration_id_registration'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_invitation')),
    sa.UniqueConstraint('questionnaire_id', 'registration_id', name=op.f('uq_questionnaire_invitation_questionnaire_id')),
    sa.UniqueConstraint('token', name=op.f('uq_questionnaire_invitation_token'))
    )
    with op.batch_alter_table('questionnaire_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_invitation_questionnaire_id'), ['questionnaire_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_invitation_registration_id'), ['registration_id'], unique=False)

    op.create_table('questionnaire_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('structure', sa.JSON(), nullable=False),
    sa.Column('created_at', events.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_version_questionnaire_id_questionnaire'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_version')),
    sa.UniqueConstraint('questionnaire_id', 'number', name=op.f('uq_questionnaire_version_questionnaire_id'))
    )
    with op.batch_alter_table('questionnaire_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_version_questionnaire_id'), ['questionnaire_id'], unique=False)

    op.create_table('questionnaire_response',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('questionnaire_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('county', sa.String(length=40), nullable=True),
    sa.Column('organization_type', sa.Enum('ngo', 'local_government', 'business_support', 'company', 'informal_group', 'other', name='organizationtype', native_enum=False, create_constraint=True, length=24), nullable=True),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('registration_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.Enum('online', 'paper', name='responsesource', native_enum=False, create_constraint=True, length=24), nullable=False),
    sa.Column('submitted_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_questionnaire_response_event_id_event'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['questionnaire_id'], ['questionnaire.id'], name=op.f('fk_questionnaire_response_questionnaire_id_questionnaire'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_id'], ['registration.id'], name=op.f('fk_questionnaire_response_registration_id_registration'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['questionnaire_version.id'], name=op.f('fk_questionnaire_response_version_id_questionnaire_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_questionnaire_response')),
    sa.UniqueConstraint('questionnaire_id', 'registration_id', name=op.f('uq_questionnaire_response_questionnaire_id'))
    )
    with op.batch_alter_table('questionnaire_response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_questionnaire_response_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_response_questionnaire_id'), ['questionnaire_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_response_registration_id'), ['registration_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_questionnaire_response_version_id'), ['version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('questionnaire_response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_response_version_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_response_registration_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_response_questionnaire_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_response_event_id'))

    op.drop_table('questionnaire_response')
    with op.batch_alter_table('questionnaire_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_version_questionnaire_id'))

    op.drop_table('questionnaire_version')
    with op.batch_alter_table('questionnaire_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_invitation_registration_id'))
        batch_op.drop_index(batch_op.f('ix_questionnaire_invitation_questionnaire_id'))

    op.drop_table('questionnaire_invitation')
    with op.batch_alter_table('questionnaire', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_questionnaire_event_id'))

    op.drop_table('questionnaire')
