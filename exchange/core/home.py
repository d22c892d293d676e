"""What the home page shows."""
from sqlalchemy import func, select

from exchange.accounts.models import Business
from exchange.extensions import db
from exchange.listings.models import Kind, Listing, Status


def home_context() -> dict:
    counts = dict(
        db.session.execute(
            select(Listing.kind, func.count()).where(Listing.status == Status.PUBLISHED)
            .group_by(Listing.kind)
        ).all()
    )
    return {
        "business_count": db.session.scalar(select(func.count()).select_from(Business)),
        "offer_count": counts.get(Kind.OFFER, 0),
        "request_count": counts.get(Kind.REQUEST, 0),
        "featured": [],
        "latest_offers": [],
        "latest_requests": [],
    }
