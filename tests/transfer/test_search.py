"""A newcomer's import: 1,000 rows with a dozen bad ones, then every good one is found by
search on the real Meilisearch, with and without diacritics, and a re-run adds nothing."""
import random

from exchange.search.outbox import backlog
from tests.factories import valid_tax_code
from tests.helpers import api_ids
from tests.transfer.conftest import read_rejects, row, run, write_file

PRODUCTS = [
    ("Máy sấy nông sản", "may say nong san"),
    ("Dây chuyền chế biến cà phê", "day chuyen che bien ca phe"),
    ("Hệ thống tưới nhỏ giọt", "he thong tuoi nho giot"),
    ("Lò đốt trấu", "lo dot trau"),
    ("Phần mềm quản lý kho", "phan mem quan ly kho"),
]
BAD = {  # row number -> what is wrong with it
    17: {"title": ""}, 90: {"category": "Đồ chơi"}, 133: {"price_vnd": "liên hệ"},
    200: {"business_tax_code": "0312345678"}, 288: {"province": "Tỉnh Mặt Trăng"},
    345: {"kind": "trao đổi"}, 401: {"sector": "Du lịch"}, 512: {"external_id": ""},
    640: {"trl": "10"}, 777: {"contact_email": "@@"}, 850: {"summary": "dài " * 120},
    999: {"price_vnd": "1,5 tỷ"},
}


def sample_rows(n=1000):
    rng = random.Random(11)
    tax_codes = [valid_tax_code(700 + b) for b in range(20)]
    rows = []
    for i in range(n):
        product, _ = PRODUCTS[i % len(PRODUCTS)]
        b = i % len(tax_codes)
        cells = row(i, title=f"{product} mẫu {i}", province=rng.choice(
                        ["Đắk Lắk", "Vĩnh Phúc", "Hà Nội", "Bình Dương", "Cần Thơ"]),
                    kind="chào bán" if i % 4 else "chào mua",
                    business_tax_code=tax_codes[b], business_name=f"Công ty Mẫu {b}",
                    contact_email=f"lienhe{b}@mau.vn", trl="7")
        cells.update(BAD.get(i, {}))
        rows.append(cells)
    return rows


def collect(client, q) -> set[int]:
    found, page = set(), 1
    while True:
        response = client.get("/api/v1/search", query_string={"q": q, "per_page": 100,
                                                               "page": page})
        body = response.get_json()
        found |= {hit["id"] for hit in body["hits"]}
        if page * 100 >= body["total"]:
            return found
        page += 1


def test_thousand_rows_imported_and_found_by_search(app, client, meili, moderator, tmp_path):
    header = tuple(row()) + ("trl",)
    path = write_file(tmp_path / "old.csv", sample_rows(), header=header)
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email, "--batch-size", "300")
    assert result.exit_code == 0, result.output
    assert "988 were created, 0 updated, 0 unchanged, 12 rejected" in result.output
    assert "20 new business(es), 20 invitation(s)" in result.output
    assert "search index in sync" in result.output
    rejects = read_rejects(tmp_path / "old.rejects.csv")
    assert sorted(int(r["line"]) for r in rejects) == sorted(n + 2 for n in BAD)
    assert all(r["column"] and r["reason"] for r in rejects)
    meili.wait_idle()

    from exchange.extensions import db
    from exchange.listings.models import Listing
    from sqlalchemy import select
    imported = {ext: lid for lid, ext in db.session.execute(
        select(Listing.id, Listing.external_id))}
    good = {i for i in range(1000) if i not in BAD}
    assert set(imported) == {f"old-{i}" for i in good}

    for product, folded in PRODUCTS:
        expected = {imported[f"old-{i}"] for i in good if PRODUCTS[i % 5][0] == product}
        assert collect(client, product) >= expected
        assert collect(client, folded) >= expected  # without diacritics too
    assert set(api_ids(client, q="mẫu 421")) >= {imported["old-421"]}
    assert imported["old-421"] in api_ids(client, q="mau 421")

    again = run(app, "import-listings", path, "--status", "published",
                "--moderator", moderator.email, "--batch-size", "300")
    assert "0 were created, 0 updated, 988 unchanged, 12 rejected" in again.output
    assert "0 invitation(s)" in again.output
    assert db.session.scalar(select(db.func.count()).select_from(Listing)) == 988
    assert not any(backlog().values())
