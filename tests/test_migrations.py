"""The migrations build exactly the schema the models describe, on both databases."""
import os
import tempfile

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


def test_upgrade_matches_models_and_downgrade_works():
    url, name = _fresh_database_url()
    try:
        app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            upgrade()
            engine = create_engine(url)
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"compare_type": True})
                diff = compare_metadata(context, db.metadata)
            engine.dispose()
            assert diff == [], f"models and migrations differ: {diff}"
            downgrade(revision="base")
            db.session.remove()
            db.engine.dispose()
    finally:
        _drop(name)
