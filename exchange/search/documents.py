"""Listing -> index document, built from the approved revision only (no private fields)."""
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from exchange.extensions import db
from exchange.listings.models import Listing, Revision, Status
from exchange.timeutil import utcnow

# long descriptions are cut: search needs the words, not a book
DESCRIPTION_LIMIT = 5000


def _ts(value) -> int | None:
    return int(value.timestamp()) if value is not None else None


def listing_price(revision: Revision) -> int | None:
    """One comparable amount: the asking price of an offer, the budget of a request."""
    for amount in (revision.price_vnd, revision.budget_max_vnd, revision.budget_min_vnd):
        if amount is not None:
            return int(amount)
    return None


def build_document(listing: Listing) -> dict:
    """The index document of a public listing; call only when `listing.is_public`."""
    revision = listing.approved_revision
    business = listing.business
    images = [f.sha256 for f in revision.files if f.kind == "image"]
    return {
        "id": listing.id,
        "kind": str(listing.kind),
        "status": Status.PUBLISHED.value,
        "title": revision.title,
        "summary": revision.summary,
        "description": (revision.description or "")[:DESCRIPTION_LIMIT],
        "keywords": list(revision.keywords or []),
        "category": revision.category,
        "sector": revision.sector,
        "province": revision.province,
        "trl": revision.trl,
        "ip_status": revision.ip_status,
        "transfer_modes": list(revision.transfer_modes or []),
        "price": listing_price(revision),
        "price_vnd": revision.price_vnd,
        "budget_min_vnd": revision.budget_min_vnd,
        "budget_max_vnd": revision.budget_max_vnd,
        "price_negotiable": bool(revision.price_negotiable),
        "quantity": revision.quantity,
        "unit": revision.unit,
        "business_id": listing.business_id,
        "business_name": business.name if business is not None else "",
        "business_verified": bool(business.is_verified) if business is not None else False,
        "image": images[0] if images else None,
        # milliseconds: listings approved in the same second still sort newest first
        "published_at": round(listing.published_at.timestamp(), 3)
        if listing.published_at else None,
        "expires_at": _ts(revision.expires_at),
        "featured": listing.is_featured,
        "featured_until": _ts(listing.featured_until) or 0,
    }


def public_listings() -> Select:
    """Select every public listing with what build_document() reads, loaded eagerly."""
    return (
        select(Listing)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.status == Status.PUBLISHED, Revision.expires_at > utcnow())
        .options(
            joinedload(Listing.approved_revision).selectinload(Revision.files),
            joinedload(Listing.business),
        )
    )


def listings_by_id(ids) -> list[Listing]:
    return list(db.session.scalars(
        select(Listing).where(Listing.id.in_(list(ids))).options(
            joinedload(Listing.approved_revision).selectinload(Revision.files),
            joinedload(Listing.business),
        )
    ).unique())
