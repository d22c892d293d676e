"""news, events and event registrations; index jobs for other documents

Revision ID: 0012_content
Revises: 0011_directories
Create Date: 2026-12-03 12:29:31.945136

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_content'
down_revision = '0011_directories'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('articles',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('lead_vi', sa.Text(), nullable=False),
    sa.Column('lead_en', sa.Text(), nullable=False),
    sa.Column('body_vi', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('tags', sa.String(length=300), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('author_name', sa.String(length=120), nullable=False),
    sa.Column('cover_sha256', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=500), nullable=True),
    sa.Column('source_image_url', sa.String(length=1000), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('title_vi', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('indexed_public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_articles_author_id_members')),
    sa.ForeignKeyConstraint(['cover_sha256'], ['stored_files.sha256'], name=op.f('fk_articles_cover_sha256_stored_files')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_articles')),
    sa.UniqueConstraint('external_id', name=op.f('uq_articles_external_id'))
    )
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_articles_category'), ['category'], unique=False)
        batch_op.create_index('ix_articles_state_publish_at', ['state', 'publish_at'], unique=False)

    op.create_table('events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('description_vi', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('organiser', sa.String(length=200), nullable=False),
    sa.Column('registration_url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=True),
    sa.Column('registered_count', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('publish_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('title_vi', sa.String(length=300), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('indexed_public', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['members.id'], name=op.f('fk_events_author_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_events'))
    )
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_events_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index('ix_events_state_publish_at', ['state', 'publish_at'], unique=False)

    op.create_table('event_listings',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('listing_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_listings_event_id_events')),
    sa.ForeignKeyConstraint(['listing_id'], ['listings.id'], name=op.f('fk_event_listings_listing_id_listings')),
    sa.PrimaryKeyConstraint('event_id', 'listing_id', name=op.f('pk_event_listings'))
    )
    op.create_table('event_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_registrations_event_id_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_registrations')),
    sa.UniqueConstraint('event_id', 'email', name='uq_event_registrations_event_id_email')
    )
    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_registrations_event_id'), ['event_id'], unique=False)

    with op.batch_alter_table('index_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('document_key', sa.String(length=80), nullable=True))
        batch_op.alter_column('listing_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.create_index(batch_op.f('ix_index_jobs_document_key'), ['document_key'], unique=False)



def downgrade():
    # jobs of news and events name no listing: they go with the tables they index
    op.execute("DELETE FROM index_jobs WHERE listing_id IS NULL")
    with op.batch_alter_table('index_jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_index_jobs_document_key'))
        batch_op.alter_column('listing_id',
               existing_type=sa.INTEGER(),
               nullable=False)
        batch_op.drop_column('document_key')

    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_registrations_event_id'))

    op.drop_table('event_registrations')
    op.drop_table('event_listings')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_index('ix_events_state_publish_at')
        batch_op.drop_index(batch_op.f('ix_events_starts_at'))

    op.drop_table('events')
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_index('ix_articles_state_publish_at')
        batch_op.drop_index(batch_op.f('ix_articles_category'))

    op.drop_table('articles')
