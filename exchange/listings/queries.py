"""Read-side queries for listing pages and the owner's dashboard (eager-loaded)."""
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import joinedload, selectinload

from exchange.accounts.models import Business
from exchange.extensions import db
from exchange.listings.models import Listing, Revision, Status
from exchange.timeutil import utcnow


OWNER_PAGE_SIZE = 25


def owner_listings(business_id: int, page: int = 1, per_page: int = OWNER_PAGE_SIZE):
    """One page of a business's listings, newest first, with revisions loaded for the
    owner table (a Flask-SQLAlchemy Pagination)."""
    return db.paginate(
        select(Listing)
        .where(Listing.business_id == business_id)
        .options(selectinload(Listing.revisions), joinedload(Listing.approved_revision))
        .order_by(Listing.created_at.desc(), Listing.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )


def owner_listings_part(member, page, _gathered) -> dict:
    """The owner's listings on the member's dashboard (accounts.dashboard)."""
    listings_page = owner_listings(member.business_id, page) if member.business_id else None
    return {"owner_listings": listings_page.items if listings_page else [],
            "owner_pages": listings_page}


def public_listings_of(business_id: int) -> list[Listing]:
    """Published, unexpired listings of a business, for its public profile; anonymous ones
    are left out, since listing them there would name their publisher."""
    return list(db.session.scalars(
        select(Listing)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.business_id == business_id, Listing.status == Status.PUBLISHED,
               Revision.expires_at > utcnow(), Revision.is_anonymous.is_(False))
        .options(joinedload(Listing.approved_revision).selectinload(Revision.files))
        .order_by(Listing.published_at.desc(), Listing.id.desc())
    ).unique())


def listing_for_page(listing_id: int) -> Listing | None:
    """One statement: the listing, its business and its approved version with files. Other
    revisions (only owners and moderators see them) load when a page asks for them."""
    return db.session.scalars(
        select(Listing).where(Listing.id == listing_id)
        .options(joinedload(Listing.approved_revision).joinedload(Revision.files))
    ).unique().first()


def public_listing_exists(now=None):
    """EXISTS: the business has a published listing whose approved version has not expired
    (what its public profile shows)."""
    now = now or utcnow()
    return exists(
        select(Listing.id)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.business_id == Business.id, Listing.status == Status.PUBLISHED,
               Revision.expires_at > now)
    )


def listed_businesses(now=None):
    """Businesses the directory and the sitemap show: verified, or with a public listing."""
    return select(Business).where(or_(Business.is_verified.is_(True),
                                      public_listing_exists(now)))
