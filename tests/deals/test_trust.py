"""Trust from track record: the figures on profiles and proposals, and the "verified
businesses only" filter of the search (pages, API, and after a business is verified)."""
from datetime import timedelta

from exchange.deals.trust import track_record
from exchange.extensions import db
from exchange.inquiries.services import record_inquiry, reply
from exchange.moderation.services import claim_item, decide_item, enqueue_business
from tests.factories import make_business, make_listing, make_member, make_moderator, publish
from tests.helpers import api_ids, settle


def test_track_record_counts_listings_replies_and_deals(app, requester, proposers):
    seller = proposers[0]
    offers = [publish(make_listing(seller.business, seller, title=f"Máy sấy số {n}"))
              for n in range(3)]
    make_listing(seller.business, seller, title="Bản nháp")  # never published: not counted
    delays = (timedelta(hours=2), timedelta(hours=6), timedelta(hours=30))
    for offer, delay, asker in zip(offers, delays, [requester] + proposers[1:]):
        thread = record_inquiry(asker, offer, "Xin báo giá.")
        reply(seller, thread, "Chào anh chị, giá như sau.")
        thread.owner_replied_at = thread.created_at + delay
    db.session.commit()
    record = track_record(seller.business_id)
    assert record.listings_published == 3
    assert record.median_first_reply == timedelta(hours=6)
    assert record.deals_confirmed == 0 and record.is_verified
    page = app.test_client().get(f"/businesses/{seller.business_id}?lang=en")
    html = page.get_data(as_text=True)
    assert 'id="track-record"' in html and "Listings published: 3" in html
    assert "6 hours" in html


def test_search_for_verified_businesses_only(app, meili, client):
    verified = make_member(business=make_business(name="Công ty Đã Xác Minh"))
    unverified = make_member(business=make_business(name="Công ty Chưa Xác Minh",
                                                    verified=False))
    trusted = publish(make_listing(verified.business, verified, title="Máy sấy tin cậy"))
    other = publish(make_listing(unverified.business, unverified, title="Máy sấy khác"))
    settle(meili)
    assert sorted(api_ids(client, q="may say")) == sorted([trusted.id, other.id])
    assert api_ids(client, q="may say", verified="1") == [trusted.id]
    page = client.get("/search?q=may+say&verified=1&lang=en").get_data(as_text=True)
    # titles come highlighted: look for their unhighlighted words
    assert "tin cậy" in page and "khác" not in page
    assert 'id="f-verified" checked' in page
    bad = client.get("/api/v1/search", query_string={"verified": "maybe"})
    assert bad.status_code == 400
    assert bad.get_json()["error"]["code"] == "invalid_parameter"

    # once the staff verify the business, its listings are re-indexed with the badge
    moderator = make_moderator()
    item = enqueue_business(unverified.business)
    db.session.commit()
    claim_item(item.id, moderator.id)
    decide_item(item.id, moderator.id, "approve", "Giấy phép hợp lệ.")
    db.session.commit()
    settle(meili)
    assert sorted(api_ids(client, q="may say", verified="1")) == sorted([trusted.id, other.id])
