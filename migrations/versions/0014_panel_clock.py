"""panel versions read off one clock

Revision ID: 0014_panel_clock
Revises: 0013_panel_versions
Create Date: 2026-12-04 06:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_panel_clock'
down_revision = '0013_panel_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f('ix_panel_versions_version'), 'panel_versions', ['version'],
                    unique=False)
    # the clock starts past every version so far
    op.execute("INSERT INTO panel_versions (scope, version) "
               "SELECT -1, COALESCE(MAX(version), 0) FROM panel_versions")


def downgrade():
    op.execute("DELETE FROM panel_versions WHERE scope = -1")
    op.drop_index(op.f('ix_panel_versions_version'), table_name='panel_versions')
