"""A plain database search used while Meilisearch is unreachable: title match, newest first."""
from sqlalchemy import func, select

from exchange.accounts.models import Business
from exchange.extensions import db
from exchange.listings.models import Listing, Revision
from exchange.search.documents import build_document, public_listings
from exchange.search.query import SearchQuery
from exchange.search.hits import SearchResult, hit_from_document
from exchange.timeutil import utcnow

COLUMNS = {"kind": Listing.kind, "category": Revision.category, "sector": Revision.sector,
           "province": Revision.province, "trl": Revision.trl}


def database_search(query: SearchQuery) -> SearchResult:
    stmt = public_listings()
    for word in query.q.split()[:10]:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Revision.title.ilike(f"%{escaped}%", escape="\\"))
    for param, values in query.selected.items():
        if param in COLUMNS and values:
            column = COLUMNS[param]
            stmt = stmt.where(column.in_([int(v) for v in values] if param == "trl" else values))
    if query.business_id is not None:
        stmt = stmt.where(Listing.business_id == query.business_id,
                          Revision.is_anonymous.is_(False))
    if query.featured_only:
        stmt = stmt.where(Listing.featured_until > utcnow())
    if query.verified_only:
        stmt = stmt.where(Listing.business_id.in_(
            select(Business.id).where(Business.is_verified.is_(True))))
    price = func.coalesce(Revision.price_vnd, Revision.budget_max_vnd, Revision.budget_min_vnd)
    if query.price_min is not None:
        stmt = stmt.where(price >= query.price_min)
    if query.price_max is not None:
        stmt = stmt.where(price <= query.price_max)
    if query.sort == "price_asc":
        order = [price.is_(None), price.asc(), Listing.id.desc()]
    elif query.sort == "price_desc":
        order = [price.is_(None), price.desc(), Listing.id.desc()]
    else:
        order = [Listing.published_at.desc(), Listing.id.desc()]
    total = db.session.scalar(select(func.count()).select_from(
        stmt.with_only_columns(Listing.id).order_by(None).subquery()))
    listings = db.session.scalars(
        stmt.order_by(*order).limit(query.per_page).offset((query.page - 1) * query.per_page)
    ).unique().all()
    hits = []
    for listing in listings:
        if query.selected.get("transfer_mode") and not set(query.selected["transfer_mode"]) & \
                set(listing.approved_revision.transfer_modes or []):
            continue  # JSON lists are not cheaply filterable in SQL on every database
        hits.append(hit_from_document(build_document(listing)))
    return SearchResult(query=query, hits=hits, total=total or 0, limited=True)

