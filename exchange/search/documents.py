"""Listing -> index document, built from the approved revision only (no private fields):
a confidential description, confidential files and an anonymous listing's publisher never
reach the index, so neither search, the API nor mail built from hits can show them."""
import hashlib

import orjson
from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from exchange.accounts.models import Business
from exchange.extensions import db
from exchange.listings.models import Listing, Revision, RevisionFile, Status
from exchange.search.names import province_names, split_business_name
from exchange.timeutil import utcnow

# long descriptions are cut: search needs the words, not a book
DESCRIPTION_LIMIT = 5000


def _text(value: str | None) -> str:
    """The text without the highlight markers (see query.py): a listing cannot forge them."""
    value = value or ""
    if "\ue000" in value or "\ue001" in value:
        value = value.replace("\ue000", "").replace("\ue001", "")
    return value


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
    images = [f.sha256 for f in revision.files if f.kind == "image" and not f.is_confidential]
    return _document(listing, revision, business.name if business else "",
                     bool(business.is_verified) if business else False,
                     images[0] if images else None, utcnow())


def _document(listing, revision, business_name, business_verified, image, now) -> dict:
    """One shape for both paths: ORM objects (single listings) and Core rows (rebuilds)."""
    featured_until = listing.featured_until
    anonymous = bool(revision.is_anonymous)
    if anonymous:
        business_name = ""
    description = "" if revision.description_confidential else _text(revision.description)
    title = _text(revision.title)
    distinctive, legal_form = split_business_name(_text(business_name))
    document = {
        "id": listing.id,
        "kind": str(listing.kind),
        "status": Status.PUBLISHED.value,
        "title": title,
        "summary": _text(revision.summary),
        "description": description[:DESCRIPTION_LIMIT],
        "keywords": [_text(word) for word in revision.keywords or []],
        "category": revision.category,
        "sector": revision.sector,
        "province": revision.province,
        "province_names": province_names(revision.province),
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
        "business_name": _text(business_name),
        # kept for the filters that leave out a business's own listings; never shown for an
        # anonymous listing (hits.hit_from_document) nor filtered on by visitors
        "anonymous": anonymous,
        "business_distinctive": distinctive,
        "business_legal_form": legal_form,
        "business_verified": business_verified,
        "image": image,
        # milliseconds: listings approved in the same second still sort newest first
        "published_at": round(listing.published_at.timestamp(), 3)
        if listing.published_at else None,
        "expires_at": _ts(revision.expires_at),
        "featured": featured_until is not None and featured_until > now,
        "featured_until": _ts(featured_until) or 0,
    }
    document["version"] = content_version(document)
    return document


def content_version(document: dict) -> str:
    """A digest of what the document says, so verify-index can find stale documents by
    reading ids and versions only. `featured` is left out: it follows from featured_until
    and the clock (refresh_lapsed_featuring keeps it right)."""
    content = {key: value for key, value in document.items()
               if key not in ("featured", "version")}
    return hashlib.sha256(orjson.dumps(content, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


_REVISION_COLUMNS = (
    "title", "summary", "description", "keywords", "category", "sector", "province", "trl",
    "ip_status", "transfer_modes", "price_vnd", "budget_min_vnd", "budget_max_vnd",
    "price_negotiable", "quantity", "unit", "expires_at", "description_confidential",
    "is_anonymous",
)


def public_documents(ids) -> list[dict]:
    """Documents of the public listings among `ids`, read with plain rows: a rebuild of a
    large catalogue spends its time here, and ORM objects cost several times more."""
    now = utcnow()
    rows = db.session.execute(
        select(Listing.id, Listing.kind, Listing.business_id, Listing.published_at,
               Listing.featured_until, Listing.approved_revision_id,
               Business.name.label("business_name"), Business.is_verified,
               *(getattr(Revision, name) for name in _REVISION_COLUMNS))
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .join(Business, Business.id == Listing.business_id)
        .where(Listing.id.in_(list(ids)), Listing.status == Status.PUBLISHED,
               Revision.expires_at > now)
    ).all()
    images: dict[int, str] = {}
    if rows:
        for revision_id, sha256 in db.session.execute(
            select(RevisionFile.revision_id, RevisionFile.sha256)
            .where(RevisionFile.revision_id.in_([row.approved_revision_id for row in rows]),
                   RevisionFile.kind == "image", RevisionFile.is_confidential.is_(False))
            .order_by(RevisionFile.revision_id, RevisionFile.position.desc())
        ):
            images[revision_id] = sha256  # the lowest position is written last
    return [_document(row, row, row.business_name, bool(row.is_verified),
                      images.get(row.approved_revision_id), now) for row in rows]


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


def public_listing_ids() -> list[int]:
    """Ids of every public listing, in order; cheap even for a large catalogue."""
    return list(db.session.scalars(
        select(Listing.id)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.status == Status.PUBLISHED, Revision.expires_at > utcnow())
        .order_by(Listing.id)
    ))


def listings_by_id(ids) -> list[Listing]:
    return list(db.session.scalars(
        select(Listing).where(Listing.id.in_(list(ids))).options(
            joinedload(Listing.approved_revision).selectinload(Revision.files),
            joinedload(Listing.business),
        )
    ).unique())
