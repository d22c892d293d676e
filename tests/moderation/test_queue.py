"""The queue itself: FIFO order, filters, claims and their expiry, statistics."""
from datetime import timedelta

import pytest

from exchange.errors import Conflict
from exchange.extensions import db
from exchange.moderation.models import AuditEntry, ItemKind, ItemState, QueueItem
from exchange.moderation.queue import queue_stats, waiting_items
from exchange.moderation.services import (
    ItemNotFound, claim_item, decide_item, enqueue_business, release_expired_claims,
)
from exchange.timeutil import utcnow
from tests.factories import make_business, make_listing
from tests.moderation.conftest import item_of

pytestmark = pytest.mark.usefixtures("request_ctx")


def _age(item, minutes):
    item.submitted_at = utcnow() - timedelta(minutes=minutes)
    db.session.commit()


def test_queue_is_first_in_first_out(owner):
    first = make_listing(owner.business, owner, title="Dây chuyền chế biến cà phê")
    second = make_listing(owner.business, owner, title="Máy ép viên nén mùn cưa")
    third = make_listing(owner.business, owner, title="Hệ thống tưới nhỏ giọt")
    _age(item_of(first), 30)
    _age(item_of(second), 90)
    _age(item_of(third), 10)
    business_item = enqueue_business(make_business(verified=False))
    _age(business_item, 60)

    items, total = waiting_items()
    assert total == 4
    assert [i.id for i in items] == [
        item_of(second).id, business_item.id, item_of(first).id, item_of(third).id,
    ]


def test_decided_and_withdrawn_items_leave_the_queue(owner, moderator):
    from exchange.listings import lifecycle
    kept = make_listing(owner.business, owner)
    decided = make_listing(owner.business, owner)
    withdrawn = make_listing(owner.business, owner)
    decide_item(item_of(decided).id, moderator.id, "approve")
    lifecycle.withdraw(withdrawn, owner.id)
    db.session.commit()

    items, total = waiting_items()
    assert [i.listing_id for i in items] == [kept.id] and total == 1


def test_filters_by_kind_sector_and_province(owner):
    farm = make_listing(owner.business, owner, sector="agriculture", province="dak_lak")
    ict = make_listing(owner.business, owner, sector="ict", province="ha_noi")
    business_item = enqueue_business(make_business(verified=False, sector="ict",
                                                   province="ha_noi"))

    def ids(**filters):
        return {i.id for i in waiting_items(**filters)[0]}

    assert ids(kind=ItemKind.BUSINESS) == {business_item.id}
    assert ids(kind=ItemKind.LISTING) == {item_of(farm).id, item_of(ict).id}
    assert ids(sector="ict") == {item_of(ict).id, business_item.id}
    assert ids(province="dak_lak") == {item_of(farm).id}
    assert ids(sector="ict", province="dak_lak") == set()


def test_claim_gives_the_item_to_one_moderator_for_a_while(app, pending, moderator,
                                                          other_moderator):
    item = claim_item(item_of(pending).id, moderator.id)
    db.session.commit()
    assert item.claimed_by_id == moderator.id
    minutes = app.config["CLAIM_MINUTES"]
    left = item.claim_expires_at - utcnow()
    assert timedelta(minutes=minutes - 1) < left <= timedelta(minutes=minutes)

    with pytest.raises(Conflict) as refused:
        claim_item(item.id, other_moderator.id)
    assert refused.value.code == "claimed"
    assert "Kiểm duyệt viên An" in str(refused.value.message)
    db.session.rollback()

    # claiming again extends one's own claim
    again = claim_item(item.id, moderator.id, now=utcnow() + timedelta(minutes=5))
    assert again.claim_expires_at > item.claim_expires_at - timedelta(seconds=1)
    db.session.commit()
    assert db.session.get(QueueItem, item.id).claimed_by_id == moderator.id


def test_claim_duration_comes_from_config(app, pending, moderator):
    app.config["CLAIM_MINUTES"] = 3
    item = claim_item(item_of(pending).id, moderator.id)
    assert item.claim_expires_at - utcnow() <= timedelta(minutes=3)


def test_an_expired_claim_returns_the_item_to_the_queue(pending, moderator, other_moderator):
    item_id = item_of(pending).id
    claim_item(item_id, moderator.id)
    db.session.commit()
    later = utcnow() + timedelta(minutes=16)

    item = claim_item(item_id, other_moderator.id, now=later)
    db.session.commit()
    assert item.claimed_by_id == other_moderator.id

    # and the first moderator, whose claim ran out, can no longer decide it
    with pytest.raises(Conflict):
        decide_item(item_id, moderator.id, "approve", now=later)
    db.session.rollback()


def test_release_expired_claims(pending, moderator):
    item_id = item_of(pending).id
    claim_item(item_id, moderator.id)
    db.session.commit()
    assert release_expired_claims() == 0
    assert release_expired_claims(now=utcnow() + timedelta(minutes=20)) == 1
    db.session.commit()
    item = db.session.get(QueueItem, item_id)
    assert item.claimed_by_id is None and item.state == ItemState.WAITING


def test_a_second_moderator_cannot_decide_a_claimed_item(pending, moderator, other_moderator):
    item_id = item_of(pending).id
    claim_item(item_id, moderator.id)
    db.session.commit()

    with pytest.raises(Conflict) as refused:
        decide_item(item_id, other_moderator.id, "reject", "Trùng lặp")
    assert refused.value.code == "claimed"
    db.session.rollback()

    item = db.session.get(QueueItem, item_id)
    assert item.state == ItemState.WAITING and item.decision is None
    assert pending.status == "pending_review"


def test_claims_are_audited(pending, moderator):
    item = claim_item(item_of(pending).id, moderator.id)
    db.session.commit()
    entry = db.session.scalar(db.select(AuditEntry).where(AuditEntry.action == "claimed"))
    assert entry.actor_id == moderator.id and entry.queue_item_id == item.id
    assert entry.listing_id == pending.id


def test_forged_item_id(moderator):
    with pytest.raises(ItemNotFound):
        claim_item(987654, moderator.id)
    with pytest.raises(ItemNotFound):
        decide_item(987654, moderator.id, "approve")


def test_stats_count_states_and_measure_waiting(owner, moderator):
    now = utcnow()
    listings = [make_listing(owner.business, owner) for _ in range(4)]
    items = [item_of(listing) for listing in listings]
    # decided after waiting 1 h, 3 h and 5 h; one still waiting for two days
    for item, hours in zip(items[:3], (1, 3, 5)):
        item.submitted_at = now - timedelta(hours=hours, minutes=10)
        db.session.commit()
        decide_item(item.id, moderator.id, "approve", now=now - timedelta(minutes=10))
        db.session.commit()
    items[3].submitted_at = now - timedelta(days=2)
    # a decision older than a week does not count towards the median
    old = make_listing(owner.business, owner)
    old_item = item_of(old)
    old_item.submitted_at = now - timedelta(days=20)
    db.session.commit()
    decide_item(old_item.id, moderator.id, "approve", now=now - timedelta(days=10))
    db.session.commit()

    stats = queue_stats(now=now)
    assert stats.counts == {"waiting": 1, "decided": 4, "cancelled": 0}
    assert stats.waiting_by_kind["listing"] == 1
    assert stats.oldest.id == items[3].id
    assert stats.median_wait == timedelta(hours=3)
    assert stats.decided_recently == 3


def test_release_claims_command(app, pending, moderator):
    item_id = item_of(pending).id
    claim_item(item_id, moderator.id, now=utcnow() - timedelta(hours=1))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["exchange", "release-claims"])
    assert result.exit_code == 0, result.output
    assert "1 expired claim(s) released" in result.output
    db.session.expire_all()
    assert db.session.get(QueueItem, item_id).claimed_by_id is None
    result = app.test_cli_runner().invoke(args=["exchange", "queue-stats"])
    assert result.exit_code == 0 and "waiting: 1" in result.output


def test_items_decided_outside_the_queue_are_not_shown_as_work(owner):
    from exchange.listings import lifecycle
    waiting = make_listing(owner.business, owner)
    approved_elsewhere = make_listing(owner.business, owner)
    lifecycle.approve_revision(approved_elsewhere.latest_revision)
    db.session.commit()

    items, total = waiting_items()
    assert [i.listing_id for i in items] == [waiting.id] and total == 1
    stats = queue_stats()
    assert stats.counts["waiting"] == 1 and stats.oldest.listing_id == waiting.id
