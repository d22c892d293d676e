"""A published bulk import leaves a matching backlog: the site keeps answering. A moderator
approves a listing and browses while the backlog waits; each request's drain stops within
its budget, and `flask exchange tick` works the backlog off afterwards."""
import time
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from exchange.effects import wait_for_drains
from exchange.extensions import db
from exchange.listings.models import Listing, Status
from exchange.matching.models import Match, MatchJob, MatchJobState
from exchange.moderation.models import ItemState, QueueItem
from tests.factories import make_business, make_listing, make_member, make_moderator
from tests.faults.conftest import Browser
from tests.transfer.conftest import OTHER_TAX_CODE, row, run, write_file

ROWS = 120
DRAIN_BUDGET = 0.5
DRAIN_MAX_JOBS = 4
# a request and the drain after it: the budget, plus the page itself on a busy machine
REQUEST_AND_DRAIN_SECONDS = DRAIN_BUDGET + 4.0


@pytest.fixture
def app_overrides():
    return {"RATELIMIT_ENABLED": False, "DRAIN_BUDGET_SECONDS": DRAIN_BUDGET,
            "DRAIN_MAX_JOBS": DRAIN_MAX_JOBS}


def pending_match_jobs():
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(MatchJob).where(
        MatchJob.state == MatchJobState.PENDING))


def test_import_then_moderate_and_browse_while_matching_waits(app, live_server, tmp_path):
    moderator = make_moderator(email="kiemduyet@sangiaodich.vn")
    owner = make_member(business=make_business(name="Công ty Cơ khí Bình Minh"))
    waiting = make_listing(owner.business, owner, kind="offer",
                           title="Máy sấy nông sản bơm nhiệt 1 tấn/mẻ")
    db.session.commit()
    # offers of one business and requests of another about the same machines: each
    # imported listing has dozens of counterparts to find
    rows = [row(n, **({} if n % 2 else {
        "kind": "chào mua", "title": f"Cần mua máy sấy nông sản năng lượng mặt trời {n}",
        "business_tax_code": OTHER_TAX_CODE, "business_name": "Hợp tác xã Cà phê Ea Tu",
        "contact_email": "htx@eatu.vn"})) for n in range(ROWS)]
    path = write_file(tmp_path / "old-exchange.csv", rows)
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email)
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Listing).where(
        Listing.status == Status.PUBLISHED)) == ROWS
    backlog = pending_match_jobs()
    assert backlog >= ROWS
    item_id = db.session.scalar(select(QueueItem.id).where(
        QueueItem.listing_id == waiting.id, QueueItem.state == ItemState.WAITING))
    listing_id = db.session.scalar(select(Listing.id).where(Listing.status == Status.PUBLISHED))
    waiting_id, moderator = waiting.id, SimpleNamespace(email=moderator.email)
    db.session.close()

    staff = Browser(live_server).login(moderator)
    timings = []

    def timed(action, *args, **kwargs):
        started = time.monotonic()
        response = action(*args, **kwargs)
        assert wait_for_drains(30), "a drain after a response is still running"
        timings.append((args[0], response.status_code, time.monotonic() - started))
        return response

    assert timed(staff.post, f"/moderation/{item_id}/claim", {},
                 token_from="/moderation").status_code == 302
    assert timed(staff.post, f"/moderation/{item_id}/decision",
                 {"decision": "approve", "reason": ""},
                 token_from="/moderation").status_code == 302
    for path in ("/moderation", "/", f"/listings/{listing_id}", "/search?q=may+say",
                 f"/listings/{waiting_id}", "/moderation", "/"):
        assert timed(staff.get, path).status_code == 200

    assert all(seconds < REQUEST_AND_DRAIN_SECONDS for _, _, seconds in timings), timings
    db.session.expire_all()
    assert db.session.get(Listing, waiting_id).status == Status.PUBLISHED
    left = pending_match_jobs()
    # every drain stopped at its cap: most of the backlog is still there for `tick`
    assert left >= backlog + 1 - DRAIN_MAX_JOBS * len(timings) * 3
    assert left > 0

    # matching waits for the index to apply recent changes (the approval's): sync it first
    assert run(app, "sync-index").exit_code == 0
    tick = run(app, "tick")
    assert tick.exit_code == 0, tick.output
    from exchange.search.models import IndexJob
    assert pending_match_jobs() == 0
    assert db.session.scalar(select(func.count()).select_from(Match)) > 0
