"""The migrations build exactly the schema the models describe, on both databases."""
import os
import tempfile
from contextlib import contextmanager

import psycopg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine

from config import TestConfig
from exchange import create_app
from exchange.extensions import db

PG_URL = os.environ.get("TEST_DATABASE_URL", "")


def _fresh_database_url():
    if PG_URL:
        name = f"exchange_migrations_{os.getpid()}"
        admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return PG_URL.rsplit("/", 1)[0] + "/" + name, name
    return f"sqlite:///{tempfile.mkdtemp()}/migrations.db", None


def _drop(name):
    if name:
        admin = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def empty_database():
    """An app context on a database of its own, empty, dropped afterwards; yields its URL."""
    url, name = _fresh_database_url()
    try:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            yield url
            db.session.remove()
            db.engine.dispose()
    finally:
        _drop(name)


def test_upgrade_matches_models_and_downgrade_works():
    with empty_database() as url:
        upgrade()
        engine = create_engine(url)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        engine.dispose()
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")


def test_the_notice_backlogs_start_from_the_notices_already_there():
    from datetime import timedelta

    from sqlalchemy import select

    from exchange.mail import OutboxMail
    from exchange.matching.models import MatchNotice, NoticeBacklog
    from exchange.timeutil import utcnow
    from tests.factories import make_listing, make_member

    with empty_database():
        upgrade()
        seller, buyer = make_member(), make_member()
        offer = make_listing(seller.business, seller)
        requests = [make_listing(buyer.business, buyer, kind="request") for _ in range(2)]
        mail = OutboxMail(recipient=seller.email, subject="s", body_text="b")
        db.session.add(mail)
        db.session.flush()
        mailed = utcnow() - timedelta(hours=3)
        db.session.add_all([
            # the seller was mailed about one pair three hours ago; one waits
            MatchNotice(offer_id=offer.id, request_id=requests[0].id, member_id=seller.id,
                        listing_id=offer.id, sent_at=mailed, mail_id=mail.id),
            MatchNotice(offer_id=offer.id, request_id=requests[1].id, member_id=seller.id,
                        listing_id=offer.id),
            # the buyer was never mailed; two wait
            *(MatchNotice(offer_id=offer.id, request_id=request.id, member_id=buyer.id,
                          listing_id=request.id) for request in requests)])
        db.session.commit()
        ids = seller.id, buyer.id
        db.session.remove()
        downgrade(revision="0014_panel_clock")
        upgrade()
        backlogs = {row.member_id: (row.unsent, row.due_at)
                    for row in db.session.scalars(select(NoticeBacklog))}
        assert backlogs == {ids[0]: (1, mailed + timedelta(days=1)), ids[1]: (2, None)}
