"""staged disclosure: confidential parts, anonymous listings, access requests, agreements

Revision ID: 0010_disclosure
Revises: 0009_expiry
Create Date: 2026-12-03 12:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_disclosure'
down_revision = '0009_expiry'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('listing_revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description_confidential', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('is_anonymous', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('revision_files', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_confidential', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_mode', sa.String(length=10), nullable=False,
                                      server_default='none'))
        batch_op.add_column(sa.Column('agreement_text', sa.Text(), nullable=True))
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('agreement_text', sa.Text(), nullable=True))

    op.create_table('agreement_acceptances',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('ip_address', sa.String(length=45), nullable=False),
    sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_agreement_acceptances_business_id_businesses')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_agreement_acceptances_listing_id_listings')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_agreement_acceptances_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_acceptances'))
    )
    with op.batch_alter_table('agreement_acceptances', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_acceptances_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_acceptances_listing_id'), ['listing_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agreement_acceptances_member_id'), ['member_id'], unique=False)

    op.create_table('access_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('acceptance_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acceptance_id'], ['agreement_acceptances.id'], name=op.f('fk_access_requests_acceptance_id_agreement_acceptances')),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_access_requests_business_id_businesses')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['members.id'], name=op.f('fk_access_requests_decided_by_id_members')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_access_requests_listing_id_listings')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_access_requests_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_access_requests'))
    )
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.create_index('ix_access_requests_listing_business', ['listing_id', 'business_id', 'state'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_requests_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_requests_listing_id'), ['listing_id'], unique=False)


def downgrade():
    with op.batch_alter_table('access_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_requests_listing_id'))
        batch_op.drop_index(batch_op.f('ix_access_requests_business_id'))
        batch_op.drop_index('ix_access_requests_listing_business')
    op.drop_table('access_requests')
    with op.batch_alter_table('agreement_acceptances', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_acceptances_member_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_acceptances_listing_id'))
        batch_op.drop_index(batch_op.f('ix_agreement_acceptances_business_id'))
    op.drop_table('agreement_acceptances')
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.drop_column('agreement_text')
    with op.batch_alter_table('listings', schema=None) as batch_op:
        batch_op.drop_column('agreement_text')
        batch_op.drop_column('agreement_mode')
    with op.batch_alter_table('revision_files', schema=None) as batch_op:
        batch_op.drop_column('is_confidential')
    with op.batch_alter_table('listing_revisions', schema=None) as batch_op:
        batch_op.drop_column('is_anonymous')
        batch_op.drop_column('description_confidential')
