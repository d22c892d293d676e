"""What the home page shows."""
from sqlalchemy import func, select

from exchange.accounts.models import Business
from exchange.extensions import db
from exchange.listings.models import Kind, Listing, Revision, Status
from exchange.search.query import SearchQuery
from exchange.search.results import run_lists
from exchange.timeutil import utcnow

SHOWN = 6


def home_context() -> dict:
    counts = dict(
        db.session.execute(
            select(Listing.kind, func.count())
            .join(Revision, Revision.id == Listing.approved_revision_id)
            .where(Listing.status == Status.PUBLISHED, Revision.expires_at > utcnow())
            .group_by(Listing.kind)
        ).all()
    )
    featured, offers, requests = run_lists([
        SearchQuery(featured_only=True, per_page=SHOWN),
        SearchQuery(selected={"kind": (Kind.OFFER.value,)}, sort="newest", per_page=SHOWN),
        SearchQuery(selected={"kind": (Kind.REQUEST.value,)}, sort="newest", per_page=SHOWN),
    ])
    return {
        "business_count": db.session.scalar(select(func.count()).select_from(Business)),
        "offer_count": counts.get(Kind.OFFER, 0),
        "request_count": counts.get(Kind.REQUEST, 0),
        "featured": featured.hits,
        "latest_offers": offers.hits,
        "latest_requests": requests.hits,
        "search_limited": offers.limited,
    }
