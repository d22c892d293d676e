"""Numbered receipts (HTML and PDF, in Vietnamese) and the accountant's export of a period."""
import csv
import io
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.listings.rules import local_today
from exchange.payments.models import Order, Receipt
from tests.factories import csrf_token, make_member
from tests.payments.conftest import (checkout_event, deliver, notice, notify, signed_in,
                                     transfer_order)


@pytest.fixture
def paid(vietqr, client, owner_client, listing):
    order = transfer_order(owner_client, listing)
    assert notify(client, notice("FT26337555001", 200_000, order.reference)).get_json()[
        "outcome"] == "fulfilled"
    db.session.expire_all()
    return order


def test_each_paid_order_gets_the_next_receipt_number(vietqr, stripe_api, client, owner_client,
                                                      listing, paid):
    token = csrf_token(owner_client, f"/listings/{listing.id}")
    owner_client.post(f"/payments/feature/{listing.id}",
                      data={"plan": "month", "provider": "stripe", "csrf_token": token})
    second = db.session.scalars(db.select(Order).order_by(Order.id.desc())).first()
    assert second.provider == "stripe"
    deliver(client, checkout_event(second))
    db.session.expire_all()
    numbers = [r.number for r in db.session.scalars(db.select(Receipt).order_by(Receipt.id))]
    year = paid.receipt.issued_at.year
    assert numbers == [f"BL{year}-000001", f"BL{year}-000002"]
    assert second.receipt.amount_vnd == 600_000 and paid.receipt.amount_vnd == 200_000


def test_the_receipt_page_names_seller_buyer_and_payment(owner_client, paid, owner):
    page = owner_client.get(f"/payments/orders/{paid.id}").get_data(as_text=True)
    assert paid.receipt.number in page
    assert "Trung tâm Ứng dụng Tiến bộ Khoa học và Công nghệ" in page
    assert "0312345678" in page and "Buôn Ma Thuột" in page
    assert owner.business.name in page and owner.business.tax_code in page
    assert "FT26337555001" in page and paid.reference in page
    assert "VAT" not in page  # no VAT rate configured: no VAT line
    assert f'/payments/orders/{paid.id}/receipt.pdf' in page


def test_the_pdf_receipt_is_vietnamese_with_a_vat_line_when_configured(app, owner_client,
                                                                       vietqr, listing):
    app.config["RECEIPT_VAT_PERCENT"] = 8
    order = transfer_order(owner_client, listing)
    notify(app.test_client(), notice("FT26337555002", 200_000, order.reference))
    db.session.expire_all()
    assert order.receipt.vat_percent == 8
    response = owner_client.get(f"/payments/orders/{order.id}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert order.receipt.number in response.headers["Content-Disposition"]
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    for expected in ("BIÊN LAI THU TIỀN", order.receipt.number,
                     "Trung tâm Ứng dụng Tiến bộ Khoa học và Công nghệ", "0312345678",
                     "Buôn Ma Thuột", listing.business.name, "Chuyển khoản ngân hàng (VietQR)",
                     "Thuế GTGT (8%)", "185.185", "14.815", "200.000", order.reference,
                     "FT26337555002"):
        assert expected in text, expected


def test_a_pending_order_has_no_receipt_to_download(vietqr, owner_client, listing):
    order = transfer_order(owner_client, listing)
    assert owner_client.get(f"/payments/orders/{order.id}/receipt.pdf").status_code == 404


def test_another_business_cannot_download_the_receipt(app, paid):
    from tests.factories import make_business
    other = signed_in(app, make_member(business=make_business(name="Công ty Lạ")))
    assert other.get(f"/payments/orders/{paid.id}/receipt.pdf").status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admins_export_orders_and_receipts_of_a_period(app, vietqr, owner_client, listing, paid,
                                                       fmt):
    unpaid = transfer_order(owner_client, listing, "month")
    admin = signed_in(app, make_member(business=None, role=Role.ADMIN))
    assert admin.get("/payments/admin/export").status_code == 200
    today = local_today().isoformat()  # the period is in Vietnam's dates
    response = admin.get(f"/payments/admin/export?start={today}&end={today}&format={fmt}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    else:
        sheet = load_workbook(io.BytesIO(response.data)).active
        rows = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(
            values_only=True)]
    header, *lines = rows
    by_order = {line[header.index("order_id")]: dict(zip(header, line)) for line in lines}
    assert set(by_order) == {str(paid.id), str(unpaid.id)}
    row = by_order[str(paid.id)]
    assert row["receipt_number"] == paid.receipt.number and row["status"] == "paid"
    assert row["provider"] == "vietqr" and row["bank_transaction_id"] == "FT26337555001"
    assert row["amount_paid_vnd"] == "200000" and row["business"] == listing.business.name
    assert by_order[str(unpaid.id)]["receipt_number"] == ""
    # a period before anything happened exports the header alone
    response = admin.get(f"/payments/admin/export?start=2020-01-01&end=2020-01-31&format={fmt}")
    assert response.status_code == 200


def test_members_cannot_export(owner_client, vietqr):
    assert owner_client.get("/payments/admin/export?start=2026-01-01&end=2026-12-31"
                            ).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_business_name_cannot_become_a_spreadsheet_formula(app, vietqr, owner_client, listing,
                                                              fmt):
    listing.business.name = '=HYPERLINK("http://evil.example","Bấm vào đây")'
    db.session.commit()
    order = transfer_order(owner_client, listing)
    admin = signed_in(app, make_member(business=None, role=Role.ADMIN))
    today = local_today().isoformat()
    data = admin.get(f"/payments/admin/export?start={today}&end={today}&format={fmt}").data
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        business = rows[1][rows[0].index("business")]
    else:
        sheet = load_workbook(io.BytesIO(data)).active
        assert sheet.cell(2, 7).data_type == "s"  # a string, not a formula
        business = sheet.cell(2, 7).value
    assert business == "'" + listing.business.name
    assert order.id
