"""The /search page and category pages, as a visitor uses them."""
import re

import pytest

from tests.factories import make_listing


def text(response) -> str:
    return re.sub(r"<mark>|</mark>", "", response.get_data(as_text=True))


@pytest.fixture
def two(post):
    offer = post(title="Máy sấy lạnh trái cây", sector="food_processing", province="dong_thap",
                 wait=False)
    request = post(kind="request", title="Cần mua máy sấy thăng hoa", sector="food_processing",
                   province="ha_noi", price_vnd=None, budget_max_vnd=2_000_000_000)
    return offer, request


def test_search_page_lists_hits_facets_and_total(client, two):
    page = text(client.get("/search?q=may say"))
    assert "Máy sấy lạnh trái cây" in page and "Cần mua máy sấy thăng hoa" in page
    assert 'name="sector" value="food_processing"' in page
    assert 'name="province" value="dong_thap"' in page
    assert 'hx-get="/search"' in page and 'hx-push-url="true"' in page
    assert "2 " in page  # the total


def test_filters_are_plain_links_that_work_without_javascript(client, two):
    page = text(client.get("/search?q=may say&kind=offer"))
    assert "Máy sấy lạnh trái cây" in page and "Cần mua máy sấy thăng hoa" not in page
    # the active filter can be removed by following a link
    assert 'href="/search?q=may+say"' in page


def test_htmx_requests_get_the_results_partial(client, two):
    partial = text(client.get("/search?q=may say", headers={"HX-Request": "true"}))
    assert "<html" not in partial and "Máy sấy lạnh trái cây" in partial


def test_empty_result_suggests_removing_filters(client, two):
    page = client.get("/search?q=may say&province=son_la").get_data(as_text=True)
    assert "search-empty" in page
    assert 'href="/search?q=may+say"' in page


@pytest.mark.parametrize("query", [
    "price_min=abc", "page=-1", "page=1000000000", "sort=random", "sector=space",
    "q=" + "x" * 10_000, "q=%00%01", "trl=10", "price_min=5&price_max=1",
])
def test_bad_parameters_get_a_friendly_page(client, query):
    response = client.get("/search?" + query)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "alert-warning" in page and "<form" in page


def test_category_page_reads_from_the_index(client, two, owner, meili):
    make_listing(owner.business, owner, title="Thiết bị chưa duyệt", category="equipment")
    page = client.get("/categories/equipment").get_data(as_text=True)
    assert "Máy sấy lạnh trái cây" in page and "Thiết bị chưa duyệt" not in page
    assert client.get("/categories/technology").get_data(as_text=True).count("listing-card") == 0
    assert client.get("/categories/nope").status_code == 404


def test_home_page_shows_latest_offers_and_requests_from_the_index(client, two):
    from exchange.core.home import home_context
    context = home_context()
    assert [h["title"] for h in context["latest_offers"]] == ["Máy sấy lạnh trái cây"]
    assert [h["title"] for h in context["latest_requests"]] == ["Cần mua máy sấy thăng hoa"]
    assert context["featured"] == []
    assert client.get("/").status_code == 200


def test_home_page_renders_the_cards(client, two):
    page = text(client.get("/"))
    assert "home-latest-offer" in page and "Máy sấy lạnh trái cây" in page
    assert "Cần mua máy sấy thăng hoa" in page
    assert page.count("listing-card") == 2
