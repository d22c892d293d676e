"""Decisions through the service: their effect on the listing, the audit log and the mail."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.effects import drain
from exchange.errors import Conflict, DomainError, IllegalTransition
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.mail import OutboxMail, send_pending
from exchange.moderation.models import AuditEntry, ItemKind, ItemState, QueueItem
from exchange.moderation.services import (
    claim_item, decide_item, enqueue_business, restore_listing, suspend_listing,
)
from exchange.search.models import IndexJob
from exchange.timeutil import utcnow
from tests.factories import make_business, make_member, publish
from tests.moderation.conftest import item_of

pytestmark = pytest.mark.usefixtures("request_ctx")


def decide(item_id, moderator, decision, reason=None):
    item = decide_item(item_id, moderator.id, decision, reason)
    db.session.commit()
    drain()
    return item


def edit(listing, owner, **changes):
    """The owner saves the edit form: the whole content, some of it changed."""
    latest = listing.latest_revision
    latest.files  # noqa: B018 - loaded before the new revision exists (lifecycle autoflush)
    return lifecycle.save_edit(listing, owner.id, {**latest.content(), **changes})


def audit(action):
    return db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()


def test_approve_publishes_the_listing_and_tells_the_owner(pending, owner, moderator, smtp):
    item_id = item_of(pending).id
    claim_item(item_id, moderator.id)
    db.session.commit()

    item = decide(item_id, moderator, "approve")

    assert item.state == ItemState.DECIDED and item.decision == "approve"
    assert item.decided_by_id == moderator.id and item.decided_at is not None
    assert pending.status == "published" and pending.is_public
    assert pending.approved_revision_id == pending.latest_revision.id
    assert db.session.scalar(select(IndexJob).where(IndexJob.listing_id == pending.id))
    [entry] = audit("approved")
    assert entry.actor_id == moderator.id and entry.listing_id == pending.id
    assert entry.queue_item_id == item_id

    [mail] = smtp.wait_for(1)
    assert mail["To"] == owner.email
    assert "Máy sấy nông sản" in mail["Subject"]
    assert f"http://exchange.test/listings/{pending.id}" in smtp.body(mail)


def test_request_changes_sends_it_back_with_the_reason(pending, owner, moderator, smtp):
    item_id = item_of(pending).id
    decide(item_id, moderator, "request_changes", "Bổ sung thông số kỹ thuật của máy.")

    assert pending.status == "changes_requested" and not pending.is_public
    revision = pending.latest_revision
    assert revision.status == "changes_requested"
    assert revision.decision_reason == "Bổ sung thông số kỹ thuật của máy."
    [entry] = audit("changes_requested")
    assert entry.reason == "Bổ sung thông số kỹ thuật của máy."

    [mail] = smtp.wait_for(1)
    body = smtp.body(mail)
    assert "Bổ sung thông số kỹ thuật của máy." in body
    assert f"/listings/{pending.id}/edit" in body

    # the owner edits and the listing is back in the queue
    edit(pending, owner, description="Công suất 500 kg/mẻ, 3 pha.")
    db.session.commit()
    again = item_of(pending)
    assert again is not None and again.id != item_id and again.state == ItemState.WAITING
    assert pending.status == "pending_review"


def test_reject_keeps_the_listing_offline(pending, owner, moderator, smtp):
    decide(item_of(pending).id, moderator, "reject", "Không thuộc lĩnh vực công nghệ.")
    assert pending.status == "rejected" and not pending.is_public
    assert audit("rejected")[0].reason == "Không thuộc lĩnh vực công nghệ."
    [mail] = smtp.wait_for(1)
    assert "Không thuộc lĩnh vực công nghệ." in smtp.body(mail)


def test_an_edit_of_a_published_listing_is_decided_while_the_old_version_stays_public(
        pending, owner, moderator, smtp):
    publish(pending)
    first = pending.approved_revision
    edit(pending, owner, title="Máy sấy nông sản thế hệ mới")
    db.session.commit()
    item = item_of(pending)
    assert item.kind == ItemKind.REVISION

    decide(item.id, moderator, "request_changes", "Ảnh không rõ.")
    assert pending.status == "published" and pending.approved_revision_id == first.id

    edit(pending, owner, title="Máy sấy nông sản thế hệ mới (2025)")
    db.session.commit()
    decide(item_of(pending).id, moderator, "approve")
    assert pending.status == "published"
    assert pending.approved_revision.title == "Máy sấy nông sản thế hệ mới (2025)"
    assert first.status == "superseded"
    mails = smtp.wait_for(2)
    assert "Ảnh không rõ." in smtp.body(mails[0])


def test_business_verification(moderator, smtp):
    business = make_business(verified=False, name="Công ty Cơ khí Thành Công")
    founder = make_member(business=business)
    item = enqueue_business(business)
    db.session.commit()
    assert enqueue_business(business).id == item.id  # queued once

    decide(item.id, moderator, "approve")
    assert business.is_verified
    assert audit("business_verified")[0].business_id == business.id
    [mail] = smtp.wait_for(1)
    assert mail["To"] == founder.email and "Công ty Cơ khí Thành Công" in mail["Subject"]


def test_business_rejection_records_the_reason(moderator, smtp):
    business = make_business(verified=False)
    make_member(business=business)
    item = enqueue_business(business)
    db.session.commit()

    with pytest.raises(DomainError):
        decide_item(item.id, moderator.id, "request_changes", "?")
    db.session.rollback()

    decide(item.id, moderator, "reject", "Mã số thuế không khớp với tên doanh nghiệp.")
    assert not business.is_verified
    assert item.reason == "Mã số thuế không khớp với tên doanh nghiệp."
    assert audit("business_rejected")[0].reason == item.reason
    assert item.reason in smtp.body(smtp.wait_for(1)[0])


def _snapshot(listing):
    db.session.expire_all()
    return (
        listing.status,
        [r.status for r in listing.revisions],
        [(i.state, i.decision) for i in db.session.scalars(select(QueueItem))],
        db.session.scalar(select(db.func.count()).select_from(AuditEntry)),
        db.session.scalar(select(db.func.count()).select_from(OutboxMail)),
    )


@pytest.mark.parametrize("decision, reason, code", [
    ("publish", "x", "unknown_decision"),
    ("", "x", "unknown_decision"),
    ("reject", "", "reason_required"),
    ("request_changes", "   ", "reason_required"),
    ("reject", "x" * 5000, "reason_too_long"),
])
def test_bad_decisions_change_nothing(pending, moderator, decision, reason, code):
    before = _snapshot(pending)
    with pytest.raises(DomainError) as refused:
        decide_item(item_of(pending).id, moderator.id, decision, reason)
    db.session.rollback()
    assert refused.value.code == code
    assert _snapshot(pending) == before


def test_an_item_is_decided_once(pending, moderator, other_moderator):
    item_id = item_of(pending).id
    decide(item_id, moderator, "approve")
    before = _snapshot(pending)
    with pytest.raises(Conflict) as refused:
        decide_item(item_id, other_moderator.id, "reject", "Trùng")
    db.session.rollback()
    assert refused.value.code == "already_decided"
    assert "Kiểm duyệt viên An" in str(refused.value.message)
    with pytest.raises(Conflict):
        decide_item(item_id, moderator.id, "approve")
    db.session.rollback()
    assert _snapshot(pending) == before


def test_a_withdrawn_listing_cannot_be_decided(pending, owner, moderator):
    item_id = item_of(pending).id
    lifecycle.withdraw(pending, owner.id)
    db.session.commit()
    before = _snapshot(pending)
    with pytest.raises(Conflict) as refused:
        decide_item(item_id, moderator.id, "approve")
    db.session.rollback()
    assert refused.value.code == "cancelled"
    with pytest.raises(Conflict):
        claim_item(item_id, moderator.id)
    db.session.rollback()
    assert _snapshot(pending) == before


def test_suspend_and_restore(pending, owner, moderator, smtp):
    publish(pending)
    with pytest.raises(DomainError):
        suspend_listing(pending.id, moderator.id, "  ")
    db.session.rollback()

    suspend_listing(pending.id, moderator.id, "Nội dung gây hiểu lầm.")
    db.session.commit()
    drain()
    assert pending.status == "suspended" and not pending.is_public
    assert audit("suspended")[0].reason == "Nội dung gây hiểu lầm."
    assert "Nội dung gây hiểu lầm." in smtp.body(smtp.wait_for(1)[0])

    with pytest.raises(IllegalTransition):
        suspend_listing(pending.id, moderator.id, "again")
    db.session.rollback()

    restore_listing(pending.id, moderator.id, "Chủ sở hữu đã giải trình.")
    db.session.commit()
    drain()
    assert pending.status == "published" and pending.is_public
    assert audit("restored")[0].actor_id == moderator.id
    smtp.wait_for(2)
    reasons = [j.reason for j in db.session.scalars(
        select(IndexJob).where(IndexJob.listing_id == pending.id).order_by(IndexJob.id))]
    assert reasons[-2:] == ["suspended", "restored"]


def test_the_decision_stands_when_mail_is_down_and_the_mail_goes_later(
        pending, owner, moderator, smtp):
    smtp.stop()
    item = decide(item_of(pending).id, moderator, "approve")
    assert item.state == ItemState.DECIDED and pending.status == "published"
    mail = db.session.scalar(select(OutboxMail))
    assert mail.sent_at is None and mail.attempts == 1 and mail.last_error

    smtp.start()
    assert send_pending() == 0  # backing off: not due yet
    mail.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert send_pending() == 1
    [arrived] = smtp.wait_for(1)
    assert arrived["To"] == owner.email
    assert db.session.get(OutboxMail, mail.id).sent_at is not None


def test_one_mail_per_item_however_often_the_decision_runs(pending, moderator):
    item_id = item_of(pending).id
    decide(item_id, moderator, "approve")
    keys = db.session.scalars(select(OutboxMail.dedupe_key)).all()
    assert keys == [f"moderation-decision-{item_id}"]


def test_content_of_the_listing_is_unchanged_by_a_decision(pending, moderator):
    content = pending.latest_revision.content()
    decide(item_of(pending).id, moderator, "approve")
    assert pending.latest_revision.content() == content
