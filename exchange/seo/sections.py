"""The sitemap sections of the listings, businesses, categories and fixed pages."""
from sqlalchemy import func, select

from exchange import taxonomy
from exchange.accounts.models import Business
from exchange.core.urls import site_url
from exchange.extensions import db
from exchange.listings.models import Listing, Revision, Status
from exchange.listings.queries import listed_businesses
from exchange.seo.sitemap import (address_of, id_chunks, keyset_rows, register_section,
                                  single_chunk)
from exchange.timeutil import utcnow

# the directory pages and the search are public pages a crawler should find from the sitemap
FIXED_PAGES = ("core.home", "search.search", "directories.businesses", "directories.experts")


def _public_listings():
    """(id, last modified) of every listing whose public page is up: published, with an
    approved version that has not expired."""
    return (select(Listing.id, func.coalesce(Revision.decided_at, Listing.published_at))
            .join(Revision, Revision.id == Listing.approved_revision_id)
            .where(Listing.status == Status.PUBLISHED, Revision.expires_at > utcnow()))


def _listing_entries(chunk, size):
    address = address_of("listings.show", "listing_id")
    for listing_id, modified in keyset_rows(Listing.id, _public_listings(), chunk, size):
        yield address(listing_id), modified


def _businesses():
    # a business page changes when one of its listings is published
    latest = (select(func.max(Listing.published_at))
              .where(Listing.business_id == Business.id, Listing.status == Status.PUBLISHED)
              .correlate(Business).scalar_subquery())
    return listed_businesses().with_only_columns(
        Business.id, func.coalesce(latest, Business.created_at))


def _business_entries(chunk, size):
    address = address_of("businesses.profile", "business_id")
    for business_id, modified in keyset_rows(Business.id, _businesses(), chunk, size):
        yield address(business_id), modified


def _latest_publication():
    return db.session.scalar(select(func.max(Listing.published_at))
                             .where(Listing.status == Status.PUBLISHED))


def _page_entries(_chunk, _size):
    latest = _latest_publication()
    for endpoint in FIXED_PAGES:
        yield site_url(endpoint), latest
    for term in taxonomy.CATEGORIES:
        yield site_url("search.category", code=term.code), latest


def register_core_sections() -> None:
    register_section("pages", single_chunk, _page_entries)
    register_section("listings", id_chunks(Listing.id, _public_listings), _listing_entries)
    register_section("businesses", id_chunks(Business.id, _businesses), _business_entries)
