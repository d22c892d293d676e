"""Builds bench/relevance/corpus.csv.gz (the exchange's import CSV) from public catalogues.

    .venv/bin/python -m bench.relevance.build_corpus MEMORYZONE_REPO ORANGE_REPO

Each argument is a git directory of the source repository (see SOURCES.md for the
repositories, commits and licences); the files are read at the pinned commits, so the
output is the same every time. Nothing here runs at bench time: the bench reads only the
committed corpus.csv.gz.

What is taken from the sources: titles, specifications, brands, categories, prices (real).
What is derived, deterministically (a listing needs it and the sources do not say it):
the selling business (a legal form plus a distinctive name, per product line or brand),
its tax code, and its province (from a hash of the business name), so that the corpus has
the generic company words and the province spread of a real exchange.
"""
import csv
import gzip
import hashlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from bench.importer import tax_code  # noqa: E402  (valid tax codes, as the import bench)

HERE = Path(__file__).resolve().parent
OUT = HERE / "corpus.csv.gz"
MEMORYZONE_COMMIT = "03b75f5ebdf64b6482aab7f75d824c4d69b3ef47"
ORANGE_COMMIT = "3e66673de3f80a4a503bf39f647b7fd1b9e6f1e6"
USD_VND = 25_000  # prices of the English catalogue are in US dollars

# current provinces (2025 units), the import resolves their Vietnamese labels
PROVINCES = [
    "An Giang", "Bắc Ninh", "Cà Mau", "Cần Thơ", "Cao Bằng", "Đà Nẵng", "Đắk Lắk",
    "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai", "Hà Nội", "Hà Tĩnh", "Hải Phòng",
    "TP. Hồ Chí Minh", "Huế", "Hưng Yên", "Khánh Hòa", "Lai Châu", "Lâm Đồng", "Lạng Sơn",
    "Lào Cai", "Nghệ An", "Ninh Bình", "Phú Thọ", "Quảng Ngãi", "Quảng Ninh", "Quảng Trị",
    "Sơn La", "Tây Ninh", "Thái Nguyên", "Thanh Hóa", "Tuyên Quang", "Vĩnh Long",
]
LEGAL_FORMS = [
    "Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH Thương mại Dịch vụ",
    "Công ty CP Xuất nhập khẩu", "Công ty TNHH Thương mại", "Công ty CP Công nghệ",
    "Công ty TNHH Dịch vụ Kỹ thuật", "Doanh nghiệp tư nhân",
]
# distinctive parts of Vietnamese business names; some are also ordinary words (Hải Âu,
# Ánh Dương, Tin Học): the noise a real exchange has
DISTINCTIVE = [
    "Hải Âu", "Minh Phát", "Tân Tiến", "An Phát", "Hoàng Long", "Ánh Dương", "Sao Việt",
    "Phúc Thịnh", "Thành Công", "Đại Việt", "Tin Học Ngọc Anh", "Máy Tính Hà Nội",
    "Kỹ Thuật Số Nam Á", "Bảo Minh", "Trường Thịnh", "Hưng Phát", "Việt Tiến", "Thiên Long",
    "Phương Nam", "Hòa Bình", "Quang Trung", "Nhật Minh", "Thịnh Vượng", "Gia Huy",
    "Linh Kiện Sài Gòn", "Điện Tử Bách Khoa", "Mạng Viễn Thông Đông Á", "Kim Cương",
]


SELLERS_PER_LINE = {"vi": 5, "en": 3}
REGIONS = ["Việt Nam", "Miền Bắc", "Miền Nam"]  # English-brand dealers


def stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)


def git_show(repo: str, commit: str, path: str) -> bytes:
    return subprocess.run(["git", "-C", repo, "show", f"{commit}:{path}"], check=True,
                          capture_output=True).stdout


def money(text) -> int | None:
    digits = re.sub(r"\D", "", str(text or ""))
    return int(digits) if digits else None


def flat(value) -> str:
    if isinstance(value, list):
        return ", ".join(flat(v) for v in value if flat(v))
    return re.sub(r"\s+", " ", str(value or "")).strip()


def memoryzone(repo: str) -> list[dict]:
    """Computer hardware and accessories, Vietnamese titles and specifications."""
    rows = []
    for line in git_show(repo, MEMORYZONE_COMMIT, "data/memoryzone.jsonl").decode().splitlines():
        item = json.loads(line)
        title = flat(item["title"])[:200]
        specs = [(flat(k), flat(v)) for k, v in (item.get("specifications") or {}).items()
                 if flat(k) and flat(v) and flat(v) != "-"]
        line_of_products = " ".join(title.split()[:2]).lower()
        summary = "; ".join(f"{k}: {v}" for k, v in specs[:4])[:300]
        rows.append({
            "external_id": f"mz-{item['product_id']}", "kind": "chào bán", "title": title,
            "summary": summary,
            "description": "\n".join(f"- {k}: {v}" for k, v in specs)[:5000],
            "category": "Thiết bị", "sector": "Công nghệ thông tin",
            "price_vnd": money((item.get("prices") or {}).get("meta_amount")) or "",
            "keywords": line_of_products, "line": line_of_products, "language": "vi",
        })
    return rows


ORANGE_SECTORS = {
    "tools": "Cơ khí chế tạo", "automotive": "Cơ khí chế tạo", "outdoors": "Cơ khí chế tạo",
    "appliances": "Điện tử & tự động hóa", "electrical": "Năng lượng",
    "garage": "Vật liệu xây dựng", "storage": "Khác", "furniture": "Khác",
}


def orange(repo: str) -> list[dict]:
    """Tools, appliances and equipment from a home-improvement catalogue (English)."""
    listing = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", ORANGE_COMMIT,
                              "production data/categories"], check=True, capture_output=True,
                             text=True).stdout.split("\n")
    best: dict[str, tuple] = {}
    for path in sorted(p for p in listing if p.endswith(".json")):
        try:
            data = json.loads(git_show(repo, ORANGE_COMMIT, path))
        except (ValueError, subprocess.CalledProcessError):
            continue  # a few files are stored as large-file pointers
        if not isinstance(data, dict):
            continue
        department = path.split("/")[2].removesuffix(".json")
        if department not in ORANGE_SECTORS:
            continue  # home decor, artificial plants: not equipment
        depth = path.count("/") - (1 if path.endswith("_all.json") else 0)
        for product in data.get("products") or []:
            pid = str(product.get("productId") or "")
            if pid and (pid not in best or depth > best[pid][0]):
                best[pid] = (depth, department, data.get("name") or department, product)
    rows = []
    for pid in sorted(best):
        _depth, department, category_name, product = best[pid]
        title = flat(product.get("title"))
        brand = flat(product.get("brand"))
        if len(title) < 5:
            continue
        if brand and not title.lower().startswith(brand.lower()):
            title = f"{brand} {title}"
        title = title[:200]
        price = (product.get("price") or {}).get("current")
        rating = product.get("rating") or {}
        details = [f"Brand: {brand}" if brand else "", f"Category: {category_name}",
                   f"Model: {flat(product.get('modelNumber'))}" if product.get("modelNumber")
                   else "",
                   f"Rating: {rating.get('average', 0):.1f} of 5 ({rating.get('count', 0)} reviews)"
                   if rating.get("count") else ""]
        rows.append({
            "external_id": f"hd-{pid}", "kind": "offer", "title": title,
            "summary": f"{brand + ' · ' if brand else ''}{category_name}"[:300],
            "description": "\n".join(d for d in details if d),
            "category": "Equipment", "sector": ORANGE_SECTORS[department],
            "price_vnd": int(round(float(price) * USD_VND, -3)) if price else "",
            "keywords": category_name.lower(), "line": brand or category_name,
            "language": "en",
        })
    return rows


def businesses(rows: list[dict]) -> None:
    """A few businesses per product line (Vietnamese) or brand (English), as on a real
    exchange where several dealers sell the same line; named and placed deterministically."""
    for row in rows:
        row["seller"] = (row["language"], row["line"],
                         stable(row["external_id"]) % SELLERS_PER_LINE[row["language"]])
    sellers = sorted({row["seller"] for row in rows})
    for number, (language, line, dealer) in enumerate(sellers):
        key = stable(f"{language}:{line}:{dealer}")
        form = LEGAL_FORMS[key % len(LEGAL_FORMS)]
        if language == "vi":
            name = f"{form} {DISTINCTIVE[(key // 7) % len(DISTINCTIVE)]}"
        else:
            name = f"{form} {line} {REGIONS[dealer]}"
        province = PROVINCES[(key // 97) % len(PROVINCES)]
        slug = re.sub(r"[^a-z0-9]+", "", line.lower())[:20] or "lienhe"
        for row in rows:
            if row["seller"] == (language, line, dealer):
                row.update(business_name=name, business_tax_code=tax_code(20_000 + number),
                           province=province, contact_email=f"sales.{slug}{number}@example.vn")


def main(memoryzone_repo: str, orange_repo: str) -> None:
    from exchange.transfer.csv_format import COLUMNS

    rows = memoryzone(memoryzone_repo) + orange(orange_repo)
    businesses(rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(name, "") for name in COLUMNS])
    # mtime 0: the same input gives the same bytes
    with open(OUT, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(buffer.getvalue().encode())
    print(f"{len(rows)} listings ({sum(r['language'] == 'vi' for r in rows)} Vietnamese), "
          f"{len({r['business_tax_code'] for r in rows})} businesses -> {OUT}")


if __name__ == "__main__":
    main(*sys.argv[1:3])
