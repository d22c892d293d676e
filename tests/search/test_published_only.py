"""Only published, unexpired listings (their approved text) are ever in the index."""
import time
from datetime import timedelta

import pytest

from exchange.effects import drain
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.timeutil import utcnow
from tests.factories import listing_content, make_listing, make_moderator
from tests.search.conftest import api_ids, settle


def index_ids(meili, app) -> set[int]:
    uid = app.config["MEILI_INDEX_PREFIX"] + "listings"
    response = meili.request("GET", f"/indexes/{uid}/documents", params={"limit": 1000,
                                                                          "fields": "id"})
    if response.status_code == 404:
        return set()
    return {doc["id"] for doc in response.json()["results"]}


def test_unpublished_states_never_reach_the_index(app, client, owner, meili):
    draft = make_listing(owner.business, owner, submit=False, title="Bản nháp máy nghiền")
    pending = make_listing(owner.business, owner, title="Đang chờ duyệt máy nghiền")
    changes = make_listing(owner.business, owner, title="Cần sửa máy nghiền")
    lifecycle.request_changes(changes.latest_revision, "Thiếu ảnh")
    rejected = make_listing(owner.business, owner, title="Bị từ chối máy nghiền")
    lifecycle.reject_revision(rejected.latest_revision, "Không phù hợp")
    db.session.commit()
    drain()
    settle(meili)
    assert index_ids(meili, app) == set()
    assert api_ids(client, q="may nghien") == []
    for listing in (draft, pending, changes, rejected):
        assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404


@pytest.mark.parametrize("action", ["withdraw", "suspend"])
def test_listing_leaves_search_within_a_second(app, client, post, owner, meili, action):
    listing = post(title="Máy cắt laser fiber 3kW")
    assert api_ids(client, q="may cat laser") == [listing.id]
    started = time.monotonic()
    if action == "withdraw":
        lifecycle.withdraw(listing, owner.id)
    else:
        lifecycle.suspend(listing, make_moderator().id, "Vi phạm")
    db.session.commit()
    drain()  # what the after-request hook does once the view has committed
    while api_ids(client, q="may cat laser"):
        assert time.monotonic() - started < 1.0, "still searchable after a second"
        time.sleep(0.05)
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404


def test_suspended_then_restored_comes_back(app, client, post, meili):
    listing = post(title="Lò hơi đốt trấu")
    moderator = make_moderator()
    lifecycle.suspend(listing, moderator.id, "Kiểm tra")
    db.session.commit()
    drain()
    settle(meili)
    assert index_ids(meili, app) == set()
    lifecycle.restore(listing, moderator.id, "Đã kiểm tra")
    db.session.commit()
    drain()
    settle(meili)
    assert api_ids(client, q="lo hoi dot trau") == [listing.id]


def test_expired_listings_are_gone_even_before_the_job_runs(app, client, post, meili):
    # long enough that a busy machine still searches before the expiry
    expires_at = utcnow() + timedelta(seconds=8)
    listing = post(title="Máy ấp trứng tự động", expires_at=expires_at)
    assert api_ids(client, q="may ap trung") == [listing.id]
    time.sleep(max(0.0, (expires_at - utcnow()).total_seconds()) + 0.2)
    # the index still has the document, but every query carries expires_at > now
    assert listing.id in index_ids(meili, app)
    assert api_ids(client, q="may ap trung") == []
    assert lifecycle.expire_due() == 1
    db.session.commit()
    drain()
    settle(meili)
    assert index_ids(meili, app) == set()


def test_a_pending_edit_stays_out_until_approved(app, client, post, owner, meili):
    listing = post(title="Hệ thống tưới nhỏ giọt", summary="Tưới tiết kiệm nước.")
    lifecycle.save_edit(listing, owner.id, listing_content(
        title="Hệ thống tưới thông minh IoT", summary="Bản sửa chưa duyệt."))
    db.session.commit()
    drain()
    settle(meili)
    assert api_ids(client, q="iot") == []
    assert api_ids(client, q="chua duyet") == []
    assert api_ids(client, q="tuoi nho giot") == [listing.id]
    assert client.get(f"/api/v1/listings/{listing.id}").get_json()["title"] == \
        "Hệ thống tưới nhỏ giọt"
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    drain()
    settle(meili)
    assert api_ids(client, q="iot") == [listing.id]
    assert api_ids(client, q="giot") == []


def test_documents_carry_no_private_fields(app, post, owner, meili):
    listing = post(title="Máy phay CNC")
    uid = app.config["MEILI_INDEX_PREFIX"] + "listings"
    doc = meili.request("GET", f"/indexes/{uid}/documents/{listing.id}").json()
    text = repr(doc)
    assert owner.email not in text
    assert owner.business.tax_code not in text
    for private in ("email", "phone", "address", "tax_code", "author_id", "created_by_id"):
        assert private not in doc


def test_the_app_searches_with_a_search_only_key(app, meili):
    from exchange.search import index
    index.ensure_ready()
    key = index.search_key()
    assert key and key != meili.master_key
    headers = {"Authorization": f"Bearer {key}"}
    import requests
    uid = index.index_name()
    assert requests.post(f"{meili.url}/indexes/{uid}/search", json={"q": ""},
                         headers=headers, timeout=5).ok
    for method, path in (("POST", f"/indexes/{uid}/documents"), ("GET", "/keys"),
                         ("DELETE", f"/indexes/{uid}"), ("PATCH", f"/indexes/{uid}/settings")):
        response = requests.request(method, meili.url + path, json=[], headers=headers,
                                    timeout=5)
        assert response.status_code == 403, (method, path, response.status_code)
