"""Hostile uploads: malformed and polyglot images through the real form, and request bodies
over MAX_CONTENT_LENGTH refused with 413 before any view reads them."""
import io
import socket
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.listings.models import Listing, RevisionFile, StoredFile
from tests.factories import make_member
from tests.listings.conftest import form_data, stored_files, upload
from tests.security.conftest import client_for

SCRIPT = b"<script>alert(document.cookie)</script>"


def photo(fmt="JPEG", size=(320, 240)) -> bytes:
    image = Image.radial_gradient("L").resize(size).convert("RGB")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def _chunks(png: bytes):
    position = 8
    while position < len(png):
        length = struct.unpack(">I", png[position:position + 4])[0]
        yield position, png[position + 4:position + 8], length
        position += 12 + length


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def png_with_corrupt_idat() -> bytes:
    """A PNG whose IDAT chunk has a valid CRC but a zlib stream that is garbage halfway."""
    png = photo("PNG")
    out = png[:8]
    for position, kind, length in _chunks(png):
        data = png[position + 8:position + 8 + length]
        if kind == b"IDAT":
            middle = len(data) // 2
            data = data[:middle] + bytes(b ^ 0x5A for b in data[middle:])
        out += _chunk(kind, data)
    return out


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real JPEG whose frame header (SOF0) claims other dimensions."""
    jpeg = bytearray(photo("JPEG"))
    sof = jpeg.index(b"\xff\xc0")
    jpeg[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(jpeg)


def png_claiming(width: int, height: int) -> bytes:
    png = photo("PNG")
    out = png[:8]
    for position, kind, length in _chunks(png):
        data = png[position + 8:position + 8 + length]
        if kind == b"IHDR":
            data = struct.pack(">II", width, height) + data[8:]
        out += _chunk(kind, data)
    return out


MALFORMED = {
    "truncated JPEG": (photo("JPEG")[:2000], "cut.jpg", "is not a JPEG, PNG or WebP image"),
    "JPEG without its end": (photo("JPEG")[:-200], "tail.jpg", "is not a JPEG, PNG or WebP image"),
    "PNG with corrupt IDAT": (png_with_corrupt_idat(), "idat.png",
                              "is not a JPEG, PNG or WebP image"),
    "PNG with a broken CRC": (photo("PNG")[:40] + b"\x00\x00" + photo("PNG")[42:], "crc.png",
                              "is not a JPEG, PNG or WebP image"),
    "huge JPEG header": (jpeg_claiming(65_000, 65_000), "huge.jpg", "too many pixels"),
    "huge PNG header": (png_claiming(100_000, 100_000), "huge.png", "too many pixels"),
    "wide PNG header": (png_claiming(2 ** 31 - 1, 1), "wide.png", None),
    "SVG with script named .png": (
        b'<svg xmlns="http://www.w3.org/2000/svg">' + SCRIPT + b"</svg>", "logo.png",
        "is not a JPEG, PNG or WebP image"),
    "HTML named .jpg": (b"<!doctype html><html>" + SCRIPT, "photo.jpg",
                        "is not a JPEG, PNG or WebP image"),
    "magic bytes only": (b"\x89PNG\r\n\x1a\n", "magic.png", "is not a JPEG, PNG or WebP image"),
}


@pytest.fixture
def owner_client(app):
    return client_for(app, make_member(full_name="Chủ doanh nghiệp"))


def _post_listing(client, data: bytes, name: str):
    form = form_data(client, "/listings/new", images=[upload(data, name)])
    return client.post("/listings/new", data=form, content_type="multipart/form-data")


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_images_are_refused_with_a_form_error(app, owner_client, case):
    data, name, message = MALFORMED[case]
    response = _post_listing(owner_client, data, name)
    assert response.status_code == 200  # the form again, with the error on the field
    page = response.get_data(as_text=True)
    assert name in page
    assert message is None or message in page
    assert "is not a JPEG" in page or "too many pixels" in page
    assert _count(Listing) == 0 and _count(StoredFile) == 0
    assert stored_files(app) == []


@pytest.mark.parametrize("carrier,payload", [
    ("PNG", SCRIPT),                                  # image + HTML after IEND
    ("JPEG", b"PK\x03\x04" + b"\x00" * 26 + SCRIPT),  # GIFAR-style image + ZIP
    ("PNG", b"<?php system($_GET['c']); ?>"),
])
def test_polyglots_are_stored_as_clean_pixels_only(app, owner_client, carrier, payload):
    polyglot = photo(carrier) + payload
    response = _post_listing(owner_client, polyglot, f"poly.{carrier.lower()}")
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    listing = db.session.scalars(select(Listing)).one()
    rows = list(db.session.scalars(select(RevisionFile)))
    assert len(rows) == 1
    for path in stored_files(app):
        assert payload not in path.read_bytes()
    served = owner_client.get(f"/listings/{listing.id}/files/{rows[0].id}")
    assert served.status_code == 200
    assert served.headers["Content-Type"] == f"image/{carrier.lower()}"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert payload not in served.data


# ---------------------------------------------------------------------------
# bodies over MAX_CONTENT_LENGTH
# ---------------------------------------------------------------------------

def _oversized(client, path, method="POST"):
    """A request whose declared body is one byte over the limit; only a few bytes follow,
    so a server that tried to read it all would wait instead of answering."""
    limit = client.application.config["MAX_CONTENT_LENGTH"]
    return client.open(path, method=method, environ_overrides={
        "CONTENT_LENGTH": str(limit + 1),
        "CONTENT_TYPE": "multipart/form-data; boundary=x",
        "wsgi.input": io.BytesIO(b"--x\r\n"),
    })


def test_the_configured_limit_is_sixty_megabytes(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 60 * 1024 * 1024


@pytest.mark.parametrize("path", ["/listings/new", "/auth/login", "/auth/register",
                                  "/payments/stripe/webhook", "/search"])
def test_oversized_bodies_get_the_sites_413_page(app, owner_client, path):
    before = (_count(Listing), _count(StoredFile))
    response = _oversized(owner_client, path)
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert response.mimetype == "text/html"
    assert "The upload is too large" in page
    assert '<html lang="en">' in page and 'href="/"' in page  # the site's layout
    assert "navbar" in page
    assert (_count(Listing), _count(StoredFile)) == before


@pytest.mark.parametrize("path,method", [("/api/v1/search", "GET"), ("/api/v1/search", "POST"),
                                         ("/api/v1/stats", "GET")])
def test_oversized_bodies_to_the_api_get_a_json_error(client, path, method):
    response = _oversized(client, path, method)
    assert response.status_code == 413
    assert response.is_json
    assert response.get_json()["error"]["code"] == "413"


@pytest.mark.parametrize("path", ["/listings/new", "/api/v1/search"])
def test_a_real_server_answers_413_without_waiting_for_the_body(app, live_server, live_port,
                                                                 path):
    limit = app.config["MAX_CONTENT_LENGTH"]
    # the body is never sent: a server waiting for it would time the socket out (an error)
    with socket.create_connection(("127.0.0.1", live_port), timeout=5) as sock:
        sock.sendall((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      "Content-Type: multipart/form-data; boundary=x\r\n"
                      f"Content-Length: {limit + 1024 * 1024}\r\n\r\n--x\r\n").encode())
        status_line = sock.makefile("rb").readline().decode()
    assert status_line.split()[1] == "413", status_line
