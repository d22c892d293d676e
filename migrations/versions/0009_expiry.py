"""listing lifetimes per category, expiry reminders, daily listing counters

Revision ID: 0009_expiry
Revises: 0008_payment_providers
Create Date: 2026-12-03 12:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_expiry'
down_revision = '0008_payment_providers'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('category_lifetimes',
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('default_days', sa.Integer(), nullable=False),
    sa.Column('max_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['members.id'], name=op.f('fk_category_lifetimes_updated_by_id_members')),
    sa.PrimaryKeyConstraint('category', name=op.f('pk_category_lifetimes'))
    )
    op.create_table('expiry_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=10), nullable=False),
    sa.Column('stage', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_expiry_reminders_business_id_businesses')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_expiry_reminders_listing_id_listings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expiry_reminders')),
    sa.UniqueConstraint('listing_id', 'subject', 'stage', 'due_at', name='uq_expiry_reminders_listing_subject_stage_due')
    )
    with op.batch_alter_table('expiry_reminders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expiry_reminders_listing_id'), ['listing_id'], unique=False)

    op.create_table('listing_day_counts',
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.Column('impressions', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_listing_day_counts_listing_id_listings')),
    sa.PrimaryKeyConstraint('listing_id', 'day', name=op.f('pk_listing_day_counts'))
    )
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lifetime_days', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('lifetime_days')

    op.drop_table('listing_day_counts')
    with op.batch_alter_table('expiry_reminders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expiry_reminders_listing_id'))

    op.drop_table('expiry_reminders')
    op.drop_table('category_lifetimes')
