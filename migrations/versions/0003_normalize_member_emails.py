"""members.email in the one spelling lookups use (NFKC, case-folded, IDNA domain)

Revision ID: 0003_normalize_member_emails
Revises: 0002_member_session_stamp
Create Date: 2026-12-03 10:00:00

"""
import unicodedata

from alembic import op
import idna
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003_normalize_member_emails'
down_revision = '0002_member_session_stamp'
branch_labels = None
depends_on = None


def _normalize(email):
    # a copy of Member.normalize_email as it was when this ran: migrations must not change
    # with the application code
    text = unicodedata.normalize("NFKC", (email or "").strip())
    text = unicodedata.normalize("NFKC", text.casefold())
    local, at, domain = text.rpartition("@")
    if not at or not domain:
        return text
    try:
        domain = idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        pass
    return f"{local}@{domain}"


def upgrade():
    members = sa.table('members', sa.column('id', sa.Integer), sa.column('email', sa.String))
    connection = op.get_bind()
    rows = connection.execute(sa.select(members.c.id, members.c.email)).all()
    taken = {email for _id, email in rows}
    for member_id, email in rows:
        normalized = _normalize(email)
        # two old spellings of one address: both accounts are kept as they are (staff
        # decide which one stays); the second would break the unique constraint
        if normalized == email or normalized in taken:
            continue
        connection.execute(members.update().where(members.c.id == member_id)
                           .values(email=normalized))
        taken.add(normalized)


def downgrade():
    pass  # the normalised spelling is a valid spelling of the same address
