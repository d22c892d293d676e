"""Bench: CSV import of N listings (published, index in sync) next to raw Meilisearch ingestion.

    .venv/bin/python -m bench.importer          # 100,000 rows
    BENCH_IMPORT_ROWS=10000 .venv/bin/python -m bench.importer

Both figures come from the same Meilisearch process in the same run: first N documents
shaped like the app's index documents are sent straight to a fresh index with the app's
settings (raw ingestion), then the same N rows are imported from a CSV file through the
importer, database and outbox included, until Meilisearch has confirmed every document.
BENCH_DATABASE_URL picks the database (default: a temporary SQLite file).
"""
import csv
import os
import random
import resource
import sys
import time
from pathlib import Path

from bench.harness import bench_app
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
BATCH = int(os.environ.get("BENCH_IMPORT_BATCH", "2000"))
BUSINESSES = max(1, min(2000, ROWS // 50))

PRODUCTS = [
    ("Máy sấy nông sản", "equipment", "agriculture"),
    ("Dây chuyền chế biến cà phê", "equipment", "food_processing"),
    ("Hệ thống tưới nhỏ giọt thông minh", "technology", "agriculture"),
    ("Phần mềm quản lý kho", "technology", "ict"),
    ("Máy ép viên nén mùn cưa", "equipment", "energy"),
    ("Công nghệ xử lý nước thải chăn nuôi", "technology", "environment"),
    ("Dịch vụ bảo trì máy CNC", "service", "mechanical_engineering"),
    ("Bằng sáng chế vật liệu cách nhiệt", "intellectual_property", "construction_materials"),
    ("Robot hàn tự động", "equipment", "electronics_automation"),
    ("Chế phẩm sinh học cho cây trồng", "technology", "biotechnology"),
]
QUALIFIERS = ["công suất lớn", "tiết kiệm điện", "đạt chuẩn ISO", "thế hệ mới", "giá rẻ",
              "nhập khẩu", "cho hợp tác xã", "bán tự động", "chất lượng cao", "mini"]
PROVINCES = ["Hà Nội", "TP. Hồ Chí Minh", "Đắk Lắk", "Vĩnh Phúc", "Cần Thơ", "Nghệ An",
             "Bình Dương", "Lâm Đồng", "Hải Dương", "Thanh Hóa"]


def tax_code(n: int) -> str:
    from stdnum.vn import mst
    n = 10 * n
    while True:
        stem = f"03{n % 10_000_000:07d}"
        code = stem + str(mst.calc_check_digit(stem))
        if mst.is_valid(code):
            return code
        n += 1


def write_sample(path: Path, rows: int) -> None:
    """A file like an old exchange's export: Vietnamese labels, several rows per business."""
    from exchange.transfer.csv_format import COLUMNS
    rng = random.Random(7)
    codes = [tax_code(b) for b in range(BUSINESSES)]
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for n in range(rows):
            product, category, sector = rng.choice(PRODUCTS)
            qualifier = rng.choice(QUALIFIERS)
            b = n % BUSINESSES
            offer = rng.random() < 0.8
            cells = {
                "external_id": f"old-{n}", "kind": "chào bán" if offer else "chào mua",
                "title": f"{product} {qualifier} #{n}",
                "summary": f"{product} {qualifier}, bảo hành 12 tháng, hỗ trợ lắp đặt.",
                "description": f"{product} {qualifier}.\n\n- Bảo hành 12 tháng\n- Giao toàn quốc",
                "category": category, "sector": sector, "province": rng.choice(PROVINCES),
                "price_vnd": "" if rng.random() < 0.2 else f"{rng.randrange(10, 5000)}000000",
                "keywords": f"{product.lower()};{qualifier}",
                "business_tax_code": codes[b], "business_name": f"Công ty Thử nghiệm {b}",
                "contact_email": f"lienhe{b}@doanhnghiep.vn",
            }
            writer.writerow([cells.get(name, "") for name in COLUMNS])


def raw_ingestion(app, rows: int) -> dict:
    """N documents of the app's shape straight into a fresh index: Meilisearch's own rate."""
    from exchange.search import index
    with app.app_context():
        client = index.admin_client()
        uid = index.index_name("__raw_bench")
        index.apply_settings(client, uid)
        rng = random.Random(7)
        now = time.time()
        started = time.monotonic()
        tasks = []
        for start in range(0, rows, BATCH):
            documents = []
            for n in range(start, min(start + BATCH, rows)):
                product, category, sector = rng.choice(PRODUCTS)
                qualifier = rng.choice(QUALIFIERS)
                documents.append({
                    "id": n + 1, "kind": "offer", "status": "published",
                    "title": f"{product} {qualifier} #{n}",
                    "summary": f"{product} {qualifier}, bảo hành 12 tháng, hỗ trợ lắp đặt.",
                    "description": f"{product} {qualifier}.\n\n- Bảo hành 12 tháng\n"
                                   "- Giao toàn quốc",
                    "keywords": [product.lower(), qualifier], "category": category,
                    "sector": sector, "province": "dak_lak", "trl": None, "ip_status": "none",
                    "transfer_modes": [], "price": 10_000_000, "price_vnd": 10_000_000,
                    "budget_min_vnd": None, "budget_max_vnd": None, "price_negotiable": False,
                    "quantity": None, "unit": None, "business_id": n % BUSINESSES + 1,
                    "business_name": f"Công ty Thử nghiệm {n % BUSINESSES}",
                    "business_verified": False, "image": None, "published_at": now,
                    "expires_at": int(now) + 365 * 86400, "featured": False,
                    "featured_until": 0,
                })
            tasks.append(index.upsert_documents(client, documents, uid=uid))
        for task in tasks:
            result = client.wait_for_task(task, timeout=3600)
            assert result["status"] == "succeeded", result
        seconds = time.monotonic() - started
        client.delete(f"/indexes/{uid}")
    return {"rows": rows, "seconds": seconds, "rate": rows / seconds}


def import_run(app, path: Path) -> dict:
    from exchange.accounts.models import Member, Role
    from exchange.extensions import db
    from exchange.search.outbox import backlog
    from exchange.transfer.importer import Importer

    with app.app_context():
        moderator = Member(full_name="Bench moderator", email="bench@sangiaodich.vn",
                           role=Role.MODERATOR, password_hash="-")
        db.session.add(moderator)
        db.session.commit()
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        importer = Importer(status="published", moderator_id=moderator.id, batch_size=BATCH)
        with open(path, encoding="utf-8", newline="") as stream:
            report = importer.run(stream)
        left = backlog()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert report.rejected == 0 and report.created == ROWS, report
    assert not any(left.values()), left
    return {"rows": report.rows, "seconds": report.seconds, "rate": report.rows_per_second,
            "rss_growth_mb": (rss_after - rss_before) / 1024}


MARK_START, MARK_END = "<!-- bench:importer:start -->", "<!-- bench:importer:end -->"


def write_results(raw: dict, imported: dict, ratio: float, database: str,
                  load: float) -> Path:
    """Replace this bench's section of docs/benchmarks.md with the figures of this run."""
    import platform
    section = f"""{MARK_START}
## CSV import (`flask exchange import-listings --status published`)

{ROWS:,} rows from a CSV file ({BUSINESSES:,} businesses, created by the import), published
and in the search index; {database}, batches of {BATCH:,} rows, one Meilisearch 1.21.0
process on loopback; {os.cpu_count()} CPUs ({platform.machine()}), load average {load:.1f}
at the end of the run (the machine is shared: both figures fall as it rises, Meilisearch
and Python then compete for the same CPUs during the import). Raw ingestion: the same
number of documents of the app's shape sent straight to a fresh index with the app's
settings, in requests of {BATCH:,}, timed until Meilisearch has processed them all. Import:
from opening the file to Meilisearch confirming the last document (reading, checks,
businesses and invitations, listings through `lifecycle.submit_new_many`, audit and outbox
rows, index pushes, confirmation).

| figure | value |
|---|---|
| raw Meilisearch ingestion | {raw['rate']:,.0f} documents/s ({raw['seconds']:.1f} s) |
| import, database and index | {imported['rate']:,.0f} rows/s ({imported['seconds']:.1f} s) |
| import / raw | {ratio:.0%} |
| peak memory growth during the import | {imported['rss_growth_mb']:.0f} MB |
{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


def main() -> dict:
    with bench_app("import") as bench:
        app, workdir, database_url = bench.app, bench.workdir, bench.database_url
        path = workdir / "listings.csv"
        write_sample(path, ROWS)
        raw = raw_ingestion(app, ROWS)
        imported = import_run(app, path)
    ratio = imported["rate"] / raw["rate"]
    print(f"CSV import, {ROWS:,} rows, published, index in sync "
          f"({database_url.split(':')[0]}, batch {BATCH})")
    print(f"  raw Meilisearch ingestion: {raw['rate']:>8,.0f} docs/s ({raw['seconds']:.1f}s)")
    print(f"  import (database + index): {imported['rate']:>8,.0f} rows/s "
          f"({imported['seconds']:.1f}s) = {ratio:.0%} of raw; "
          f"peak RSS grew {imported['rss_growth_mb']:.0f} MB")
    path = write_results(raw, imported, ratio, bench.database,
                         os.getloadavg()[0])
    print(f"  written to {path}")
    return {"raw": raw, "import": imported, "ratio": ratio}


if __name__ == "__main__":
    main()
