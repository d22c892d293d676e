"""Bank statement import: Vietnamese bank exports, each transaction counted once, ever."""
import io

import pytest
from openpyxl import Workbook

from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.payments.models import BankTransfer, OrderStatus, Receipt, TransferOutcome
from exchange.payments.statement import credits, parse_amount, read_rows
from tests.factories import csrf_token, make_member
from tests.payments.conftest import notice, notify, signed_in, transfer_order


def vietcombank_csv(lines) -> bytes:
    """Title lines above the table, Vietnamese headers, dotted thousands, as VCB exports."""
    rows = ["NGÂN HÀNG TMCP NGOẠI THƯƠNG VIỆT NAM;;;;;",
            "SAO KÊ TÀI KHOẢN;Số tài khoản: 0071000123456;;;;",
            ";;;;;",
            "STT;Ngày giao dịch;Số tham chiếu;Số tiền ghi nợ;Số tiền ghi có;Mô tả"]
    for n, (when, ref, debit, credit, text) in enumerate(lines, 1):
        rows.append(f"{n};{when};{ref};{debit};{credit};{text}")
    rows.append(";;;Tổng;;")
    return "\n".join(rows).encode("utf-8-sig")


def techcombank_xlsx(lines) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["TECHCOMBANK - Account statement"])
    sheet.append([])
    sheet.append(["Transaction Date", "Reference", "Debit", "Credit (VND)",
                  "Transaction details"])
    for line in lines:
        sheet.append(list(line))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.fixture
def admin(app):
    return signed_in(app, make_member(business=None, role=Role.ADMIN))


def upload(admin, name, data):
    token = csrf_token(admin, "/payments/admin/transfers")
    return admin.post("/payments/admin/transfers", data={
        "csrf_token": token, "statement": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


@pytest.mark.parametrize("raw, expected", [
    ("1.500.000", 1_500_000), ("1,500,000", 1_500_000), ("1500000.00", 1_500_000),
    ("1,500,000.00", 1_500_000), ("200 000", 200_000), (200000.0, 200_000), ("", 0),
    ("-50.000", -50_000),
])
def test_amounts_as_banks_write_them(raw, expected):
    assert parse_amount(raw) == expected


def test_a_statement_pays_every_order_whose_reference_it_carries(vietqr, admin, owner_client,
                                                                  listing):
    week = transfer_order(owner_client, listing, "week")
    month = transfer_order(owner_client, listing, "month")
    data = vietcombank_csv([
        ("03/12/2026 09:15:02", "FT26337000101", "", "200.000",
         f"IBFT {week.reference} THANH TOAN NOI BAT"),
        ("03/12/2026 09:20:44", "FT26337000102", "55.000", "", "Phi SMS Banking"),
        ("03/12/2026 10:01:09", "FT26337000103", "", "600.000", f"{month.reference.lower()}"),
        ("03/12/2026 11:00:00", "", "", "1.000.000", "Khong co ma giao dich"),
        ("03/12/2026 11:30:00", "FT26337000104", "", "3.000.000", "Tra tien hang HD 12"),
    ])
    response = upload(admin, "sao-ke-vcb.csv", data)
    assert response.status_code == 303
    db.session.expire_all()
    assert week.status == month.status == OrderStatus.PAID
    assert week.bank_transaction_id == "FT26337000101"
    assert month.paid_at is not None and listing.featured_until == month.feature_until
    transfers = {t.bank_transaction_id: t for t in db.session.scalars(db.select(BankTransfer))}
    assert set(transfers) == {"FT26337000101", "FT26337000103", "FT26337000104"}
    assert transfers["FT26337000104"].outcome == TransferOutcome.UNRELATED
    assert transfers["FT26337000101"].occurred_at.hour == 2  # 09:15 in Hà Nội is 02:15 UTC
    page = admin.get("/payments/admin/transfers").get_data(as_text=True)
    assert "3 credits, 3 new, 0 already recorded, 2 orders paid, 0 for review" in page
    assert "skipped: 8" in page  # the line without a transaction id, named by its line


def test_a_statement_repeating_a_notified_transfer_changes_nothing(vietqr, client, admin,
                                                                  owner_client, listing):
    order = transfer_order(owner_client, listing)
    assert notify(client, notice("FT26337000201", 200_000, order.reference)).get_json()[
        "outcome"] == "fulfilled"
    db.session.expire_all()
    until = listing.featured_until
    data = techcombank_xlsx([
        ("2026-12-03", "FT26337000201", None, 200000, f"{order.reference} chuyen khoan"),
    ])
    for _ in range(2):  # the same statement imported twice, too
        assert upload(admin, "techcombank.xlsx", data).status_code == 303
    db.session.expire_all()
    assert listing.featured_until == until
    assert db.session.scalar(db.select(db.func.count()).select_from(Receipt)) == 1
    assert db.session.scalar(db.select(db.func.count()).select_from(BankTransfer)) == 1
    page = admin.get("/payments/admin/transfers").get_data(as_text=True)
    assert "1 credits, 0 new, 1 already recorded, 0 orders paid, 0 for review" in page


def test_an_underpaid_statement_line_goes_to_the_queue(vietqr, admin, owner_client, listing):
    order = transfer_order(owner_client, listing)
    data = techcombank_xlsx([("2026-12-03", "FT26337000301", None, 100000, order.reference)])
    upload(admin, "techcombank.xlsx", data)
    db.session.expire_all()
    assert order.status == OrderStatus.PENDING
    [transfer] = db.session.scalars(db.select(BankTransfer)).all()
    assert transfer.outcome == TransferOutcome.UNDERPAID and transfer.needs_review
    assert transfer.source == "statement" and transfer.recorded_by_id is not None


def test_an_unreadable_statement_is_refused_with_a_message(vietqr, admin):
    page = upload(admin, "notes.csv", "just,some\ncolumns,here\n".encode())
    assert "No header row found" in page.get_data(as_text=True)
    page = upload(admin, "broken.xlsx", b"PK\x03\x04 not really a workbook")
    assert "could not be read as XLSX" in page.get_data(as_text=True)
    page = upload(admin, "photo.png", b"\x89PNG")
    assert "A CSV or XLSX file, please." in page.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count()).select_from(BankTransfer)) == 0


def test_header_synonyms_without_accents_or_case(app):
    rows = read_rows("x.csv", "ma gd,NGAY,Ghi Có (VND),Noi dung giao dich\n"
                     "A1,01/12/2026,\"250,000\",SGDXXXX\n".encode())
    [(line, credit)] = credits(rows)[0]
    assert (line, credit.bank_transaction_id, credit.amount_vnd) == (2, "A1", 250_000)


def test_the_cli_imports_a_statement_once(vietqr, app, owner_client, listing, tmp_path):
    order = transfer_order(owner_client, listing)
    path = tmp_path / "sao-ke.csv"
    path.write_bytes(vietcombank_csv([("03/12/2026 09:15:02", "FT26337000401", "", "200.000",
                                       order.reference)]))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["exchange", "import-statement", str(path)])
    assert first.exit_code == 0, first.output
    assert "1 new, 0 already recorded, 1 order(s) paid" in first.output
    again = runner.invoke(args=["exchange", "import-statement", str(path)])
    assert "0 new, 1 already recorded, 0 order(s) paid" in again.output
    db.session.expire_all()
    assert order.status == OrderStatus.PAID
    assert db.session.scalar(db.select(db.func.count()).select_from(Receipt)) == 1
