"""inquiry messages carry the idempotency key of the form that sent them

Revision ID: 0004_inquiry_idempotency
Revises: 0003_normalize_member_emails
Create Date: 2026-12-03 09:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0004_inquiry_idempotency'
down_revision = '0003_normalize_member_emails'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inquiry_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint('uq_inquiry_messages_author_idempotency_key',
                                          ['author_id', 'idempotency_key'])


def downgrade():
    with op.batch_alter_table('inquiry_messages', schema=None) as batch_op:
        batch_op.drop_constraint('uq_inquiry_messages_author_idempotency_key', type_='unique')
        batch_op.drop_column('idempotency_key')
