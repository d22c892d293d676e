"""A table lock held on PostgreSQL (a migration, a bulk job, an operator's transaction):
requests that need the table end quickly with 503 and Retry-After instead of taking every
worker thread, static files are served without the database, and /healthz says so."""
import threading
import time

import psycopg
import pytest

from exchange.extensions import db
from tests.conftest import PG_URL
from tests.factories import make_business, make_listing, make_member, publish
from tests.helpers import counted_statements

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL: set TEST_DATABASE_URL"),
    pytest.mark.postgres_only,
]

# The time bounds below are about hanging, as fault tests may be: a request stuck behind
# the lock would wait as long as the test holds it, so each bound tells "gave up within
# the lock timeout" from "waited for the lock"; how fast is measured in bench/.
LOCK_TIMEOUT_MS = 300
STATEMENT_TIMEOUT_MS = 1000


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False, "DB_LOCK_TIMEOUT_MS": LOCK_TIMEOUT_MS,
            "DB_STATEMENT_TIMEOUT_MS": STATEMENT_TIMEOUT_MS, "HEALTHZ_DB_TIMEOUT_MS": 300}


class TableLock:
    """ACCESS EXCLUSIVE on a table, held by another connection until released."""

    def __init__(self, url, table):
        self.url = url.replace("postgresql+psycopg://", "postgresql://")
        self.table = table

    def __enter__(self):
        self.conn = psycopg.connect(self.url)
        self.conn.execute(f'LOCK TABLE "{self.table}" IN ACCESS EXCLUSIVE MODE')
        return self

    def __exit__(self, *exc):
        self.conn.rollback()
        self.conn.close()


@pytest.fixture
def listing_id(app):
    owner = make_member(business=make_business(name="Công ty Cơ khí Tân Phú"))
    listing_id = publish(make_listing(owner.business, owner)).id
    db.session.commit()
    db.session.close()  # the test's connection back to the pool, as a request's
    return listing_id


def test_a_locked_table_answers_503_with_retry_after_quickly(app, client, listing_id):
    with TableLock(app.config["SQLALCHEMY_DATABASE_URI"], "listings"):
        started = time.monotonic()
        page = client.get(f"/listings/{listing_id}?lang=en")
        page_seconds = time.monotonic() - started
        api = client.get(f"/api/v1/listings/{listing_id}")

    assert page.status_code == 503
    assert page.headers["Retry-After"] == "2"
    assert "The site is busy" in page.get_data(as_text=True)
    assert page_seconds < 3 * LOCK_TIMEOUT_MS / 1000 + 1.0
    assert api.status_code == 503
    assert api.headers["Retry-After"] == "2"
    assert api.get_json()["error"]["code"] == "busy"
    # the lock gone, the same page answers again
    assert client.get(f"/listings/{listing_id}").status_code == 200


def test_static_files_are_served_without_the_database(app, client):
    db.session.close()
    with TableLock(app.config["SQLALCHEMY_DATABASE_URI"], "members"), \
            TableLock(app.config["SQLALCHEMY_DATABASE_URI"], "listings"):
        with counted_statements() as statements:
            started = time.monotonic()
            css = client.get("/static/css/app.css")
            vendor = client.get("/vendor/bootstrap/css/bootstrap.min.css")
            seconds = time.monotonic() - started
    assert css.status_code == 200 and vendor.status_code == 200
    assert statements == []
    assert seconds < 1.0


def test_healthz_reports_a_database_that_does_not_answer_in_time(app, client):
    assert client.get("/healthz").get_json()["database"] == "ok"
    with TableLock(app.config["SQLALCHEMY_DATABASE_URI"], "listings"):
        started = time.monotonic()
        response = client.get("/healthz")
        seconds = time.monotonic() - started
    assert response.status_code == 503
    assert response.get_json()["database"] == "timeout"
    assert response.get_json()["status"] == "degraded"
    assert seconds < 2.0
    assert client.get("/healthz").get_json()["database"] == "ok"


def test_threads_are_not_held_by_a_lock(app, live_server, listing_id):
    """Six visitors at once behind a lock: each is answered (503) within the lock timeout,
    and a static file requested meanwhile comes at once."""
    import requests

    answers = []

    def visit():
        started = time.monotonic()
        response = requests.get(f"{live_server}/listings/{listing_id}", timeout=15)
        answers.append((response.status_code, time.monotonic() - started))

    with TableLock(app.config["SQLALCHEMY_DATABASE_URI"], "listings"):
        visitors = [threading.Thread(target=visit) for _ in range(6)]
        for visitor in visitors:
            visitor.start()
        started = time.monotonic()
        css = requests.get(f"{live_server}/static/css/app.css", timeout=15)
        css_seconds = time.monotonic() - started
        for visitor in visitors:
            visitor.join(20)
    assert css.status_code == 200 and css_seconds < 1.0
    assert [status for status, _ in answers] == [503] * 6
    assert max(seconds for _, seconds in answers) < 5.0
