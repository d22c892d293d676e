"""members.session_stamp: sessions name it, so changing it ends them all

Revision ID: 0002_member_session_stamp
Revises: 0001
Create Date: 2026-12-03 09:45:00

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002_member_session_stamp'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_stamp', sa.String(length=32), nullable=True))
    # a random stamp per existing member (sessions from before this release name none and
    # are refused: everyone signs in once more)
    members = sa.table('members', sa.column('id', sa.Integer),
                       sa.column('session_stamp', sa.String))
    connection = op.get_bind()
    ids = connection.execute(sa.select(members.c.id)).scalars().all()
    for member_id in ids:
        connection.execute(members.update().where(members.c.id == member_id)
                           .values(session_stamp=secrets.token_urlsafe(16)))
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.alter_column('session_stamp', existing_type=sa.String(length=32),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('session_stamp')
