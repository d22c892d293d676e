"""A business's track record on the exchange: member since, listings, reply time, deals."""
import statistics
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from exchange.accounts.models import Business
from exchange.deals.services import confirmed_counts
from exchange.extensions import db
from exchange.inquiries.models import Thread
from exchange.listings.models import Listing

# the median of a business's most recent first replies: old habits should fade
REPLY_SAMPLE = 200


@dataclass(frozen=True)
class TrackRecord:
    business_id: int
    member_since: datetime
    is_verified: bool
    listings_published: int
    median_first_reply: timedelta | None
    deals_confirmed: int

    @property
    def median_reply_hours(self) -> float | None:
        if self.median_first_reply is None:
            return None
        return round(self.median_first_reply.total_seconds() / 3600, 1)


def _published_counts(ids) -> dict[int, int]:
    return dict(db.session.execute(
        select(Listing.business_id, func.count(Listing.id))
        .where(Listing.business_id.in_(ids), Listing.published_at.is_not(None))
        .group_by(Listing.business_id)).all())


def _reply_medians(ids) -> dict[int, timedelta]:
    medians = {}
    for business_id in ids:
        rows = db.session.execute(
            select(Thread.created_at, Thread.owner_replied_at)
            .where(Thread.owner_business_id == business_id,
                   Thread.owner_replied_at.is_not(None))
            .order_by(Thread.created_at.desc()).limit(REPLY_SAMPLE)).all()
        if rows:
            medians[business_id] = timedelta(seconds=statistics.median(
                (replied - asked).total_seconds() for asked, replied in rows))
    return medians


def track_records(business_ids) -> dict[int, TrackRecord]:
    """Track records of several businesses in a few statements (for comparison tables)."""
    ids = sorted({i for i in business_ids if i is not None})
    if not ids:
        return {}
    businesses = db.session.scalars(select(Business).where(Business.id.in_(ids))).all()
    published = _published_counts(ids)
    replies = _reply_medians(ids)
    deals = confirmed_counts(ids)
    return {b.id: TrackRecord(business_id=b.id, member_since=b.created_at,
                              is_verified=b.is_verified,
                              listings_published=published.get(b.id, 0),
                              median_first_reply=replies.get(b.id),
                              deals_confirmed=deals.get(b.id, 0))
            for b in businesses}


def track_record(business_id) -> TrackRecord | None:
    return track_records([business_id]).get(business_id)
