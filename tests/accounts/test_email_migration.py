"""The email migration brings stored addresses to the spelling lookups use."""
import tempfile

from flask_migrate import upgrade
from sqlalchemy import text

from config import TestConfig
from exchange import create_app
from exchange.accounts.models import Member
from exchange.extensions import db


def test_stored_addresses_are_normalised_and_collisions_left_alone():
    url = f"sqlite:///{tempfile.mkdtemp()}/emails.db"
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade(revision="0002_member_session_stamp")
        insert = text("INSERT INTO members (full_name, email, password_hash, role, phone, "
                      "is_active_account, can_send_inquiries, match_mail_mode, locale, "
                      "created_at, session_stamp) VALUES ('A', :email, 'x', 'member', '', "
                      "1, 1, 'daily', 'vi', '2026-01-01 00:00:00', 's')")
        for email in ("hoa@nông-sản.vn", "ｌａｎ@example.vn", "tam@example.vn",
                      "TAM@example.vn"):
            db.session.execute(insert, {"email": email})
        db.session.commit()
        upgrade()
        stored = db.session.scalars(text("SELECT email FROM members ORDER BY id")).all()
        assert stored == [Member.normalize_email("hoa@nông-sản.vn"), "lan@example.vn",
                          "tam@example.vn", "TAM@example.vn"]
        db.session.remove()
        db.engine.dispose()
