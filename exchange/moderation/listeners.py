"""What moderation hears: a version sent for review or decided, a listing withdrawn, a
business registered. Each receiver writes the queue's own rows in the sender's
transaction; connect() runs when create_app registers the moderation blueprint."""
from sqlalchemy import insert, select

from exchange.accounts import signals as account_signals
from exchange.accounts.dashboard import DASHBOARD
from exchange.core.audit import AuditEntry, record_audit
from exchange.core.panels import register_page_part
from exchange.extensions import db
from exchange.listings import signals as listing_signals
from exchange.moderation.decisions import record_decision
from exchange.moderation.models import ItemKind, ItemState, QueueItem
from exchange.moderation.queue import latest_business_review
from exchange.moderation.services import enqueue_business
from exchange.timeutil import utcnow


def revision_submitted(listing, *, revision, kind, actor_id, action, **_):
    item = _enqueue(listing, revision, ItemKind(kind))
    record_audit(action, actor_id=actor_id, listing_id=listing.id,
                 business_id=listing.business_id, queue_item_id=item.id)


def _enqueue(listing, revision, kind) -> QueueItem:
    existing = db.session.scalar(
        select(QueueItem).where(QueueItem.revision_id == revision.id,
                                QueueItem.state == ItemState.WAITING)
    )
    if existing:
        return existing
    item = QueueItem(kind=kind, listing_id=listing.id, revision_id=revision.id,
                     business_id=listing.business_id, submitted_at=utcnow())
    db.session.add(item)
    db.session.flush()
    return item


def revisions_submitted_in_bulk(_sender, *, made, actor_id, **_):
    """submit_new_many's queue items and "submitted" entries, as bulk inserts."""
    now = utcnow()
    listing_ids = [m["listing_id"] for m in made]
    db.session.execute(insert(QueueItem.__table__), [
        {"kind": ItemKind.LISTING, "listing_id": m["listing_id"],
         "revision_id": m["revision_id"], "business_id": m["business_id"],
         "submitted_at": now, "details": {}}
        for m in made])
    item_for = dict(db.session.execute(
        select(QueueItem.listing_id, QueueItem.id).where(QueueItem.listing_id.in_(listing_ids))
    ).all())
    for m in made:
        m["queue_item_id"] = item_for[m["listing_id"]]
    db.session.execute(insert(AuditEntry.__table__), [
        {"action": "submitted", "actor_id": actor_id, "listing_id": m["listing_id"],
         "business_id": m["business_id"], "queue_item_id": m["queue_item_id"], "details": {}}
        for m in made])


def revision_decided(listing, *, revision, decision, reason, **_):
    # a decision made outside the queue (demo data, tests) must not leave the item waiting;
    # the queue, the CLI and an import record theirs first, and nothing is waiting here
    record_decision(QueueItem.revision_id == revision.id, decision, None, reason,
                    via="lifecycle")


def listing_withdrawn(listing, **_):
    record_decision(QueueItem.listing_id == listing.id, None, via="owner")


def business_registered(business, **_):
    enqueue_business(business)


def business_review_part(member, page, _gathered) -> dict:
    business_id = member.business_id
    return {"business_review": latest_business_review(business_id) if business_id else None}


def connect(state) -> None:
    listing_signals.revision_submitted.connect(revision_submitted)
    listing_signals.revisions_submitted_in_bulk.connect(revisions_submitted_in_bulk)
    listing_signals.revision_decided.connect(revision_decided)
    listing_signals.listing_withdrawn.connect(listing_withdrawn)
    account_signals.business_registered.connect(business_registered)
    register_page_part(state.app, DASHBOARD, business_review_part)
