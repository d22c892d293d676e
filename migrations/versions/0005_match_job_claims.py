"""match jobs are claimed by one drain at a time

Revision ID: 0005_match_job_claims
Revises: 0004_inquiry_idempotency
Create Date: 2026-12-03 09:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0005_match_job_claims'
down_revision = '0004_inquiry_idempotency'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('match_jobs', schema=None) as batch_op:
        batch_op.drop_column('claimed_until')
