"""A member posts an offer with pictures; it stays private until a moderator approves it."""
import re

from exchange.extensions import db
from exchange.listings.models import Listing
from tests.e2e.conftest import picture, sign_in
from tests.factories import make_business, make_listing, make_member, make_moderator


def test_offer_with_images_is_reviewed_then_published(new_page, smtp, meili, tmp_path, shots):
    owner = make_member(business=make_business(name="Công ty Cơ khí Nông nghiệp Buôn Ma Thuột",
                                               province="dak_lak"),
                        full_name="Trần Thị Hoa", email="hoa@cokhibmt.vn")
    photos = [picture(tmp_path, "may-say-1.jpg", (40, 110, 70)),
              picture(tmp_path, "may-say-2.png", (30, 80, 150))]

    # the owner posts the offer
    page = sign_in(new_page(), owner)
    page.goto("/listings/new?kind=offer")
    page.fill("#title", "Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ")
    page.fill("#summary", "Máy sấy cà phê, tiêu, hạt điều bằng năng lượng mặt trời, "
                          "tiết kiệm 60% điện năng.")
    page.fill("#description", "Công suất **500 kg/mẻ**.\n\n- Khung thép không gỉ\n"
                              "- Bảo hành 24 tháng")
    page.select_option("#category", "equipment")
    page.select_option("#sector", "agriculture")
    page.select_option("#province", "dak_lak")
    page.fill("#price", "250.000.000")
    page.select_option("#trl", "9")
    page.select_option("#ip_status", "utility_solution")
    page.check("input[name=transfer_modes][value=sale]")
    page.check("input[name=transfer_modes][value=technical_assistance]")
    page.fill("#quantity", "3")
    page.select_option("#unit", "set")
    page.fill("#keywords", "máy sấy, nông sản, năng lượng mặt trời")
    page.set_input_files("#images", [str(path) for path in photos])
    shots(page, "1-offer-form")
    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r"/listings/\d+$"))

    listing_url = page.url
    listing_id = int(listing_url.rsplit("/", 1)[1])
    assert page.locator("#status-banner").is_visible()
    images = page.locator("article img")
    assert images.count() == 2
    image_url = images.first.get_attribute("src")
    assert page.request.get(image_url).ok
    shots(page, "2-pending-listing")

    page.goto("/account")
    row = page.locator("#owner-listings tbody tr", has_text="Máy sấy nông sản năng lượng mặt trời")
    assert row.locator(".badge", has_text="Chờ duyệt").count() == 1
    shots(page, "3-dashboard-pending")

    # nothing unreviewed is public: not the page, not its pictures, not the API
    visitor = new_page()
    assert visitor.goto(listing_url).status == 404
    assert visitor.request.get(image_url).status == 404
    assert visitor.request.get(f"/api/v1/listings/{listing_id}").status == 404
    shots(visitor, "4-visitor-not-found")

    # another business's listing arrives later, so the owner's offer heads the queue
    make_listing(make_business(name="Viện Công nghệ Sinh học Cần Thơ"), None,
                 title="Chế phẩm vi sinh xử lý phụ phẩm cà phê", category="technology",
                 sector="biotechnology", province="can_tho")
    moderator = make_moderator(full_name="Phạm Minh", email="minh@san.gov.vn")
    desk = sign_in(new_page(), moderator)
    desk.goto("/moderation")
    rows = desk.locator("#queue tbody tr")
    assert rows.count() == 2
    assert "Máy sấy nông sản" in rows.first.inner_text()  # oldest first
    shots(desk, "5-review-queue")

    rows.first.locator("button[type=submit]").click()
    desk.wait_for_url(re.compile(r"/moderation/\d+$"))
    assert desk.locator("#claim-state .badge.bg-success").is_visible()
    assert desk.locator("img").count() >= 2  # the moderator sees the pictures too
    shots(desk, "6-claimed")

    desk.check("input[name=decision][value=approve]")
    desk.fill("#reason", "Thông tin đầy đủ, hình ảnh rõ ràng.")
    desk.click("#decision button[type=submit]")
    desk.wait_for_load_state()
    assert "Máy sấy nông sản" not in desk.locator("#queue").inner_text()
    shots(desk, "7-queue-after-decision")

    smtp.wait_for(1)
    [mail] = smtp.to("hoa@cokhibmt.vn")
    body = smtp.body(mail)
    assert "Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ" in body
    assert f"/listings/{listing_id}" in body
    assert "Thông tin đầy đủ, hình ảnh rõ ràng." in body

    db.session.expire_all()
    assert db.session.get(Listing, listing_id).is_public
    assert visitor.goto(listing_url).ok
    assert visitor.locator("article img").count() == 2
    assert visitor.request.get(image_url).ok
    shots(visitor, "8-published-listing")
