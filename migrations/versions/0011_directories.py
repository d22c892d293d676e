"""directories: experts and their services and sectors, businesses' folded names for the
directory search, inquiry threads about an expert instead of a listing

Revision ID: 0011_directories
Revises: 0010_disclosure
Create Date: 2026-12-03 12:29:05.024685

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_directories'
down_revision = '0010_disclosure'
branch_labels = None
depends_on = None


def _fold(text):
    # exchange.taxonomy.fold as it was when this migration was written
    text = unicodedata.normalize("NFD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.replace("đ", "d").replace("Đ", "D").lower()
    return re.sub(r"\s+", " ", text).strip()[:200]


def upgrade():
    op.create_table('experts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('business_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('name_folded', sa.String(length=200), nullable=False),
    sa.Column('province', sa.String(length=40), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reviewed_by_id', sa.Integer(), nullable=True),
    sa.Column('reviewed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('review_reason', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['business_id'], ['businesses.id'], name=op.f('fk_experts_business_id_businesses')),
    sa.ForeignKeyConstraint(['created_by_id'], ['members.id'], name=op.f('fk_experts_created_by_id_members')),
    sa.ForeignKeyConstraint(['reviewed_by_id'], ['members.id'], name=op.f('fk_experts_reviewed_by_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_experts'))
    )
    with op.batch_alter_table('experts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_experts_business_id'), ['business_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_experts_province'), ['province'], unique=False)
        batch_op.create_index(batch_op.f('ix_experts_state'), ['state'], unique=False)

    op.create_table('expert_sectors',
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('sector', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['experts.id'], name=op.f('fk_expert_sectors_expert_id_experts')),
    sa.PrimaryKeyConstraint('expert_id', 'sector', name=op.f('pk_expert_sectors'))
    )
    with op.batch_alter_table('expert_sectors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_sectors_sector'), ['sector'], unique=False)

    op.create_table('expert_services',
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['expert_id'], ['experts.id'], name=op.f('fk_expert_services_expert_id_experts')),
    sa.PrimaryKeyConstraint('expert_id', 'service', name=op.f('pk_expert_services'))
    )
    with op.batch_alter_table('expert_services', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_services_service'), ['service'], unique=False)

    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_folded', sa.String(length=200), nullable=False,
                                      server_default=''))
    businesses = sa.table('businesses', sa.column('id', sa.Integer),
                          sa.column('name', sa.String), sa.column('name_folded', sa.String))
    conn = op.get_bind()
    rows = conn.execute(sa.select(businesses.c.id, businesses.c.name)).all()
    for business_id, name in rows:
        conn.execute(businesses.update().where(businesses.c.id == business_id)
                     .values(name_folded=_fold(name)))
    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.alter_column('name_folded', server_default=None,
                              existing_type=sa.String(length=200), existing_nullable=False)
        batch_op.create_index(batch_op.f('ix_businesses_name_folded'), ['name_folded'], unique=False)

    with op.batch_alter_table('inquiry_threads', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expert_id', sa.Integer(), nullable=True))
        batch_op.alter_column('listing_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_inquiry_threads_expert_id'), ['expert_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_inquiry_threads_expert_id_experts'), 'experts', ['expert_id'], ['id'])



def downgrade():
    # conversations with experts have no listing: they cannot survive the NOT NULL below
    expert_threads = "SELECT id FROM inquiry_threads WHERE expert_id IS NOT NULL"
    for table in ("inquiry_messages", "inquiry_thread_reads", "inquiry_reports"):
        op.execute(f"DELETE FROM {table} WHERE thread_id IN ({expert_threads})")
    op.execute(f"UPDATE deals SET thread_id = NULL WHERE thread_id IN ({expert_threads})")
    op.execute("DELETE FROM inquiry_threads WHERE expert_id IS NOT NULL")
    with op.batch_alter_table('inquiry_threads', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inquiry_threads_expert_id_experts'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_inquiry_threads_expert_id'))
        batch_op.alter_column('listing_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('expert_id')

    with op.batch_alter_table('businesses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_businesses_name_folded'))
        batch_op.drop_column('name_folded')

    with op.batch_alter_table('expert_services', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_services_service'))

    op.drop_table('expert_services')
    with op.batch_alter_table('expert_sectors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_expert_sectors_sector'))

    op.drop_table('expert_sectors')
    with op.batch_alter_table('experts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_experts_state'))
        batch_op.drop_index(batch_op.f('ix_experts_province'))
        batch_op.drop_index(batch_op.f('ix_experts_business_id'))

    op.drop_table('experts')
