"""members' unsent match notices, counted

Revision ID: 0015_notice_backlogs
Revises: 0014_panel_clock
Create Date: 2026-12-04 23:10:00.000000

"""
from datetime import timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_notice_backlogs'
down_revision = '0014_panel_clock'
branch_labels = None
depends_on = None

DIGEST_INTERVAL = timedelta(days=1)


def upgrade():
    backlogs = op.create_table('match_notice_backlogs',
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('unsent', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_match_notice_backlogs_member_id_members')),
    sa.PrimaryKeyConstraint('member_id', name=op.f('pk_match_notice_backlogs'))
    )
    # each member's notices not sent yet, and when its last digest went plus a day
    notices = sa.table('match_notices', sa.column('member_id', sa.Integer()),
                       sa.column('sent_at', sa.DateTime(timezone=True)),
                       sa.column('mail_id', sa.Integer()))
    rows = op.get_bind().execute(
        sa.select(notices.c.member_id,
                  sa.func.sum(sa.case((notices.c.sent_at.is_(None), 1), else_=0)),
                  sa.func.max(sa.case((notices.c.mail_id.is_not(None), notices.c.sent_at))))
        .group_by(notices.c.member_id)).all()
    if rows:
        op.bulk_insert(backlogs, [
            {"member_id": member_id, "unsent": int(unsent),
             "due_at": last + DIGEST_INTERVAL if last is not None else None}
            for member_id, unsent, last in rows])


def downgrade():
    op.drop_table('match_notice_backlogs')
