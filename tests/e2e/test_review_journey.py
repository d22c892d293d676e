"""A member posts an offer with pictures; it stays private until a moderator approves it."""
import re

from exchange.extensions import db
from exchange.listings.models import Listing
from tests.e2e.conftest import picture, sign_in
from tests.factories import make_business, make_listing, make_member, make_moderator


def test_post_offer_with_images(new_page, smtp, tmp_path, shots):
    owner = make_member(business=make_business(name="Công ty Cơ khí Nông nghiệp Buôn Ma Thuột",
                                               province="dak_lak"),
                        full_name="Trần Thị Hoa", email="hoa@cokhibmt.vn")
    photos = [picture(tmp_path, "may-say-1.jpg", (40, 110, 70)),
              picture(tmp_path, "may-say-2.png", (30, 80, 150))]

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

    visitor = new_page()
    assert visitor.goto(listing_url).status == 404
    assert visitor.request.get(image_url).status == 404
    assert visitor.request.get(listing_url.replace("/listings/", "/api/v1/listings/")).status == 404
    shots(visitor, "4-visitor-not-found")


def test_moderator_approves_and_owner_is_told(new_page, smtp, meili, shots):
    owner = make_member(business=make_business(name="Công ty Cơ khí Nông nghiệp Buôn Ma Thuột"),
                        full_name="Trần Thị Hoa", email="hoa@cokhibmt.vn")
    listing = make_listing(owner.business, owner,
                           title="Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ")
    make_listing(make_business(name="Viện Công nghệ Sinh học Cần Thơ"), None,
                 title="Chế phẩm vi sinh xử lý phụ phẩm cà phê", category="technology",
                 sector="biotechnology", province="can_tho")
    moderator = make_moderator(full_name="Kiểm duyệt viên Phạm Minh", email="minh@san.gov.vn")

    page = sign_in(new_page(), moderator)
    page.goto("/moderation")
    rows = page.locator("#queue tbody tr")
    assert rows.count() == 2
    assert "Máy sấy nông sản" in rows.first.inner_text()  # oldest first
    shots(page, "1-queue")

    rows.first.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/moderation/\d+$"))
    assert page.locator("#claim-state .badge.bg-success").is_visible()
    shots(page, "2-claimed")

    page.check("input[name=decision][value=approve]")
    page.fill("#reason", "Thông tin đầy đủ, hình ảnh rõ ràng.")
    page.click("#decision button[type=submit]")
    page.wait_for_load_state()
    assert "Máy sấy nông sản" not in page.locator("#queue").inner_text()
    shots(page, "3-queue-after-decision")

    smtp.wait_for(1)
    [mail] = smtp.to("hoa@cokhibmt.vn")
    body = smtp.body(mail)
    assert "Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ" in body
    assert f"/listings/{listing.id}" in body

    db.session.expire_all()
    assert db.session.get(Listing, listing.id).is_public
    visitor = new_page()
    assert visitor.goto(f"/listings/{listing.id}").ok
    shots(visitor, "4-published")
