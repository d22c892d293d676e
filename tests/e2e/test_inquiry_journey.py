"""A buyer asks about an offer, the owner answers; each sees the unread count in the nav."""
import re

from tests.e2e.conftest import sign_in
from tests.factories import make_business, make_listing, make_member, publish


def unread(page) -> int:
    badge = page.locator("nav #inquiry-unread")
    return int(badge.inner_text().split()[0]) if badge.count() else 0


def test_inquiry_and_reply(new_page, smtp, shots):
    owner = make_member(business=make_business(name="Công ty Cơ khí Nông nghiệp Buôn Ma Thuột",
                                               province="dak_lak", phone="0262 3812 345"),
                        full_name="Trần Thị Hoa", email="hoa@cokhibmt.vn")
    offer = publish(make_listing(owner.business, owner,
                                 title="Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ"))
    buyer = make_member(business=make_business(name="Hợp tác xã Cà phê Ea Tu", province="dak_lak"),
                        full_name="Y Bhăm Niê", email="ybham@htxeatu.vn")
    smtp.clear()

    asking = sign_in(new_page(), buyer)
    asking.goto(f"/listings/{offer.id}")
    asking.fill("#message", "Hợp tác xã cần 2 máy cho vụ cà phê tháng 11. "
                            "Máy có sấy được hạt điều không?")
    asking.fill("#quantity", "2")
    asking.fill("#budget", "450000000")
    shots(asking, "1-inquiry-form")
    asking.locator("#inquiry-panel form[action$='/inquire'] button[type=submit]").click()
    asking.wait_for_url(re.compile(r"/account/inquiries/\d+$"))
    thread_url = asking.url
    assert "Máy có sấy được hạt điều không?" in asking.locator("#messages").inner_text()
    assert asking.locator("#contacts-hidden").is_visible()  # until the owner replies
    assert unread(asking) == 0
    shots(asking, "2-thread-sent")

    smtp.wait_for(1)
    [mail] = smtp.to("hoa@cokhibmt.vn")
    assert "Máy có sấy được hạt điều không?" in smtp.body(mail)

    answering = sign_in(new_page(), owner)
    answering.goto("/account")
    assert unread(answering) == 1
    shots(answering, "3-owner-unread")
    answering.locator("#dashboard-inquiries a[href*='/account/inquiries/']").first.click()
    answering.wait_for_url(thread_url)
    assert unread(answering) == 0  # read once opened
    answering.fill("#reply-form #message", "Chào anh, máy sấy được cả hạt điều. "
                                           "Chúng tôi giao được trong tháng 10.")
    answering.locator("#reply-form button[type=submit]").click()
    answering.wait_for_load_state()
    assert "giao được trong tháng 10" in answering.locator("#messages").inner_text()
    assert "ybham@htxeatu.vn" in answering.locator("#contact-panel").inner_text()
    shots(answering, "4-owner-replied")

    asking.goto("/account")
    assert unread(asking) == 1
    shots(asking, "5-buyer-unread")
    asking.goto(thread_url)
    assert "giao được trong tháng 10" in asking.locator("#latest").inner_text()
    assert "0262 3812 345" in asking.locator("#contact-panel").inner_text()
    assert unread(asking) == 0
    shots(asking, "6-buyer-reads-reply")
