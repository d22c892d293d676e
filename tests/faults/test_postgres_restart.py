"""PostgreSQL restarts while visitors browse: requests during the restart fail cleanly and
quickly (503 with the site's page, or a JSON error under /api and /healthz), and afterwards
the running app serves again without being restarted (pool_pre_ping replaces the dead
pooled connections)."""
import os
import subprocess
import time
from types import SimpleNamespace

import psycopg
import pytest

from exchange.extensions import db
from tests.conftest import PG_URL
from tests.factories import make_business, make_listing, make_member, publish
from tests.faults.conftest import Browser, Load

pytestmark = pytest.mark.skipif(not PG_URL, reason="restarts PostgreSQL: set TEST_DATABASE_URL")

SLOWEST_ANSWER_SECONDS = 10.0
UNAVAILABLE_PAGE = 'fw-bold">503</div>'  # the status on the site's error page


def restart_postgres():
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
                   check=True, timeout=120, capture_output=True)


def wait_for_postgres(url, timeout=60.0):
    """Block until the server accepts connections again, so later tests find it up."""
    admin_url = url.replace("postgresql+psycopg://", "postgresql://")
    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(admin_url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


@pytest.fixture
def postgres_back():
    yield
    wait_for_postgres(PG_URL)


def test_postgres_restart_fails_cleanly_and_the_app_recovers(app, live_server, postgres_back):
    owner = make_member(business=make_business(name="Công ty Điện tử Tân Bình"))
    listing_id = publish(make_listing(owner.business, owner)).id
    owner = SimpleNamespace(email=owner.email)
    db.session.close()  # the test's own connection goes back to the pool, as a request's does
    paths = ["/", f"/listings/{listing_id}", "/api/v1/stats", "/healthz",
             "/search?q=may+say"]
    with Load(live_server, paths, threads=4) as load:
        load.run_for(1.0)
        restart_started = time.monotonic()
        restart_postgres()
        wait_for_postgres(PG_URL)
        back_at = time.monotonic()
        load.run_for(2.0)

    answers = load.answers
    assert not [(a.path, a.body[:200]) for a in answers if a.status is None]  # none hung
    assert max(a.seconds for a in answers) < SLOWEST_ANSWER_SECONDS
    assert all(a.status == 200 for a in answers if a.started + a.seconds < restart_started)
    failures = [a for a in answers if a.status != 200]
    for failure in failures:
        assert failure.status == 503, (failure.path, failure.status, failure.body[:300])
        assert "Traceback" not in failure.body
        if failure.path == "/healthz":
            assert '"database":"unavailable"' in failure.body
        elif failure.path.startswith("/api/"):
            assert '"code":"unavailable"' in failure.body
        else:
            assert UNAVAILABLE_PAGE in failure.body
    recovered = [a for a in answers if a.started > back_at + 0.5]
    assert recovered and all(a.status == 200 for a in recovered), \
        [(a.path, a.status) for a in recovered if a.status != 200]

    # writes work again too, on the same running app
    visitor = Browser(live_server).login(owner)
    assert visitor.get("/account").status_code == 200
