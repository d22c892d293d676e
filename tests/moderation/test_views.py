"""The review queue as moderators use it: pages, forms with CSRF, and who may use them."""
import io
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.files import prepare_image, stored
from exchange.mail import OutboxMail
from exchange.moderation.models import AuditEntry, ItemState, QueueItem
from exchange.moderation.services import claim_item, enqueue_business
from exchange.timeutil import utcnow
from tests.conftest import extract_csrf
from tests.factories import (
    listing_content, login, make_business, make_listing, make_member, publish,
)
from tests.moderation.conftest import item_of, post


def routes(item_id, listing_id):
    return [
        ("GET", "/moderation"),
        ("GET", "/moderation/audit"),
        ("GET", f"/moderation/{item_id}"),
        ("POST", f"/moderation/{item_id}/claim"),
        ("POST", f"/moderation/{item_id}/release"),
        ("POST", f"/moderation/{item_id}/decision"),
        ("GET", f"/moderation/listings/{listing_id}"),
        ("POST", f"/moderation/listings/{listing_id}/suspend"),
        ("POST", f"/moderation/listings/{listing_id}/restore"),
    ]


def test_anonymous_visitors_are_sent_to_login(client, pending):
    csrf = extract_csrf(client.get("/auth/login").get_data(as_text=True))
    for method, url in routes(item_of(pending).id, pending.id):
        response = client.open(url, method=method,
                               data={"decision": "approve", "csrf_token": csrf})
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"], url
    assert item_of(pending).state == ItemState.WAITING


def test_members_are_refused(client, owner, pending):
    login(client, owner)
    csrf = extract_csrf(client.get("/account").get_data(as_text=True))
    for method, url in routes(item_of(pending).id, pending.id):
        response = client.open(url, method=method,
                               data={"decision": "approve", "reason": "x", "csrf_token": csrf})
        assert response.status_code == 403, url
    assert item_of(pending).state == ItemState.WAITING
    assert pending.status == "pending_review"


def test_admins_may_moderate(client, admin, pending):
    login(client, admin)
    assert client.get("/moderation").status_code == 200
    response = post(client, f"/moderation/{item_of(pending).id}/decision",
                    {"decision": "approve"})
    assert response.status_code == 302


def test_the_queue_page(mod_client, owner, moderator, other_moderator):
    old = make_listing(owner.business, owner, title="Dây chuyền sấy lạnh trái cây")
    taken = make_listing(owner.business, owner, title="Robot hàn tự động")
    item_of(old).submitted_at = utcnow() - timedelta(hours=5)
    db.session.commit()
    claim_item(item_of(taken).id, other_moderator.id)
    business = make_business(verified=False, name="HTX Nông nghiệp Xanh")
    enqueue_business(business)
    db.session.commit()

    html = mod_client.get("/moderation?lang=en").get_data(as_text=True)
    assert html.index("Dây chuyền sấy lạnh trái cây") < html.index("Robot hàn tự động")
    assert "HTX Nông nghiệp Xanh" in html
    assert "5 hours" in html  # age of the oldest item, also shown at the top
    assert "Taken by Kiểm duyệt viên Bình" in html
    assert 'data-stat="waiting">3<' in html

    filtered = mod_client.get("/moderation?kind=business").get_data(as_text=True)
    assert "HTX Nông nghiệp Xanh" in filtered and "Robot hàn tự động" not in filtered
    # unknown filter values are ignored rather than failing
    assert mod_client.get("/moderation?kind=nope&sector=x&page=abc").status_code == 200


def test_claim_then_decide_through_the_pages(mod_client, pending, owner, moderator, smtp):
    item_id = item_of(pending).id
    response = post(mod_client, f"/moderation/{item_id}/claim")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/moderation/{item_id}")
    assert db.session.get(QueueItem, item_id).claimed_by_id == moderator.id

    page = mod_client.get(f"/moderation/{item_id}").get_data(as_text=True)
    assert "Máy sấy nông sản năng lượng mặt trời" in page
    assert "<strong>500 kg/mẻ</strong>" in page  # the description as the public sees it
    assert 'name="decision"' in page and 'name="reason"' in page

    response = post(mod_client, f"/moderation/{item_id}/decision",
                    {"decision": "request_changes", "common_reason": "incomplete",
                     "reason": "Cần thêm công suất điện."}, token_from=f"/moderation/{item_id}")
    assert response.status_code == 302
    item = db.session.get(QueueItem, item_id)
    assert item.decision == "request_changes"
    assert "Cần thêm công suất điện." in item.reason
    assert "technical specifications" in item.reason or "thông số" in item.reason
    assert pending.status == "changes_requested"
    [mail] = smtp.wait_for(1)
    assert mail["To"] == owner.email and "Cần thêm công suất điện." in smtp.body(mail)


@pytest.mark.parametrize("data, status, message", [
    ({"decision": "publish"}, 400, "Unknown decision"),
    ({}, 400, "Unknown decision"),
    ({"decision": "reject"}, 400, "Give the owner a reason"),
    ({"decision": "reject", "reason": "   "}, 400, "Give the owner a reason"),
])
def test_bad_decisions_are_explained_and_change_nothing(mod_client, pending, data, status,
                                                       message):
    item_id = item_of(pending).id
    response = post(mod_client, f"/moderation/{item_id}/decision?lang=en", data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    item = db.session.get(QueueItem, item_id)
    assert item.state == ItemState.WAITING and pending.status == "pending_review"
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMail)) == 0


def test_forged_and_foreign_ids(mod_client, pending):
    assert post(mod_client, "/moderation/999999/decision", {"decision": "approve"}).status_code == 404
    assert post(mod_client, "/moderation/999999/claim").status_code == 404
    assert mod_client.get("/moderation/999999").status_code == 404
    assert post(mod_client, "/moderation/abc/decision", {"decision": "approve"}).status_code == 404
    assert post(mod_client, "/moderation/listings/999999/suspend",
                {"reason": "x"}).status_code == 404


def test_missing_csrf_token_is_refused(mod_client, pending):
    response = mod_client.post(f"/moderation/{item_of(pending).id}/decision",
                               data={"decision": "approve"})
    assert response.status_code == 400
    assert pending.status == "pending_review"


def test_an_item_taken_by_another_moderator(mod_client, pending, other_moderator):
    item_id = item_of(pending).id
    claim_item(item_id, other_moderator.id)
    db.session.commit()

    page = mod_client.get(f"/moderation/{item_id}?lang=en").get_data(as_text=True)
    assert "Taken by Kiểm duyệt viên Bình" in page and 'name="decision"' not in page

    response = post(mod_client, f"/moderation/{item_id}/claim?lang=en",
                    follow_redirects=True)
    assert "being reviewed by Kiểm duyệt viên Bình" in response.get_data(as_text=True)
    response = post(mod_client, f"/moderation/{item_id}/decision?lang=en",
                    {"decision": "approve"})
    assert response.status_code == 409
    assert "being reviewed by Kiểm duyệt viên Bình" in response.get_data(as_text=True)
    assert pending.status == "pending_review"


def test_deciding_twice_or_after_withdrawal(mod_client, owner, moderator):
    decided = make_listing(owner.business, owner)
    item_id = item_of(decided).id
    assert post(mod_client, f"/moderation/{item_id}/decision", {"decision": "approve"}).status_code == 302
    response = post(mod_client, f"/moderation/{item_id}/decision?lang=en",
                    {"decision": "reject", "reason": "x"})
    assert response.status_code == 409 and "already decided" in response.get_data(as_text=True)
    assert decided.status == "published"

    withdrawn = make_listing(owner.business, owner)
    item_id = item_of(withdrawn).id
    lifecycle.withdraw(withdrawn, owner.id)
    db.session.commit()
    response = post(mod_client, f"/moderation/{item_id}/decision?lang=en",
                    {"decision": "approve"})
    assert response.status_code == 409 and "withdrawn" in response.get_data(as_text=True)
    assert withdrawn.status == "withdrawn"


def test_review_of_an_edit_shows_a_diff(mod_client, pending, owner):
    publish(pending)
    latest = pending.latest_revision
    latest.files  # noqa: B018
    lifecycle.save_edit(pending, owner.id, {
        **latest.content(),
        "title": "Máy sấy nông sản thế hệ mới",
        "price_vnd": 300_000_000,
        "sector": "food_processing",
        "description": "Công suất **500 kg/mẻ**, tiết kiệm 60% điện năng.\nBảo hành 24 tháng.",
    })
    db.session.commit()
    page = mod_client.get(f"/moderation/{item_of(pending).id}?lang=en").get_data(as_text=True)
    assert 'id="revision-diff"' in page
    assert 'data-field="title"' in page and '<ins class="diff-ins"> thế hệ mới</ins>' in page
    assert 'data-field="price_vnd"' in page and "300,000,000" in page
    assert "Agriculture" in page and "Food processing" in page
    assert "+ Bảo hành 24 tháng." in page
    assert 'data-field="summary"' not in page


def test_business_history_on_the_review_page(mod_client, owner, moderator):
    earlier = make_listing(owner.business, owner, title="Tủ sấy cũ")
    post(mod_client, f"/moderation/{item_of(earlier).id}/decision",
         {"decision": "reject", "reason": "Thiếu hình ảnh."})
    current = make_listing(owner.business, owner, title="Tủ sấy mới")
    page = mod_client.get(f"/moderation/{item_of(current).id}").get_data(as_text=True)
    history = page[page.index('id="business-history"'):]
    assert "Tủ sấy cũ" in history and "Thiếu hình ảnh." in history


def test_business_verification_through_the_pages(mod_client, smtp):
    business = make_business(verified=False, name="Viện Cơ điện Nông nghiệp")
    make_member(business=business)
    item = enqueue_business(business)
    db.session.commit()
    page = mod_client.get(f"/moderation/{item.id}").get_data(as_text=True)
    assert business.tax_code in page and 'value="request_changes"' not in page
    assert post(mod_client, f"/moderation/{item.id}/decision",
                {"decision": "approve"}).status_code == 302
    assert db.session.get(type(business), business.id).is_verified
    smtp.wait_for(1)


def test_suspend_and_restore_through_the_pages(mod_client, pending, smtp):
    publish(pending)
    url = f"/moderation/listings/{pending.id}"
    assert 'id="suspend"' in mod_client.get(url).get_data(as_text=True)

    response = post(mod_client, f"{url}/suspend?lang=en", {"reason": ""}, token_from=url)
    assert response.status_code == 400 and "Give a reason" in response.get_data(as_text=True)
    assert pending.status == "published"

    response = post(mod_client, f"{url}/suspend", {"common_reason": "misleading"},
                    token_from=url)
    assert response.status_code == 302 and pending.status == "suspended"
    response = post(mod_client, f"{url}/suspend?lang=en", {"reason": "again"}, token_from=url)
    assert response.status_code == 409

    response = post(mod_client, f"{url}/restore", {"reason": "Đã sửa."}, token_from=url)
    assert response.status_code == 302 and pending.status == "published"
    smtp.wait_for(2)


def test_audit_log_per_listing_and_per_moderator(mod_client, owner, moderator,
                                                 other_moderator):
    first = make_listing(owner.business, owner)
    second = make_listing(owner.business, owner)
    post(mod_client, f"/moderation/{item_of(first).id}/decision",
         {"decision": "reject", "reason": "Lý do thứ nhất"})
    claim_item(item_of(second).id, other_moderator.id)
    db.session.commit()

    page = mod_client.get(f"/moderation/audit?listing_id={first.id}").get_data(as_text=True)
    assert "Lý do thứ nhất" in page and 'data-action="rejected"' in page
    page = mod_client.get(f"/moderation/audit?actor_id={other_moderator.id}").get_data(as_text=True)
    assert 'data-action="claimed"' in page and "Lý do thứ nhất" not in page
    assert mod_client.get("/moderation/audit?listing_id=abc").status_code == 200

    # read-only: the audit log has no route that changes it
    count = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    assert post(mod_client, "/moderation/audit", {}).status_code == 405
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == count


def test_no_inline_script_on_moderation_pages(mod_client, pending):
    for url in ("/moderation", f"/moderation/{item_of(pending).id}", "/moderation/audit",
                f"/moderation/listings/{pending.id}"):
        html = mod_client.get(url).get_data(as_text=True)
        assert "<script>" not in html and "style=" not in html, url


def _png(color=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "PNG")
    return out.getvalue()


def test_the_review_page_shows_unpublished_images_to_moderators_only(app, client, moderator,
                                                                      owner):
    image = prepare_image(FileStorage(io.BytesIO(_png()), filename="may-say.png"))
    with stored([image]) as files:
        listing = lifecycle.create_listing(owner.business.id, owner.id, "offer",
                                           listing_content(), files)
    lifecycle.submit(listing, owner.id)
    db.session.commit()
    file_id = listing.latest_revision.images[0].id
    thumb = f"/listings/{listing.id}/files/{file_id}/thumb"

    assert client.get(thumb).status_code in (403, 404)  # nothing unreviewed is public
    login(client, moderator)
    page = client.get(f"/moderation/{item_of(listing).id}").get_data(as_text=True)
    assert thumb in page and 'alt="may-say.png"' in page
    response = client.get(thumb)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
