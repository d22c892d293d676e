"""With the page cache on, as in production: members read a listing page kept once for them
all, each with their own header and cards, send an inquiry from a card another member's
render kept for their standing, and the owner withdraws the listing from the page kept for
them alone."""
import re

import pytest

from tests.e2e.conftest import sign_in
from tests.factories import make_business, make_listing, make_member, publish


@pytest.fixture
def app_overrides(live_port, tmp_path):
    return {"SERVER_NAME": f"127.0.0.1:{live_port}", "SITE_URL": f"http://127.0.0.1:{live_port}",
            "RATELIMIT_ENABLED": False, "PAGE_CACHE_SECONDS": 60,
            "PAGE_CACHE_DIR": str(tmp_path / "page-cache")}


def account_name(page) -> str:
    return page.locator("nav").inner_text()


def test_members_read_a_kept_listing_page_with_their_own_cards(new_page, shots):
    owner = make_member(business=make_business(name="Công ty Cơ khí Nông nghiệp Buôn Ma Thuột"),
                        full_name="Trần Thị Hoa", email="hoa@cokhibmt.vn")
    offer = publish(make_listing(owner.business, owner,
                                 title="Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ"))
    an = make_member(business=make_business(name="Hợp tác xã Cà phê Ea Tu"),
                     full_name="Y Bhăm Niê", email="ybham@htxeatu.vn")
    binh = make_member(business=make_business(name="Công ty Chè Thái Nguyên"),
                       full_name="Lê Văn Bình", email="binh@chethainguyen.vn")
    url = f"/listings/{offer.id}"
    card_form = "#inquiry-panel form[action$='/inquire']"

    visitor = new_page()
    visitor.goto(url)  # rendered for a visitor: kept for everyone, members included
    assert visitor.locator("#inquiry-panel a[href*='/auth/login']").count() == 1

    first = sign_in(new_page(), an)
    for _ in range(2):  # the kept page with An's cards, then An's kept panels
        first.goto(url)
        assert "Y Bhăm Niê" in account_name(first)
        assert first.locator(card_form).count() == 1

    second = sign_in(new_page(), binh)
    second.goto(url)  # the kept page, and the card kept for the standing An and Bình share
    assert "Lê Văn Bình" in account_name(second) and "Y Bhăm Niê" not in account_name(second)
    assert second.locator(f"{card_form}[action='{url}/inquire']").count() == 1
    # an empty inquiry from the kept card is refused with a message, and nothing is sent
    second.locator(f"{card_form} button[type=submit]").click()
    second.wait_for_load_state()
    assert second.locator(".invalid-feedback, .alert-danger").count() >= 1
    assert "/account/inquiries/" not in second.url
    second.goto(url)
    second.fill("#message", "Công ty cần 3 máy cho nhà máy chè ở Thái Nguyên. "
                            "Máy có sấy được lá chè không?")
    shots(second, "1-kept-card")
    second.locator(f"{card_form} button[type=submit]").click()
    second.wait_for_url(re.compile(r"/account/inquiries/\d+$"))
    assert "sấy được lá chè" in second.locator("#messages").inner_text()

    # Bình's business now has its own card (its conversation linked); An's has no link
    second.goto(url)
    assert second.locator("#inquiry-panel a[href*='/account/inquiries/']").count() == 1
    first.goto(url)
    assert first.locator(card_form).count() == 1
    assert first.locator("#inquiry-panel a[href*='/account/inquiries/']").count() == 0

    # the owner's page is their own, kept for them alone: withdrawing from it works
    owning = sign_in(new_page(), owner)
    withdraw = f"form[action='{url}/withdraw'] button[type=submit]"
    for _ in range(2):
        owning.goto(url)
        assert owning.locator(withdraw).count() == 1
    assert first.locator(withdraw).count() == 0 and second.locator(withdraw).count() == 0
    shots(owning, "2-owner-kept-page")
    owning.once("dialog", lambda dialog: dialog.accept())
    owning.locator(withdraw).click()
    owning.wait_for_load_state()
    owning.goto(url)
    assert owning.locator(withdraw).count() == 0
    assert "Tin đăng này đã được rút." in owning.locator("main").inner_text()  # withdrawn
    assert visitor.goto(url).status == 404  # nobody else reads it any more
