"""A page the page cache answers without Flask is counted all the same."""
import pytest
from sqlalchemy import select, update

from exchange.extensions import db
from exchange.insights.models import ListingDayCount
from exchange.listings.models import Revision
from exchange.matching.outbox import drain_matching
from exchange.search.outbox import sync
from tests.factories import make_business, make_listing, make_member, publish
from tests.insights.test_counting import BROWSER, ROBOT


@pytest.fixture
def app_overrides(tmp_path):
    return {"PAGE_CACHE_SECONDS": 30, "PUBLIC_STATE_SECONDS": 30.0,
            "PAGE_CACHE_DIR": str(tmp_path / "page-cache")}


def test_kept_pages_are_counted_each_time_they_are_served(app, client, meili):
    seller = make_member(business=make_business(name="Công ty Cơ khí Đông Á"))
    offer = publish(make_listing(seller.business, seller, title="Máy ép viên nén mùn cưa"))
    # nothing in flight, or the cache keeps nothing (exchange/search/freshness.py)
    assert not any(sync(timeout=10).values())
    drain_matching()
    meili.wait_idle()
    for round_ in range(3):
        page = client.get(f"/listings/{offer.id}", headers=BROWSER).get_data(as_text=True)
        client.get("/api/v1/search?q=vien+nen", headers=BROWSER)
        if round_ == 0:
            # changed behind the app's back: a page still showing the old title was kept
            db.session.execute(update(Revision).where(Revision.id == offer.approved_revision_id)
                               .values(title="Tên chưa qua hệ thống"))
            db.session.commit()
        else:
            assert "Máy ép viên nén mùn cưa" in page
    client.get(f"/listings/{offer.id}", headers=ROBOT)  # served from the cache, not counted
    db.session.expire_all()
    row = db.session.scalar(select(ListingDayCount))
    assert (row.views, row.impressions) == (3, 3)
