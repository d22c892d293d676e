"""The public JSON API under /api/v1 (read-only, published listings only)."""
from dataclasses import replace

from flask import Blueprint, jsonify, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from exchange.accounts.models import Business
from exchange.api.openapi import openapi_document
from exchange.accounts.requirements import can
from exchange.core.pagecache import note_shown, public_page
from exchange.deals.services import confirmed_total
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings.models import Listing, Revision, Status
from exchange.listings.visibility import find_visible_listing
from exchange.search.documents import build_document, listings_by_id
from exchange.search.hits import hit_from_document
from exchange.search.query import parse_output, parse_query
from exchange.search.results import run_search
from exchange.timeutil import utcnow

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class NotFound(DomainError):
    status_code = 404


def hit_json(hit: dict) -> dict:
    published = hit["published_at"]
    return {
        **hit,
        "highlight": {name: str(value) for name, value in hit["highlight"].items()},
        "published_at": published.isoformat() if published else None,
    }


def public_listing(listing_id: int) -> Listing:
    """A published listing with what its document needs loaded; a JSON 404 otherwise (the
    API is the same for everyone, so owners and staff see no more here)."""
    item = find_visible_listing(listing_id, can.see_public_listing,
                                load=lambda key: next(iter(listings_by_id([key])), None))
    if item is None:
        raise NotFound(_l("No published listing has this number."), code="not_found")
    return item


@bp.route("/search")
@public_page
def search():
    query = replace(parse_query(request.args, allow_per_page=True),
                    **parse_output(request.args))
    result = run_search(query)
    note_shown("impressions", [hit["id"] for hit in result.hits])
    return jsonify(
        hits=[hit_json(hit) for hit in result.hits],
        total=result.total,
        page=result.page,
        per_page=result.per_page,
        facets={param: [{"value": value, "count": count} for value, count in values]
                for param, values in result.facets.items()},
        limited=result.limited,
    )


@bp.route("/listings/<int:listing_id>")
@public_page
def listing(listing_id):
    item = public_listing(listing_id)
    revision = item.approved_revision
    return jsonify({
        **hit_json(hit_from_document(build_document(item))),
        # confidential descriptions are shared only with businesses the owner grants access
        "description": "" if revision.description_confidential else revision.description or "",
        "keywords": list(revision.keywords or []),
        "ip_status": revision.ip_status,
        "expires_at": revision.expires_at.isoformat(),
    })


@bp.route("/stats")
@public_page
def stats():
    public = (
        select(Listing.kind, Revision.category, func.count())
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.status == Status.PUBLISHED, Revision.expires_at > utcnow())
        .group_by(Listing.kind, Revision.category)
    )
    kinds: dict[str, int] = {}
    categories: dict[str, int] = {}
    for kind, category, count in db.session.execute(public):
        kinds[str(kind)] = kinds.get(str(kind), 0) + count
        categories[category] = categories.get(category, 0) + count
    return jsonify(
        businesses=db.session.scalar(select(func.count()).select_from(Business)) or 0,
        offers=kinds.get("offer", 0),
        requests=kinds.get("request", 0),
        deals=confirmed_total(),
        categories=categories,
    )


@bp.route("/openapi.json")
def openapi():
    return jsonify(openapi_document())
