"""Helpers for import/export tests: CSV files written as people write them, and the CLI."""
import csv

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from tests.factories import make_moderator, valid_tax_code

HEADER = ("external_id", "kind", "title", "summary", "description", "category", "sector",
          "province", "price_vnd", "keywords", "business_tax_code", "business_name",
          "contact_email")
TAX_CODE = valid_tax_code(901)
OTHER_TAX_CODE = valid_tax_code(902)


def row(n=1, **overrides) -> dict:
    cells = {
        "external_id": f"old-{n}",
        "kind": "chào bán",
        "title": f"Máy sấy nông sản năng lượng mặt trời số {n}",
        "summary": "Máy sấy cà phê, tiêu, hạt điều 500 kg/mẻ.",
        "description": "Công suất **500 kg/mẻ**, tiết kiệm 60% điện năng.",
        "category": "Thiết bị",
        "sector": "Nông nghiệp",
        "province": "Đắk Lắk",
        "price_vnd": "250.000.000",
        "keywords": "máy sấy;nông sản",
        "business_tax_code": TAX_CODE,
        "business_name": "Công ty TNHH Cơ khí Tây Nguyên",
        "contact_email": "lienhe@cokhitaynguyen.vn",
    }
    cells.update(overrides)
    return cells


def write_file(path, rows, header=HEADER, delimiter=",", bom=False):
    with open(path, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(header), delimiter=delimiter,
                                extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def read_rejects(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def run(app, *args):
    return app.test_cli_runner().invoke(args=["exchange", *map(str, args)])


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def moderator(app):
    return make_moderator(email="kiemduyet@sangiaodich.vn")
