"""A visitor types part of a title without diacritics, picks a suggestion with the keyboard."""
from playwright.sync_api import expect

from tests.e2e.conftest import published_catalogue
from tests.search.conftest import settle


def test_search_suggestions_by_keyboard(new_page, meili, shots):
    published_catalogue()
    settle(meili)

    page = new_page()
    page.goto("/")
    box = page.locator("#suggest-home").locator("xpath=preceding-sibling::input")
    box.click()
    box.press_sequentially("may say nong", delay=30)
    options = page.locator("#suggest-home [role=option]")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_contain_text("Máy sấy nông sản")
    shots(page, "1-suggestions")

    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "suggest-home-1")
    expect(options.first).to_have_attribute("aria-selected", "true")
    href = options.first.locator("a").get_attribute("href")
    box.press("Enter")
    page.wait_for_url(f"**{href}")
    expect(page.locator("h1")).to_contain_text("Máy sấy nông sản")

    page.goto("/")
    box = page.locator("#suggest-home").locator("xpath=preceding-sibling::input")
    box.press_sequentially("kho lanh", delay=30)
    expect(page.locator("#suggest-home [role=option]").first).to_be_visible()
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(page.locator("#suggest-home [role=option]")).to_have_count(0)
