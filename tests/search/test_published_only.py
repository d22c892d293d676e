"""Only published, unexpired listings (their approved text) are ever in the index, and only
they are found — by Meilisearch and by the database search used while it is down."""
from datetime import timedelta

import pytest

from exchange.effects import drain
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.timeutil import utcnow
from tests.factories import listing_content, make_listing, make_moderator
from tests.helpers import eventually, index_ids, settle


# queries are written with their diacritics: the database search matches titles literally,
# Meilisearch folds them, so both backends must find the same listings


def test_unpublished_states_never_reach_the_index(app, client, owner, meili, post, search_ids):
    public = post(title="Máy nghiền đá công suất lớn")
    draft = make_listing(owner.business, owner, submit=False, title="Bản nháp máy nghiền")
    pending = make_listing(owner.business, owner, title="Đang chờ duyệt máy nghiền")
    changes = make_listing(owner.business, owner, title="Cần sửa máy nghiền")
    lifecycle.request_changes(changes.latest_revision, "Thiếu ảnh")
    rejected = make_listing(owner.business, owner, title="Bị từ chối máy nghiền")
    lifecycle.reject_revision(rejected.latest_revision, "Không phù hợp")
    db.session.commit()
    drain()
    settle(meili)
    assert index_ids(meili, app) == {public.id}
    assert search_ids(q="máy nghiền") == [public.id]
    assert search_ids() == [public.id]
    for listing in (draft, pending, changes, rejected):
        assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404


@pytest.mark.parametrize("action", ["withdraw", "suspend"])
def test_a_withdrawn_or_suspended_listing_leaves_search(client, post, owner, action, search_ids):
    listing = post(title="Máy cắt laser fiber 3kW")
    assert search_ids(q="máy cắt laser") == [listing.id]
    if action == "withdraw":
        lifecycle.withdraw(listing, owner.id)
    else:
        lifecycle.suspend(listing, make_moderator().id, "Vi phạm")
    db.session.commit()
    drain()  # what the after-request hook does once the view has committed
    # how fast is the bench's business; here only that it goes (bounded, never hanging)
    eventually(lambda: search_ids(q="máy cắt laser") == [], what="leaving search")
    assert client.get(f"/api/v1/listings/{listing.id}").status_code == 404


def test_suspended_then_restored_comes_back(app, post, meili, search_ids):
    listing = post(title="Lò hơi đốt trấu")
    moderator = make_moderator()
    lifecycle.suspend(listing, moderator.id, "Kiểm tra")
    db.session.commit()
    drain()
    settle(meili)
    assert index_ids(meili, app) == set()
    assert search_ids(q="lò hơi") == []
    lifecycle.restore(listing, moderator.id, "Đã kiểm tra")
    db.session.commit()
    drain()
    settle(meili)
    assert search_ids(q="lò hơi đốt trấu") == [listing.id]


def test_expired_listings_are_gone_even_before_the_job_runs(app, post, meili, clock,
                                                            search_ids):
    listing = post(title="Máy ấp trứng tự động", expires_at=utcnow() + timedelta(days=1))
    other = post(title="Máy ấp trứng bán tự động", expires_at=utcnow() + timedelta(days=30))
    assert set(search_ids(q="máy ấp trứng")) == {listing.id, other.id}
    clock.advance(days=1, seconds=1)
    # the index still has the document, but every query carries expires_at > now
    assert listing.id in index_ids(meili, app)
    assert search_ids(q="máy ấp trứng") == [other.id]
    assert lifecycle.expire_due() == 1
    db.session.commit()
    drain()
    settle(meili)
    assert index_ids(meili, app) == {other.id}


def test_a_pending_edit_stays_out_until_approved(client, post, owner, meili, search_ids):
    listing = post(title="Hệ thống tưới nhỏ giọt", summary="Tưới tiết kiệm nước.")
    lifecycle.save_edit(listing, owner.id, listing_content(
        title="Hệ thống tưới thông minh IoT", summary="Bản sửa chưa duyệt."))
    db.session.commit()
    drain()
    settle(meili)
    assert search_ids(q="IoT") == []
    assert search_ids(q="chưa duyệt") == []
    assert search_ids(q="tưới nhỏ giọt") == [listing.id]
    assert client.get(f"/api/v1/listings/{listing.id}").get_json()["title"] == \
        "Hệ thống tưới nhỏ giọt"
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    drain()
    settle(meili)
    assert search_ids(q="IoT") == [listing.id]
    assert search_ids(q="giọt") == []


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
