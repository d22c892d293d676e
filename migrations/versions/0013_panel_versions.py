"""versions of what members' panels show, per business

Revision ID: 0013_panel_versions
Revises: 0012_content
Create Date: 2026-12-03 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_panel_versions'
down_revision = '0012_content'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('panel_versions',
    sa.Column('scope', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('scope', name=op.f('pk_panel_versions'))
    )


def downgrade():
    op.drop_table('panel_versions')
