"""What the home page shows."""
from sqlalchemy import func, select

from exchange.accounts.models import Business
from exchange.deals.services import confirmed_total
from exchange.extensions import db
from exchange.listings.models import Kind
from exchange.search.query import SearchQuery
from exchange.search.results import run_lists

SHOWN = 6


def home_context() -> dict:
    # the index holds exactly the public listings, so the latest-offers and latest-requests
    # searches also count them: a count over every listing in the database cost ~100 ms
    # on 100,000 listings (the database still answers when Meilisearch is unreachable)
    featured, offers, requests = run_lists([
        SearchQuery(featured_only=True, per_page=SHOWN),
        SearchQuery(selected={"kind": (Kind.OFFER.value,)}, sort="newest", per_page=SHOWN),
        SearchQuery(selected={"kind": (Kind.REQUEST.value,)}, sort="newest", per_page=SHOWN),
    ])
    return {
        "business_count": db.session.scalar(select(func.count()).select_from(Business)),
        "offer_count": offers.total,
        "request_count": requests.total,
        "deal_count": confirmed_total(),
        "featured": featured.hits,
        "latest_offers": offers.hits,
        "latest_requests": requests.hits,
        "search_limited": offers.limited,
    }
