"""A newcomer registers a business, confirms the email, signs in; and switches language."""
import re

from tests.factories import valid_tax_code


def test_sign_up_and_verify(new_page, smtp, shots):
    page = new_page()
    page.goto("/")
    shots(page, "1-home")
    page.get_by_role("link", name="Đăng ký doanh nghiệp").first.click()
    page.fill("#business_name", "Công ty TNHH Máy Sấy Miền Tây")
    page.fill("#tax_code", valid_tax_code(777))
    page.select_option("#province", "can_tho")
    page.fill("#full_name", "Lê Văn Tâm")
    page.fill("#email", "tam@maysaymientay.vn")
    page.fill("#password", "May-say-mien-tay-1")
    page.fill("#password_confirm", "May-say-mien-tay-1")
    shots(page, "2-register-form")
    page.locator("form button[type=submit]").last.click()
    # not signed in yet: the same page follows a sign-up with an address that already has
    # an account, so nobody learns which addresses are registered
    page.wait_for_url("**/auth/login")
    assert "tam@maysaymientay.vn" in page.content()
    shots(page, "3-check-your-mail")

    [mail] = smtp.wait_for(1)
    link = re.search(r"(http://\S+/auth/verify/\S+)", smtp.body(mail)).group(1)
    page.goto(link)
    page.wait_for_url("**/auth/login")
    page.fill("#email", "tam@maysaymientay.vn")
    page.fill("#password", "May-say-mien-tay-1")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/account")
    assert "Công ty TNHH Máy Sấy Miền Tây" in page.content()
    assert "Vui lòng xác nhận" not in page.content()
    shots(page, "4-dashboard-verified")


def test_bad_tax_code_is_explained(new_page):
    page = new_page()
    page.goto("/auth/register")
    page.fill("#business_name", "Công ty Sai Mã Số")
    page.fill("#tax_code", "0100109107")
    page.select_option("#province", "ha_noi")
    page.fill("#full_name", "Người Thử")
    page.fill("#email", "thu@example.vn")
    page.fill("#password", "Mat-khau-dung-1")
    page.fill("#password_confirm", "Mat-khau-dung-1")
    page.locator("form button[type=submit]").last.click()
    assert page.locator(".invalid-feedback").first.is_visible()


def test_switch_language(new_page, shots):
    page = new_page()
    page.goto("/")
    assert "doanh nghiệp đã đăng ký" in page.content()
    page.get_by_role("link", name="English").first.click()
    page.wait_for_load_state()
    assert "registered businesses" in page.content()
    shots(page, "home-english")
    page.goto("/auth/login")
    assert "Sign in" in page.content()  # remembered
