"""A business features its offer by VietQR transfer: scan, the bank's signed notice, featured."""
import io
import json
import re
import time

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from exchange.extensions import db
from exchange.payments.models import Order, OrderStatus
from exchange.payments.transfers import sign
from tests.e2e.conftest import poll, sign_in
from tests.factories import make_business, make_listing, make_member, publish

SECRET = "vietqr-e2e-secret"
ACCOUNT = "1903 6688 9999"


@pytest.fixture
def app_overrides(app_overrides):
    return {**app_overrides, "VIETQR_BANK": "techcombank", "VIETQR_ACCOUNT_NUMBER": "19036688999",
            "VIETQR_ACCOUNT_NAME": "San Giao Dich Cong Nghe Dak Lak",
            "VIETQR_WEBHOOK_SECRET": SECRET, "RECEIPT_VAT_PERCENT": 8,
            "EXCHANGE_LEGAL_NAME": "Trung tâm Ứng dụng Tiến bộ Khoa học và Công nghệ Đắk Lắk",
            "EXCHANGE_TAX_CODE": "6000123456",
            "EXCHANGE_ADDRESS": "15 Lê Duẩn, phường Buôn Ma Thuột, tỉnh Đắk Lắk"}


def tlv(text):
    fields, i = {}, 0
    while i < len(text):
        tag, length = text[i:i + 2], int(text[i + 2:i + 4])
        fields[tag] = text[i + 4:i + 4 + length]
        i += 4 + length
    return fields


def decode_qr(png: bytes) -> str:
    [found] = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert found.format == zxingcpp.BarcodeFormat.QRCode
    return found.text


def test_feature_by_vietqr_transfer(new_page, meili, shots):
    owner = make_member(business=make_business(name="Công ty Cơ khí Nông nghiệp Buôn Ma Thuột",
                                               province="dak_lak"), full_name="Trần Thị Hoa")
    listing = publish(make_listing(owner.business, owner,
                                   title="Máy sấy nông sản năng lượng mặt trời 500 kg/mẻ"))

    page = sign_in(new_page(), owner)
    page.goto(f"/listings/{listing.id}")
    panel = page.locator("#feature-panel")
    assert panel.is_visible()
    page.locator("#plan-week").check()
    shots(page, "1-feature-panel")
    panel.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/payments/orders/\d+/pay$"))
    order = db.session.scalars(db.select(Order).where(Order.listing_id == listing.id)).one()
    assert order.provider == "vietqr" and order.status == OrderStatus.PENDING

    # what the payer reads and copies
    reference = page.locator("#copy-reference").inner_text()
    assert reference == order.reference
    assert page.locator("#copy-account").inner_text() == "19036688999"
    assert page.locator("#copy-amount").inner_text() == "200000"
    assert page.locator("#order-expiry time").is_visible()
    shots(page, "2-vietqr-code")

    # what a banking app reads from the code
    content = decode_qr(page.locator("#vietqr img.vietqr-code").screenshot())
    fields = tlv(content)
    napas = tlv(fields["38"])
    assert napas["00"] == "A000000727" and tlv(napas["01"]) == {"00": "970407",
                                                                 "01": "19036688999"}
    assert fields["54"] == "200000" and fields["53"] == "704"
    assert tlv(fields["62"])["08"] == reference

    # a forged notice is refused; the bank-notification service's signed one is accepted
    visitor = new_page()
    body = json.dumps({"transaction_id": "FT26337814412", "amount": 200000,
                       "description": f"TCB;19036688999;{reference} thanh toan noi bat tin",
                       "type": "credit", "account_number": "19036688999"})
    now = str(int(time.time()))

    def post(signature):
        return visitor.request.post("/payments/vietqr/webhook", data=body, headers={
            "Content-Type": "application/json", "X-Exchange-Timestamp": now,
            "X-Exchange-Signature": signature})

    assert post(sign("forged-secret", now, body.encode())).status == 400
    accepted = post(sign(SECRET, now, body.encode()))
    assert accepted.ok and accepted.json()["outcome"] == "fulfilled"
    assert post(sign(SECRET, now, body.encode())).json()["outcome"] == "duplicate"

    # the payer's page, left open, turns to paid by itself
    expect(page.locator("#order-paid")).to_be_visible(timeout=10_000)
    assert page.locator("#transfer-instructions").inner_html().strip() == ""
    shots(page, "3-paid")

    featured = visitor.locator(".home-featured .listing-card")
    poll(visitor, "/", lambda p: featured.count() == 1, seconds=10)
    assert "Máy sấy nông sản năng lượng mặt trời" in featured.first.inner_text()

    # the receipt, on screen and as a PDF
    page.goto(f"/payments/orders/{order.id}")
    db.session.expire_all()
    number = db.session.get(Order, order.id).receipt.number
    assert number in page.locator("#receipt").inner_text()
    shots(page, "4-receipt")
    with page.expect_download() as download:
        page.locator("#receipt-pdf").click()
    pdf = PdfReader(download.value.path())
    text = pdf.pages[0].extract_text()
    assert number in text and "BIÊN LAI THU TIỀN" in text and "Thuế GTGT (8%)" in text
    assert "Trung tâm Ứng dụng Tiến bộ Khoa học và Công nghệ Đắk Lắk" in text
