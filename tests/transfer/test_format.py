"""The CSV format: every kind of bad row reported by line, column and reason; BOM,
semicolons and the labels people actually write."""
import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.listings.models import Listing
from tests.transfer.conftest import (HEADER, OTHER_TAX_CODE, count, read_rejects, row, run,
                                     write_file)

pytestmark = pytest.mark.usefixtures("app")

NEW_BUSINESS = {"business_tax_code": OTHER_TAX_CODE}

BAD_ROWS = [
    # (overrides, column, words in the reason)
    ({"title": ""}, "title", "title missing"),
    ({"title": "Máy"}, "title", "5 to 200 characters"),
    ({"external_id": ""}, "external_id", "external_id missing"),
    ({"kind": "cho thuê"}, "kind", "unknown kind"),
    ({"category": "Đồ gia dụng"}, "category", "unknown category “Đồ gia dụng”"),
    ({"sector": "Thời trang"}, "sector", "unknown sector"),
    ({"province": "Atlantis"}, "province", "unknown province “Atlantis”"),
    ({"category": ""}, "category", "category missing"),
    ({"price_vnd": "hai trăm triệu"}, "price_vnd", "price not a number"),
    ({"price_vnd": "-5000"}, "price_vnd", "price not a number"),
    ({"business_tax_code": "0100109107"}, "business_tax_code", "bad tax code"),
    ({"business_tax_code": ""}, "business_tax_code", "tax code missing"),
    ({"contact_email": "không có email"}, "contact_email", "bad email address"),
    ({"summary": "x" * 301}, "summary", "longer than 300"),
    ({**NEW_BUSINESS, "business_name": ""}, "business_name", "business name missing"),
]


@pytest.mark.parametrize("overrides,column,reason", BAD_ROWS,
                         ids=[f"{c}:{r}" for _, c, r in BAD_ROWS])
def test_each_bad_row_is_reported_and_the_good_rows_go_in(app, tmp_path, overrides, column,
                                                          reason):
    path = write_file(tmp_path / "old.csv", [row(1), row(2, **overrides), row(3)])
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    assert "2 were created" in result.output and "1 rejected" in result.output
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    assert rejected["line"] == "3"  # the header is line 1
    assert rejected["column"] == column
    assert reason in rejected["reason"]
    assert rejected["title"] == row(2, **overrides)["title"]  # the row, to fix and re-import
    assert count(Listing) == 2


def test_optional_columns_are_checked_too(app, tmp_path):
    header = HEADER + ("trl", "quantity", "unit", "expires_at", "transfer_modes")
    path = write_file(tmp_path / "old.csv", [
        row(1, trl="12"), row(2, quantity="3", unit=""), row(3, expires_at="2001-01-01"),
        row(4, transfer_modes="bán;cho không"), row(5, expires_at="31/02/2026"),
        row(6, trl="7", quantity="2", unit="bộ", transfer_modes="Mua bán; licence"),
    ], header=header)
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    reasons = {r["line"]: (r["column"], r["reason"]) for r in
               read_rejects(tmp_path / "old.rejects.csv")}
    assert reasons["2"][0] == "trl" and "from 1 to 9" in reasons["2"][1]
    assert reasons["3"] == ("unit", "unit missing for the quantity")
    assert reasons["4"] == ("expires_at", "expiry date in the past")
    assert "unknown transfer mode" in reasons["5"][1]
    assert "not a date" in reasons["6"][1]
    revision = db.session.scalars(select(Listing)).one().latest_revision
    assert (revision.trl, revision.quantity, revision.unit) == (7, 2, "set")
    assert revision.transfer_modes == ["sale", "licence"]


def test_several_errors_in_one_row_are_all_named(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1, title="", price_vnd="abc",
                                                 province="Mars")])
    run(app, "import-listings", path)
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    assert rejected["column"] == "title; province; price_vnd"


def test_a_row_with_more_cells_than_columns_is_rejected(app, tmp_path):
    path = tmp_path / "old.csv"
    write_file(path, [row(1)])
    with open(path, "a", encoding="utf-8") as f:
        f.write("old-2,offer,Máy sấy nông sản loại nhỏ,Tóm tắt,,equipment,agriculture,"
                "Đắk Lắk,1,5,x,y," + OTHER_TAX_CODE + ",Tên,a@b.vn\n")
    result = run(app, "import-listings", path)
    assert "1 rejected" in result.output
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    assert rejected["line"] == "3" and "more than the header" in rejected["reason"]


def test_bom_and_semicolons_are_detected(app, tmp_path):
    path = write_file(tmp_path / "excel.csv", [row(1, keywords="máy sấy;nông sản"),
                                               row(2, description="Dòng một\nDòng hai")],
                      delimiter=";", bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    assert "2 were created" in result.output
    first = db.session.scalars(select(Listing).where(Listing.external_id == "old-1")).one()
    assert first.latest_revision.keywords == ["máy sấy", "nông sản"]
    second = db.session.scalars(select(Listing).where(Listing.external_id == "old-2")).one()
    assert second.latest_revision.description == "Dòng một\nDòng hai"


def test_line_numbers_count_lines_inside_quoted_cells(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1, description="a\nb\nc"), row(2, title="")])
    run(app, "import-listings", path)
    [rejected] = read_rejects(tmp_path / "old.rejects.csv")
    assert rejected["line"] == "5"


@pytest.mark.parametrize("written,code", [
    ("Vĩnh Phúc", "phu_tho"), ("Vinh Phuc", "phu_tho"), ("tỉnh Hà Nam", "ninh_binh"),
    ("Bình Dương", "ho_chi_minh"), ("TP HCM", "ho_chi_minh"), ("Hanoi", "ha_noi"),
    ("ha_noi", "ha_noi"), ("Đà Nẵng", "da_nang"), ("quang nam", "da_nang"),
    ("Thừa Thiên Huế", "hue"),
])
def test_provinces_by_code_label_and_former_name(app, tmp_path, written, code):
    path = write_file(tmp_path / "old.csv", [row(1, province=written)])
    result = run(app, "import-listings", path)
    assert result.exit_code == 0 and "1 were created" in result.output, result.output
    assert db.session.scalars(select(Listing)).one().latest_revision.province == code


def test_labels_in_either_language_and_kinds(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [
        row(1, kind="Chào bán", category="Intellectual property", sector="Công nghệ sinh học"),
        row(2, kind="chao mua", category="dich vu", sector="ICT", price_vnd="1 500 000 ₫"),
        row(3, kind="request", category="technology", sector="food_processing",
            price_vnd=""),
    ])
    assert run(app, "import-listings", path).exit_code == 0
    revisions = {l.external_id: (l.kind, l.latest_revision)
                 for l in db.session.scalars(select(Listing))}
    kind, first = revisions["old-1"]
    assert (kind, first.category, first.sector) == ("offer", "intellectual_property",
                                                    "biotechnology")
    kind, second = revisions["old-2"]
    assert (kind, second.category, second.sector) == ("request", "service", "ict")
    assert second.budget_max_vnd == 1_500_000 and not second.price_negotiable
    assert revisions["old-3"][1].price_negotiable


def test_a_file_without_the_required_columns_is_refused_whole(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1)], header=("external_id", "title"))
    result = run(app, "import-listings", path)
    assert result.exit_code != 0
    assert "missing column(s): kind, category, sector, province, business_tax_code" \
        in result.output
    assert count(Listing) == 0


def test_a_file_that_is_not_utf8_is_refused_and_leaves_no_report(app, tmp_path):
    path = tmp_path / "old.csv"
    # Windows-1258 as old Vietnamese spreadsheets save it: the header itself is unreadable
    path.write_bytes("tên,loại".encode("utf-8").replace(b"\xc3\xaa", b"\xea") + b"\n"
                     + b"old-1,offer,M\xe1y s\xe2y\n")
    result = run(app, "import-listings", path)
    assert result.exit_code == 1 and "UTF-8" in result.output
    assert not (tmp_path / "old.rejects.csv").exists()


def test_the_sample_file_imports_cleanly(app, tmp_path):
    from pathlib import Path
    sample = Path(__file__).resolve().parents[2] / "docs" / "sample-import.csv"
    result = run(app, "import-listings", sample, "--dry-run", "--rejects",
                 tmp_path / "r.csv")
    assert result.exit_code == 0, result.output
    assert "0 rejected" in result.output and "3 new business(es)" in result.output
