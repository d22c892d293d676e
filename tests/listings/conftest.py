"""Listing test helpers: generated images and PDFs, signed-in owners."""
import io
import struct
import zlib
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter

from tests.factories import csrf_token, login, make_member, signed_in


def image_bytes(fmt="JPEG", size=(64, 48), color=(200, 80, 30), exif=None) -> bytes:
    image = Image.new("RGB", size, color)
    out = io.BytesIO()
    kwargs = {"exif": exif} if exif is not None else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def gps_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (21.0, 1.0, 30.0), 3: "E", 4: (105.0, 50.0, 0.0)}  # GPS IFD
    return exif.tobytes()


def pdf_bytes(pages=1) -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def bomb_png(width=30_000, height=30_000) -> bytes:
    """A tiny PNG whose header claims 900 megapixels."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def upload(data: bytes, name: str):
    return (io.BytesIO(data), name)


def stored_files(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"])
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def form_data(client, url, **overrides) -> dict:
    data = {
        "csrf_token": csrf_token(client, url),
        "kind": "offer",
        "title": "Dây chuyền sản xuất nấm rơm",
        "summary": "Dây chuyền khép kín sản xuất meo giống và nấm rơm thương phẩm.",
        "description": "Công suất **2 tấn/ngày**.",
        "category": "equipment",
        "sector": "agriculture",
        "province": "phu_tho",
        "price": "1.200.000.000",
        "ip_status": "know_how",
        "transfer_modes": ["sale", "turnkey"],
        "trl": "8",
        "quantity": "1",
        "unit": "line",
        "keywords": "nấm rơm, meo giống, dây chuyền",
        "action": "submit",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def owner_client(app, owner):
    return signed_in(app, owner)  # assertions read the English messages


@pytest.fixture
def stranger_client(app):
    client = app.test_client()
    login(client, make_member(full_name="Người ngoài"))
    return client
