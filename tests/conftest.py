"""Fixtures: the app on a fresh database, a real Meilisearch and a real SMTP server."""
import os
import tempfile
import uuid

import psycopg
import pytest
from flask.testing import FlaskClient
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text

from config import TestConfig
from exchange import create_app
# every table on the metadata before any test module maps a query (collection order aside)
import exchange.models  # noqa: F401,E402
from exchange.effects import wait_for_drains
from exchange.extensions import db, limiter
from tests.factories import make_owner
# extract_csrf: many tests import it from here
from tests.helpers import Clock, extract_csrf, serve  # noqa: F401
from tests.services import MeiliServer, SMTPServer, free_port

PG_URL = os.environ.get("TEST_DATABASE_URL", "")

# the same examples on every run and every machine: a failure found once is found again,
# and a refactor is judged on the cases its parent passed
hypothesis_settings.register_profile("exchange", derandomize=True, database=None)
hypothesis_settings.load_profile("exchange")


class FreshContextClient(FlaskClient):
    """Each request runs in its own app context, as in production: its own `g` and session.
    The response is closed before the test goes on (a server closes it once it is sent),
    so the side effects drained on close have run; the test's session is expired
    afterwards so it reads what the request committed."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()
        return response


def pytest_collection_modifyitems(items):
    e2e = os.path.join("tests", "e2e") + os.sep
    for item in items:
        if e2e in str(item.path):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def meili():
    server = MeiliServer().start()
    yield server
    server.close()


@pytest.fixture(scope="session")
def smtp_server():
    server = SMTPServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.clear()
    yield smtp_server
    if smtp_server.controller is None:
        smtp_server.start()


@pytest.fixture(scope="session")
def database_url():
    if PG_URL:
        name = f"exchange_test_{os.getpid()}"
        admin_url = PG_URL.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        yield PG_URL.rsplit("/", 1)[0] + "/" + name
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        directory = tempfile.mkdtemp(prefix="exchange-db-")
        yield f"sqlite:///{directory}/test.db"


_schema_ready = set()


@pytest.fixture
def app_overrides():
    """Extra configuration for the app under test; feature conftests override this."""
    return {}


@pytest.fixture
def app(database_url, meili, smtp_server, tmp_path, app_overrides):
    prefix = f"t{uuid.uuid4().hex[:10]}_"
    application = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_url,
        MEILI_URL=meili.url,
        MEILI_MASTER_KEY=meili.master_key,
        MEILI_INDEX_PREFIX=prefix,
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        UPLOAD_DIR=str(tmp_path / "uploads"),
        **{"RATELIMIT_STORAGE_URI": f"sqlite:///{tmp_path / 'ratelimits.db'}", **app_overrides},
    )
    application.test_client_class = FreshContextClient
    with application.app_context():
        if database_url not in _schema_ready:
            db.drop_all()
            db.create_all()
            _schema_ready.add(database_url)
        if application.config["RATELIMIT_ENABLED"]:
            limiter.reset()
        yield application
        # a server thread may still be draining after its last response
        assert wait_for_drains(), "a drain after a response did not finish"
        db.session.remove()
        _truncate(database_url)
        # each test's app has its own pool: close it now rather than when the garbage
        # collector gets to it, or a PostgreSQL run holds a connection per finished test
        db.engine.dispose()
    meili.delete_indexes(prefix)


def _truncate(database_url):
    tables = list(reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        if database_url.startswith("postgresql"):
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def owner(app):
    """A member of their own business, who posts the listings of a test."""
    return make_owner()


@pytest.fixture
def clock(monkeypatch):
    """Move utcnow() forward instead of sleeping: `clock.advance(days=1)`."""
    return Clock(monkeypatch)


@pytest.fixture
def live_port():
    return free_port()


@pytest.fixture
def live_server(app, live_port):
    """The app on loopback in a threaded server; its base URL."""
    with serve(app, live_port) as url:
        yield url
