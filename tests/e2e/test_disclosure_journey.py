"""Staged disclosure: an owner posts an anonymous offer with a confidential PDF; visitors and
the search API see neither the name nor the PDF; a member accepts the agreement, asks, is
granted, downloads the PDF marked with its name and sees the owner's name; another member
still cannot; the owner revokes and the file is gone for that member."""
import io
import re

from pypdf import PdfReader, PdfWriter

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Listing
from tests.e2e.conftest import poll, periodic_jobs, sign_in
from tests.factories import make_business, make_member

OWNER = "Công ty Nước mắm Bí truyền Nha Trang"
BUYER = "Hợp tác xã Chế biến Hải sản Phú Quốc"
SECRET = "Men chủng NT-7, ủ ở 38 độ trong 45 ngày"


def secret_pdf(directory):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = directory / "quy-trinh-men-NT7.pdf"
    with open(path, "wb") as out:
        writer.write(out)
    return path


def test_disclosure_journey(app, new_page, smtp, shots, tmp_path):
    owner = make_member(business=make_business(name=OWNER, province="khanh_hoa"),
                        full_name="Lê Văn Chượp", email="chuop@nuocmamnt.vn")
    buyer = make_member(business=make_business(name=BUYER, province="kien_giang"),
                        full_name="Nguyễn Thị Cá", email="ca@htxphuquoc.vn")
    nosy = make_member(business=make_business(name="Công ty Tò Mò", province="ha_noi"),
                       full_name="Đỗ Tò Mò", email="tomo@example.vn")

    page = sign_in(new_page(), owner)
    page.goto("/listings/new?kind=offer")
    page.fill("#title", "Quy trình lên men nước mắm rút ngắn còn 3 tháng")
    page.fill("#summary", "Công nghệ lên men nhanh giữ nguyên hương vị nước mắm truyền thống.")
    page.fill("#description", SECRET)
    page.select_option("#category", "technology")
    page.select_option("#sector", "food_processing")
    page.select_option("#province", "khanh_hoa")
    page.check("#price_negotiable")
    page.select_option("#ip_status", "know_how")
    page.check("input[name=transfer_modes][value=licence]")
    page.fill("#keywords", "nước mắm, lên men")
    page.set_input_files("#attachments", [str(secret_pdf(tmp_path))])
    page.check("#description_confidential")
    page.check("#new_files_confidential")
    page.check("#is_anonymous")
    page.check("input[name=agreement_mode][value=default]")
    shots(page, "1-owner-form")
    page.click("button[name=action][value=submit]")
    page.wait_for_url(re.compile(r"/listings/\d+$"))
    listing_id = int(page.url.rsplit("/", 1)[1])
    pdf_link = page.locator("a", has_text="quy-trinh-men-NT7.pdf")
    pdf_url = pdf_link.get_attribute("href")

    listing = db.session.get(Listing, listing_id)
    lifecycle.approve_revision(listing.latest_revision, "Đủ thông tin.")
    db.session.commit()

    # a visitor: the anonymous label, no name, no secret, no PDF
    visitor = new_page()
    poll(visitor, "/search?q=nuoc+mam+len+men",
         lambda p: p.locator(f"a[href='/listings/{listing_id}']").count() == 1,
         between=periodic_jobs(app))
    assert OWNER not in visitor.content()
    visitor.goto(f"/listings/{listing_id}")
    body = visitor.content()
    assert "Một doanh nghiệp đã xác minh tại Khánh Hòa" in visitor.locator("#publisher").inner_text()
    for leak in (OWNER, SECRET, "quy-trinh-men-NT7.pdf", f"/businesses/{owner.business_id}"):
        assert leak not in body
    assert visitor.request.get(pdf_url).status == 404
    shots(visitor, "2-visitor")
    api = visitor.request.get("/api/v1/search?q=nuoc+mam").json()
    assert [hit["id"] for hit in api["hits"]] == [listing_id]
    assert api["hits"][0]["business_name"] == "" and api["hits"][0]["business_id"] is None
    detail = visitor.request.get(f"/api/v1/listings/{listing_id}").text()
    assert OWNER not in detail and SECRET not in detail and "NT7" not in detail

    # the buyer accepts the agreement and asks
    asking = sign_in(new_page(), buyer)
    asking.goto(f"/listings/{listing_id}")
    asking.click("#ask-access")
    assert "THỎA THUẬN BẢO MẬT" in asking.locator("#agreement-text").inner_text()
    asking.fill("#statement", "HTX muốn rút ngắn thời gian ủ chượp cho 20 bể nước mắm.")
    asking.click("#access-form button[type=submit]")
    # without ticking the agreement, nothing is sent
    assert asking.locator(".invalid-feedback").first.is_visible()
    asking.check("#accept_agreement")
    shots(asking, "3-agreement")
    asking.click("#access-form button[type=submit]")
    asking.wait_for_url(re.compile(r"/account/my-access-requests$"))
    assert "Chờ chủ tin đăng" in asking.locator("#my-access-requests").inner_text()

    # the owner grants it from the dashboard
    page.goto("/account")
    assert page.locator("#access-waiting").inner_text() == "1"
    page.click("#dashboard-access a[href='/account/access-requests']")
    request_box = page.locator(".access-request", has_text=BUYER)
    assert "20 bể nước mắm" in request_box.inner_text()
    shots(page, "4-owner-requests")
    request_box.locator("button", has_text="Cấp quyền").click()
    page.wait_for_load_state()
    assert "Đã cấp quyền" in page.locator(".access-request", has_text=BUYER).inner_text()
    smtp.wait_for(2)
    assert any(f"/listings/{listing_id}" in smtp.body(m) for m in smtp.to("ca@htxphuquoc.vn"))

    # the buyer now sees the owner's name and the secret, and downloads the marked PDF
    asking.goto(f"/listings/{listing_id}")
    assert OWNER in asking.locator("#publisher").inner_text()
    assert SECRET in asking.content()
    with asking.expect_download() as download_info:
        asking.click(f"a[href='{pdf_url}']")
    data = open(download_info.value.path(), "rb").read()
    first_page = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert BUYER in first_page
    response = asking.request.get(pdf_url)
    assert response.status == 200 and response.headers["cache-control"] == "private, no-store"
    shots(asking, "5-granted")

    # another member still cannot
    other = sign_in(new_page(), nosy)
    assert other.request.get(pdf_url).status == 404
    other.goto(f"/listings/{listing_id}")
    assert OWNER not in other.content() and SECRET not in other.content()

    # the owner revokes: the file is gone for the buyer
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".access-request", has_text=BUYER).locator("button",
                                                             has_text="Thu hồi quyền").click()
    page.wait_for_load_state()
    assert "Đã thu hồi" in page.locator(".access-request", has_text=BUYER).inner_text()
    shots(page, "6-revoked")
    assert asking.request.get(pdf_url).status == 404
    asking.goto(f"/listings/{listing_id}")
    assert OWNER not in asking.content() and SECRET not in asking.content()
