"""Reports reach the moderators' queue; moderators read reported threads and suspend senders."""
import pytest
from sqlalchemy import select

from exchange.errors import DomainError
from exchange.extensions import db
from exchange.inquiries import reports, services
from exchange.inquiries.models import Report
from exchange.moderation.models import AuditEntry, ItemKind, ItemState, QueueItem
from tests.factories import make_business, make_listing, make_member, make_moderator
from tests.inquiries.conftest import counts, send_inquiry, signed_in, token


@pytest.fixture
def thread(app, buyer, listing):
    thread = services.record_inquiry(buyer, listing, "Mua rẻ bán đắt, liên hệ zalo ngay!!!")
    db.session.commit()
    return thread


def test_reporting_a_thread_creates_a_report_item_in_the_queue(app, thread, seller, buyer):
    client = signed_in(app, seller)
    response = client.post(f"/account/inquiries/{thread.id}/report", data={
        "csrf_token": token(client), "reason": "spam", "text": "Quảng cáo lừa đảo"})
    assert response.status_code == 302
    report = db.session.scalars(select(Report)).one()
    item = db.session.get(QueueItem, report.queue_item_id)
    assert item.kind == ItemKind.REPORT and item.state == ItemState.WAITING
    assert item.listing_id == thread.listing_id
    assert item.business_id == buyer.business_id  # the reported side
    assert item.details["target"] == "thread" and item.details["thread_id"] == thread.id
    assert item.details["reason"] == "spam" and item.details["text"] == "Quảng cáo lừa đảo"
    assert item.details["reporter_id"] == seller.id
    assert "zalo" in item.details["excerpt"][0]["body"]

    # reporting the same thread again while the report waits is refused, nothing written
    response = client.post(f"/account/inquiries/{thread.id}/report", data={
        "csrf_token": token(client), "reason": "abuse"})
    assert response.status_code == 302
    assert db.session.scalar(select(db.func.count(QueueItem.id)).where(
        QueueItem.kind == ItemKind.REPORT)) == 1


def test_reporting_a_listing(app, seller, buyer, listing):
    client = signed_in(app, buyer)
    response = client.post(f"/listings/{listing.id}/report", data={
        "csrf_token": token(client), "reason": "abuse", "text": "Hàng giả"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    item = db.session.scalars(select(QueueItem).where(QueueItem.kind == ItemKind.REPORT)).one()
    assert (item.listing_id, item.business_id) == (listing.id, seller.business_id)
    assert item.details["target"] == "listing" and item.details["thread_id"] is None


def test_bad_reports_are_refused(app, seller, buyer, listing):
    with pytest.raises(DomainError):
        reports.report_listing(seller, listing, "spam")  # own listing
    with pytest.raises(DomainError):
        reports.report_listing(buyer, listing, "boring")  # unknown reason
    with pytest.raises(DomainError):
        reports.report_listing(buyer, listing, "spam", "x" * 5000)
    db.session.rollback()
    pending = make_listing(seller.business, seller, title="Chưa duyệt")
    client = signed_in(app, buyer)
    assert client.post(f"/listings/{pending.id}/report", data={
        "csrf_token": token(client), "reason": "spam"}).status_code == 404
    assert client.post(f"/listings/{listing.id}/report", data={
        "csrf_token": token(client), "reason": "boring"}).status_code == 302
    assert counts()["Report"] == 0
    assert db.session.scalar(select(db.func.count(QueueItem.id)).where(
        QueueItem.kind == ItemKind.REPORT)) == 0


def test_moderator_reads_the_reported_thread_and_suspends_the_sender(app, thread, seller, buyer):
    reports.report_thread(seller, thread, "spam")
    db.session.commit()
    moderator = make_moderator()
    client = signed_in(app, moderator)
    page = client.get(f"/moderation/inquiries/{thread.id}").get_data(as_text=True)
    assert "liên hệ zalo ngay" in page
    assert f"/moderation/members/{buyer.id}/suspend-inquiries" in page

    response = client.post(f"/moderation/members/{buyer.id}/suspend-inquiries", data={
        "csrf_token": token(client), "reason": "Spam nhiều lần",
        "next": f"/moderation/inquiries/{thread.id}"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/moderation/inquiries/{thread.id}")
    db.session.expire_all()
    assert buyer.can_send_inquiries is False
    audit = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "inquiries_suspended")).one()
    assert (audit.actor_id, audit.business_id, audit.reason) == (
        moderator.id, buyer.business_id, "Spam nhiều lần")
    assert audit.details["member_id"] == buyer.id

    # the suspended member can neither inquire nor reply
    buyer_client = signed_in(app, buyer)
    other = make_listing(seller.business, seller, title="Máy khác")
    from tests.factories import publish
    publish(other)
    assert send_inquiry(buyer_client, other.id).status_code == 403
    assert counts()["Thread"] == 1

    response = client.post(f"/moderation/members/{buyer.id}/restore-inquiries", data={
        "csrf_token": token(client), "reason": "Đã cam kết"})
    assert response.status_code == 302
    db.session.expire_all()
    assert buyer.can_send_inquiries is True


def test_suspension_needs_a_reason(app, buyer):
    moderator = make_moderator()
    with pytest.raises(DomainError):
        reports.suspend_member_inquiries(moderator.id, buyer.id, "  ")
    db.session.rollback()
    client = signed_in(app, moderator)
    client.post(f"/moderation/members/{buyer.id}/suspend-inquiries",
                data={"csrf_token": token(client), "reason": ""})
    db.session.expire_all()
    assert buyer.can_send_inquiries is True
    assert client.post("/moderation/members/999999/suspend-inquiries", data={
        "csrf_token": token(client), "reason": "x"}).status_code == 404


def test_moderator_reviews_a_reported_thread_and_stops_the_sender(app, thread, seller, buyer):
    report = reports.report_thread(seller, thread, "spam", "Quảng cáo lừa đảo")
    db.session.commit()
    moderator = make_moderator()
    client = signed_in(app, moderator)
    page = client.get(f"/moderation/{report.queue_item_id}?lang=en").get_data(as_text=True)
    assert "Quảng cáo lừa đảo" in page and "zalo" in page
    assert f"/moderation/inquiries/{thread.id}" in page
    assert f"/moderation/members/{buyer.id}/suspend-inquiries" in page
    assert f"/moderation/members/{seller.id}/suspend-inquiries" not in page  # the reporter
    response = client.post(f"/moderation/members/{buyer.id}/suspend-inquiries",
                           data={"csrf_token": token(client), "reason": "Quảng cáo lừa đảo",
                                 "next": f"/moderation/{report.queue_item_id}"})
    assert response.headers["Location"].endswith(f"/moderation/{report.queue_item_id}")
    db.session.refresh(buyer)
    assert buyer.can_send_inquiries is False


def test_staff_cannot_read_a_conversation_nobody_reported(app, thread):
    moderator = make_moderator()
    client = signed_in(app, moderator)
    response = client.get(f"/moderation/inquiries/{thread.id}")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "liên hệ zalo ngay" not in page
    assert "reported" in client.get(f"/moderation/inquiries/{thread.id}?lang=en").get_data(
        as_text=True)
    assert db.session.scalar(select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "thread_read")) == 0
    assert client.get("/moderation/inquiries/999999").status_code == 404


def test_a_report_on_another_conversation_opens_nothing(app, thread, seller, buyer, listing):
    asker = make_member(business=make_business(name="Công ty Hỏi Giá"))
    other = services.record_inquiry(asker, listing, "Cho hỏi giá.")
    db.session.commit()
    reports.report_thread(seller, other, "spam")
    db.session.commit()
    client = signed_in(app, make_moderator())
    assert client.get(f"/moderation/inquiries/{other.id}").status_code == 200
    assert client.get(f"/moderation/inquiries/{thread.id}").status_code == 403


def test_each_staff_read_of_a_reported_thread_is_in_the_audit_log(app, thread, seller):
    report = reports.report_thread(seller, thread, "spam")
    db.session.commit()
    moderator = make_moderator()
    client = signed_in(app, moderator)
    assert client.get(f"/moderation/inquiries/{thread.id}").status_code == 200

    # still readable once the report is decided, and each read is kept
    item = db.session.get(QueueItem, report.queue_item_id)
    item.state, item.decision = ItemState.DECIDED, "reject"
    db.session.commit()
    assert client.get(f"/moderation/inquiries/{thread.id}").status_code == 200
    reads = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "thread_read").order_by(AuditEntry.id)).all()
    assert [(r.actor_id, r.details["thread_id"], r.queue_item_id, r.listing_id) for r in reads] \
        == [(moderator.id, thread.id, item.id, thread.listing_id)] * 2
    audit_page = client.get("/moderation/audit?lang=en").get_data(as_text=True)
    assert "Read a reported conversation" in audit_page

    # a cancelled report no longer opens the conversation
    item.state = ItemState.CANCELLED
    db.session.commit()
    assert client.get(f"/moderation/inquiries/{thread.id}").status_code == 403

