"""Reading the review queue: FIFO rows with filters, queue statistics, business history."""
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from exchange.accounts.models import Business
from exchange.extensions import db
from exchange.listings.models import Listing, Revision, RevisionStatus
from exchange.moderation.models import AuditEntry, ItemKind, ItemState, QueueItem
from exchange.timeutil import utcnow

PAGE_SIZE = 50
STATS_WINDOW = timedelta(days=7)


@dataclass
class QueueStats:
    counts: dict            # ItemState value -> number of items
    waiting_by_kind: dict   # ItemKind value -> number of waiting items
    claimed: int            # waiting items under a live claim
    oldest: QueueItem | None
    median_wait: timedelta | None  # over items decided in the last 7 days
    decided_recently: int


def _waiting():
    """Waiting items whose subject can still be reviewed. An item whose revision was decided
    by another path (seed data, the `approve` command) is not work for a moderator."""
    return (
        select(QueueItem)
        .outerjoin(Revision, Revision.id == QueueItem.revision_id)
        .where(QueueItem.state == ItemState.WAITING,
               or_(QueueItem.revision_id.is_(None), Revision.status == RevisionStatus.PENDING))
    )


def _filtered(query, kind=None, sector=None, province=None):
    """Filter by the subject's sector/province: the revision's for listings, the business's
    for business verifications."""
    if kind:
        query = query.where(QueueItem.kind == kind)
    if sector or province:
        query = query.outerjoin(Business, Business.id == QueueItem.business_id)
        for value, rev_col, biz_col in (
            (sector, Revision.sector, Business.sector),
            (province, Revision.province, Business.province),
        ):
            if value:
                query = query.where(or_(
                    rev_col == value,
                    and_(QueueItem.revision_id.is_(None), biz_col == value),
                ))
    return query


def waiting_items(kind=None, sector=None, province=None, page=1, per_page=PAGE_SIZE):
    """Waiting items, oldest first, with what a queue row shows loaded up front."""
    base = _filtered(_waiting(), kind=kind, sector=sector, province=province)
    total = db.session.scalar(select(func.count()).select_from(base.subquery()))
    page = max(1, int(page or 1))
    items = db.session.scalars(
        base.options(
            contains_eager(QueueItem.revision),
            joinedload(QueueItem.business),
            joinedload(QueueItem.claimed_by),
        )
        .order_by(QueueItem.submitted_at, QueueItem.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).unique().all()
    return items, total


def queue_stats(now=None) -> QueueStats:
    now = now or utcnow()
    counts = {state.value: 0 for state in ItemState}
    for state, n in db.session.execute(
        select(QueueItem.state, func.count())
        .where(QueueItem.state != ItemState.WAITING)
        .group_by(QueueItem.state)
    ):
        counts[state] = n
    waiting = _waiting().subquery()
    waiting_by_kind = {kind.value: 0 for kind in ItemKind}
    for kind, n in db.session.execute(
        select(waiting.c.kind, func.count()).group_by(waiting.c.kind)
    ):
        waiting_by_kind[kind] = n
    counts[ItemState.WAITING.value] = sum(waiting_by_kind.values())
    claimed = db.session.scalar(
        select(func.count()).select_from(waiting).where(
            waiting.c.claimed_by_id.is_not(None), waiting.c.claim_expires_at > now,
        )
    )
    oldest = db.session.scalar(
        _waiting()
        .options(contains_eager(QueueItem.revision), joinedload(QueueItem.business))
        .order_by(QueueItem.submitted_at, QueueItem.id)
        .limit(1)
    )
    waits = [
        decided - submitted
        for submitted, decided in db.session.execute(
            select(QueueItem.submitted_at, QueueItem.decided_at).where(
                QueueItem.state == ItemState.DECIDED,
                QueueItem.decided_at >= now - STATS_WINDOW,
            )
        )
    ]
    median_wait = statistics.median(waits) if waits else None
    return QueueStats(counts=counts, waiting_by_kind=waiting_by_kind, claimed=claimed,
                      oldest=oldest, median_wait=median_wait, decided_recently=len(waits))


def age(since: datetime, now=None) -> timedelta:
    return (now or utcnow()) - since


def business_history(business_id, exclude_item_id=None, limit=20):
    """What a moderator should know about a business: earlier decisions, other listings."""
    decisions = db.session.scalars(
        select(QueueItem)
        .options(joinedload(QueueItem.revision), joinedload(QueueItem.decided_by))
        .where(QueueItem.business_id == business_id, QueueItem.state == ItemState.DECIDED,
               QueueItem.id != (exclude_item_id or 0))
        .order_by(QueueItem.decided_at.desc())
        .limit(limit)
    ).unique().all()
    listings = db.session.scalars(
        select(Listing)
        .options(selectinload(Listing.revisions))
        .where(Listing.business_id == business_id)
        .order_by(Listing.created_at.desc())
        .limit(limit)
    ).all()
    return decisions, listings


def audit_entries(listing_id=None, actor_id=None, business_id=None, page=1,
                  per_page=PAGE_SIZE):
    query = select(AuditEntry)
    if listing_id:
        query = query.where(AuditEntry.listing_id == listing_id)
    if actor_id:
        query = query.where(AuditEntry.actor_id == actor_id)
    if business_id:
        query = query.where(AuditEntry.business_id == business_id)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    page = max(1, int(page or 1))
    entries = db.session.scalars(
        query.options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return entries, total


def latest_business_review(business_id: int) -> QueueItem | None:
    """The business's newest verification item (its member's dashboard shows the outcome)."""
    return db.session.scalar(
        select(QueueItem)
        .where(QueueItem.business_id == business_id, QueueItem.kind == ItemKind.BUSINESS)
        .order_by(QueueItem.submitted_at.desc(), QueueItem.id.desc())
        .limit(1)
    )
