"""Read-side queries for listing pages and the owner's dashboard (eager-loaded)."""
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from exchange.extensions import db
from exchange.listings.models import Listing, Revision, Status
from exchange.timeutil import utcnow


def owner_listings(business_id: int) -> list[Listing]:
    """Every listing of a business, newest first, with revisions loaded for the owner table."""
    return list(db.session.scalars(
        select(Listing)
        .where(Listing.business_id == business_id)
        .options(selectinload(Listing.revisions), joinedload(Listing.approved_revision))
        .order_by(Listing.created_at.desc(), Listing.id.desc())
    ).unique())


def public_listings_of(business_id: int) -> list[Listing]:
    """Published, unexpired listings of a business, for its public profile."""
    return list(db.session.scalars(
        select(Listing)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.business_id == business_id, Listing.status == Status.PUBLISHED,
               Revision.expires_at > utcnow())
        .options(joinedload(Listing.approved_revision).selectinload(Revision.files))
        .order_by(Listing.published_at.desc(), Listing.id.desc())
    ).unique())


def listing_for_page(listing_id: int) -> Listing | None:
    return db.session.scalar(
        select(Listing).where(Listing.id == listing_id)
        .options(selectinload(Listing.revisions).selectinload(Revision.files),
                 joinedload(Listing.approved_revision))
    )
