"""Listing views and search impressions: counted per day without personal data, robots
and the owner's own visits left out, and counted even when the page cache answers."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.insights.models import ListingDayCount
from exchange.listings.forms import local_today
from exchange.search.outbox import sync
from tests.factories import login, make_business, make_listing, make_member, publish

BROWSER = {"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36"}
ROBOT = {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"}


def counts(listing_id) -> tuple[int, int]:
    db.session.expire_all()
    rows = db.session.scalars(select(ListingDayCount)
                              .where(ListingDayCount.listing_id == listing_id)).all()
    return sum(r.views for r in rows), sum(r.impressions for r in rows)


@pytest.fixture
def seller(app):
    return make_member(business=make_business(name="Công ty Cơ khí Đông Á"))


@pytest.fixture
def offer(seller, meili):
    listing = publish(make_listing(seller.business, seller, title="Máy ép viên nén mùn cưa"))
    assert not any(sync(timeout=10).values())
    meili.wait_idle()
    return listing


def test_views_count_visitors_but_not_robots_or_the_owner(app, client, seller, offer):
    url = f"/listings/{offer.id}"
    for _ in range(3):
        assert client.get(url, headers=BROWSER).status_code == 200
    client.get(url, headers=ROBOT)
    client.get(url, headers={"User-Agent": ""})
    owner = app.test_client()
    login(owner, seller)
    owner.get(url, headers=BROWSER)
    assert counts(offer.id) == (3, 0)
    [row] = db.session.scalars(select(ListingDayCount)).all()
    assert row.day == local_today()  # one row per listing and day: nothing about who


def test_search_results_and_the_api_count_impressions(client, offer):
    client.get("/search?q=vien+nen", headers=BROWSER)
    client.get("/api/v1/search?q=mun+cua", headers=BROWSER)
    client.get("/search?q=vien+nen", headers=ROBOT)
    client.get("/search?q=khong+co+gi+ca+xyz", headers=BROWSER)
    assert counts(offer.id) == (0, 2)


def test_owner_sees_the_figures_and_other_businesses_do_not(app, seller, offer):
    from exchange.inquiries.services import record_inquiry
    buyer = make_member(business=make_business(name="HTX Nông sản Cao Nguyên"))
    record_inquiry(buyer, offer, "Xin báo giá máy ép viên nén giao tại Đắk Lắk.")
    from exchange.disclosure.models import AccessRequest
    db.session.add(AccessRequest(listing_id=offer.id, business_id=buyer.business_id,
                                 member_id=buyer.id, statement="Cần xem bản vẽ chi tiết."))
    db.session.add(ListingDayCount(listing_id=offer.id, day=local_today() - timedelta(days=45),
                                   views=7, impressions=40))
    db.session.add(ListingDayCount(listing_id=offer.id, day=local_today() - timedelta(days=2),
                                   views=5, impressions=11))
    db.session.commit()
    owner = app.test_client()
    login(owner, seller)
    page = owner.get(f"/listings/{offer.id}/stats").get_data(as_text=True)
    assert 'data-figure="views-30">5<' in page and 'data-figure="views-90">12<' in page
    assert 'data-figure="impressions-90">51<' in page
    assert 'data-figure="inquiries-30">1<' in page
    assert 'data-figure="access_requests-30">1<' in page
    assert f"/listings/{offer.id}/stats" in owner.get("/account").get_data(as_text=True)
    stranger = app.test_client()
    login(stranger, buyer)
    assert stranger.get(f"/listings/{offer.id}/stats").status_code == 404
