"""A second business asks for what an offer provides; once approved, the two are matched."""
import re

from tests.e2e.conftest import periodic_jobs, poll, published_catalogue, sign_in
from tests.factories import make_business, make_member, make_moderator
from tests.helpers import settle


def test_request_meets_published_offer(app, new_page, meili, smtp, shots):
    offer = published_catalogue()[0]  # the solar dryer from Đắk Lắk
    settle(meili)
    buyer = make_member(business=make_business(name="Hợp tác xã Cà phê Ea Tu", province="dak_lak"),
                        full_name="Y Bhăm Niê", email="ybham@htxeatu.vn")
    moderator = make_moderator(full_name="Phạm Minh", email="minh@san.gov.vn")

    page = sign_in(new_page(), buyer)
    page.goto("/listings/new?kind=request")
    page.fill("#title", "Cần mua máy sấy nông sản dùng năng lượng mặt trời")
    page.fill("#summary", "Hợp tác xã cần máy sấy cà phê, hạt điều bằng năng lượng mặt trời, "
                          "công suất khoảng 500 kg/mẻ.")
    page.select_option("#category", "equipment")
    page.select_option("#sector", "agriculture")
    page.select_option("#province", "dak_lak")
    page.fill("#budget_min", "150.000.000")
    page.fill("#budget_max", "300.000.000")
    page.fill("#keywords", "máy sấy, nông sản, năng lượng mặt trời")
    shots(page, "1-request-form")
    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r"/listings/\d+$"))
    request_url = page.url
    assert page.locator("#status-banner").is_visible()

    desk = sign_in(new_page(), moderator)
    desk.goto("/moderation")
    desk.locator("#queue tbody tr", has_text="Cần mua máy sấy").locator("button").click()
    desk.wait_for_url(re.compile(r"/moderation/\d+$"))
    desk.check("input[name=decision][value=approve]")
    desk.click("#decision button[type=submit]")
    desk.wait_for_load_state()

    # matching runs after the approval commits, once the index has the request
    matches = page.locator("#listing-matches li")
    poll(page, request_url, lambda p: matches.count() > 0, seconds=30,
         between=periodic_jobs(app))
    assert "Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ" in matches.first.inner_text()
    score = int(matches.first.locator(".badge").inner_text().rstrip("%"))
    assert 50 <= score <= 100
    shots(page, "2-request-with-match")

    page.goto("/account")
    assert "Máy sấy nông sản năng lượng mặt trời" in page.locator("#dashboard-matches").inner_text()
    shots(page, "3-dashboard-matches")

    visitor = new_page()
    visitor.goto(f"/listings/{offer.id}")
    assert "Cần mua máy sấy nông sản" in visitor.locator("#listing-matches").inner_text()
    shots(visitor, "4-offer-with-match")
