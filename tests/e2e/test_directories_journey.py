"""A consultancy registers in the experts directory, a moderator approves it, a cooperative
finds it without diacritics and requests a service, which arrives as an inquiry."""
import re

from tests.e2e.conftest import sign_in
from tests.factories import make_business, make_member, make_moderator


def test_expert_registered_reviewed_found_and_asked(new_page, smtp, shots):
    consultant = make_member(business=make_business(name="Công ty Thẩm định Giá Đất Việt",
                                                    province="ha_noi"),
                             full_name="Đỗ Minh Châu", email="chau@thamdinhdatviet.vn")
    customer = make_member(business=make_business(name="HTX Chè Tân Cương",
                                                  province="thai_nguyen"),
                           full_name="Hà Văn Sơn", email="son@htxtancuong.vn")
    moderator = make_moderator(full_name="Lý Kiểm Duyệt")
    smtp.clear()

    registering = sign_in(new_page(), consultant)
    registering.goto("/experts/new")
    registering.fill("#name", "Trung tâm Định giá Công nghệ Đất Việt")
    registering.select_option("#services", ["valuation", "brokerage"])
    registering.select_option("#sectors", ["agriculture", "food_processing"])
    registering.select_option("#province", "ha_noi")
    registering.fill("#description", "Định giá **công nghệ chế biến** và môi giới chuyển giao.")
    shots(registering, "1-register")
    registering.locator("main form button[type=submit]").click()
    registering.wait_for_url(re.compile(r"/experts/\d+$"))
    expert_url = registering.url
    assert registering.locator("#status-banner").is_visible()  # not public yet

    reviewing = sign_in(new_page(), moderator)
    reviewing.goto("/experts/review")
    entry = reviewing.locator("section[data-expert-id]").first
    entry.locator("input[value=approve]").check()
    shots(reviewing, "2-review")
    entry.locator("button[type=submit]").click()
    reviewing.wait_for_load_state()
    assert reviewing.locator("#review-empty").is_visible()

    asking = sign_in(new_page(), customer)
    asking.goto("/experts?q=dinh+gia&service=valuation")
    asking.locator(".expert-card a").first.click()
    asking.wait_for_url(expert_url)
    shots(asking, "3-expert-page")
    asking.fill("#request-service #message", "Chúng tôi cần định giá dây chuyền chế biến chè.")
    asking.locator("#request-service button[type=submit]").click()
    asking.wait_for_url(re.compile(r"/account/inquiries/\d+$"))
    assert "định giá dây chuyền" in asking.locator("#messages").inner_text()
    shots(asking, "4-request-sent")

    smtp.wait_for(1)
    assert smtp.to("chau@thamdinhdatviet.vn")
