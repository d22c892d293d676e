"""A visitor types without diacritics, narrows by province and opens what they were after."""
import re

from playwright.sync_api import expect

from tests.e2e.conftest import published_catalogue
from tests.helpers import settle


def test_search_without_diacritics_filter_by_province(new_page, meili, shots):
    catalogue = published_catalogue()
    settle(meili)
    wanted = catalogue[0]  # the solar dryer from Đắk Lắk

    page = new_page()
    page.goto("/")
    shots(page, "1-home")
    page.fill("nav input[name=q]", "may say nong san")
    page.press("nav input[name=q]", "Enter")
    page.wait_for_url("**/search?q=may+say+nong+san*")

    cards = page.locator("#search-body .listing-card")
    titles = cards.locator(".card-title").all_inner_texts()
    assert any("Máy sấy nông sản năng lượng mặt trời" in title for title in titles)
    assert any("Máy sấy nông sản bơm nhiệt" in title for title in titles)
    assert not any("kho lạnh" in title for title in titles)
    assert page.locator("#search-body mark, #search-body em").count() > 0  # highlighted words
    assert page.locator("#f-province-dak_lak").is_visible()
    shots(page, "2-results-with-facets")

    with page.expect_response(re.compile(r"/search\?.*province=dak_lak")):
        page.check("#f-province-dak_lak")
    expect(cards).to_have_count(1)
    assert "province=dak_lak" in page.url  # the filtered search can be bookmarked
    assert page.locator("#search-body .active-filters").inner_text().strip().startswith("Đắk Lắk")
    shots(page, "3-filtered-by-province")

    cards.first.locator(".card-title a").click()
    page.wait_for_url(f"**/listings/{wanted.id}")
    assert page.locator("h1").inner_text() == "Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ"
    assert page.locator("#inquiry-panel").is_visible()
    shots(page, "4-listing")
