"""Helpers for search tests: publish listings and wait until Meilisearch has them."""
import pytest

from exchange.search.outbox import sync
from tests.factories import make_business, make_listing, make_member, publish


@pytest.fixture
def owner(app):
    business = make_business(name="Công ty Cơ khí Đông Á")
    return make_member(business=business)


@pytest.fixture
def post(owner, meili):
    """post(**content) -> a published listing already visible in the index."""
    def _post(kind="offer", wait=True, **content):
        listing = make_listing(owner.business, owner, kind=kind, **content)
        publish(listing)
        if wait:
            settle(meili)
        return listing
    return _post


def settle(meili):
    """Push what is pending and wait until Meilisearch has applied every task."""
    left = sync(timeout=10)
    assert not any(left.values()), left
    meili.wait_idle()


def api_ids(client, **params) -> list[int]:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [hit["id"] for hit in response.get_json()["hits"]]
