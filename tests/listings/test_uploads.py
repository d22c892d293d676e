"""Upload verification: good images and PDFs are stored clean; each bad kind is refused
with a form error and leaves no row and no file behind."""
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.listings import files
from exchange.listings.models import Listing, StoredFile
from tests.listings.conftest import (bomb_png, form_data, gps_exif, image_bytes, pdf_bytes,
                                     stored_files, upload)


class Part:
    """What the browser sends for one file input part."""

    def __init__(self, data, filename):
        self.stream = io.BytesIO(data)
        self.filename = filename


@pytest.mark.parametrize("fmt,content_type", [
    ("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp"),
])
def test_good_images_are_reencoded_with_thumbnails(app, fmt, content_type):
    prepared = files.prepare_image(Part(image_bytes(fmt, size=(800, 600)), f"x.{fmt.lower()}"))
    assert prepared.content_type == content_type
    assert (prepared.width, prepared.height) == (800, 600)
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert image.format == fmt
    with Image.open(io.BytesIO(prepared.thumbnail)) as thumb:
        assert thumb.format == "JPEG" and max(thumb.size) <= files.THUMB_SIDE


def test_exif_and_gps_are_stripped(app):
    original = image_bytes("JPEG", exif=gps_exif())
    with Image.open(io.BytesIO(original)) as image:
        assert image.getexif().get(0x010F) == "SpyCam"  # the test image really has EXIF
    prepared = files.prepare_image(Part(original, "gps.jpg"))
    with Image.open(io.BytesIO(prepared.data)) as image:
        assert not image.getexif()
        assert "exif" not in image.info
    assert b"SpyCam" not in prepared.data


def test_transparent_png_keeps_alpha(app):
    image = Image.new("RGBA", (40, 40), (0, 128, 0, 0))
    out = io.BytesIO()
    image.save(out, "PNG")
    prepared = files.prepare_image(Part(out.getvalue(), "logo.png"))
    with Image.open(io.BytesIO(prepared.data)) as clean:
        assert clean.mode == "RGBA"


def test_pdf_is_checked_by_content(app):
    prepared = files.prepare_pdf(Part(pdf_bytes(pages=2), "ho-so.pdf"))
    assert prepared.content_type == "application/pdf" and prepared.filename == "ho-so.pdf"
    with pytest.raises(files.UploadError):
        files.prepare_pdf(Part(image_bytes("PNG"), "fake.pdf"))
    with pytest.raises(files.UploadError):
        files.prepare_pdf(Part(b"%PDF-1.7\nthis is not really a pdf", "broken.pdf"))


@pytest.mark.parametrize("data,name,code", [
    (pdf_bytes(), "renamed.jpg", "not_image"),
    (b"GIF89a" + b"\x00" * 100, "anim.png", "not_image"),
    (bomb_png(), "bomb.png", "too_many_pixels"),
    (b"\xff\xd8\xff" + b"\x00" * (files.MAX_IMAGE_BYTES + 10), "huge.jpg", "too_large"),
])
def test_bad_images_are_refused(app, data, name, code):
    with pytest.raises(files.UploadError) as refused:
        files.prepare_image(Part(data, name))
    assert refused.value.code == code


def test_gif_is_not_accepted_even_if_valid(app):
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, "GIF")
    with pytest.raises(files.UploadError):
        files.prepare_image(Part(out.getvalue(), "a.gif"))


def nothing_written(app):
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 0
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 0
    assert stored_files(app) == []


@pytest.mark.parametrize("field,parts,message", [
    ("images", [(pdf_bytes(), "brochure.jpg")], "is not a JPEG, PNG or WebP image"),
    ("images", [(bomb_png(), "bomb.png")], "too many pixels"),
    ("images", [(b"\x00" * (50 * 1024 * 1024), "big.jpg")], "larger than 5 MB"),
    ("images", [(image_bytes("JPEG", color=(i, 0, 0)), f"{i}.jpg") for i in range(9)],
     "at most 8 images"),
    ("attachments", [(image_bytes("PNG"), "scan.pdf")], "is not a readable PDF"),
    ("attachments", [(pdf_bytes(), f"{i}.pdf") for i in range(6)], "at most 5 PDF"),
    ("attachments", [(b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024), "big.pdf")],
     "larger than 10 MB"),
])
def test_bad_uploads_in_the_form_write_nothing(app, owner_client, field, parts, message):
    # a good file next to the bad one must not be left behind either
    good = {"images": [upload(image_bytes("PNG"), "good.png")]} if field != "images" else {
        "attachments": [upload(pdf_bytes(), "good.pdf")]}
    data = form_data(owner_client, "/listings/new",
                     **{field: [upload(d, n) for d, n in parts]}, **good)
    response = owner_client.post("/listings/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    nothing_written(app)


def test_failure_after_files_were_written_removes_them(app, owner):
    prepared = [files.prepare_image(Part(image_bytes("JPEG"), "a.jpg")),
                files.prepare_pdf(Part(pdf_bytes(), "b.pdf"))]
    with app.test_request_context():
        with pytest.raises(RuntimeError):
            with files.stored(prepared) as rows:
                assert len(rows) == 2
                assert len(stored_files(app)) == 3  # two files and a thumbnail
                raise RuntimeError("the listing could not be saved")
    nothing_written(app)


def test_same_file_is_stored_once(app, owner_client):
    picture = image_bytes("PNG", color=(1, 1, 1))
    for _ in range(2):
        data = form_data(owner_client, "/listings/new", images=[upload(picture, "same.png")])
        owner_client.post("/listings/new", data=data, content_type="multipart/form-data")
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 2
    assert db.session.scalar(select(func.count()).select_from(StoredFile)) == 1
    assert len(stored_files(app)) == 2  # the image and its thumbnail


# --- decompression bombs: refused from the header, before any pixel is decoded ---

def test_a_small_png_with_huge_dimensions_is_refused_before_decoding(app, owner_client):
    # 6300×6300 in a few hundred bytes; its pixel data is cut short, so had it been decoded
    # the refusal would read "not an image": the pixel budget refused it from the header
    bomb = bomb_png(6300, 6300)
    assert len(bomb) < 2000
    with pytest.raises(files.UploadError) as refused:
        files.prepare_image(Part(bomb, "may-say.png"))
    assert refused.value.code == "too_many_pixels"
    data = form_data(owner_client, "/listings/new", images=[upload(bomb, "may-say.png")])
    page = owner_client.post("/listings/new", data=data,
                             content_type="multipart/form-data").get_data(as_text=True)
    assert "has too many pixels (at most 16 megapixels)" in page
    nothing_written(app)


def test_the_pixel_budget_per_image_is_configurable(app):
    app.config["IMAGE_MAX_PIXELS"] = 1_000_000
    files.prepare_image(Part(image_bytes("PNG", size=(1000, 1000)), "ok.png"))
    with pytest.raises(files.UploadError) as refused:
        files.prepare_image(Part(image_bytes("PNG", size=(1001, 1000)), "big.png"))
    assert refused.value.code == "too_many_pixels"


def test_the_pixels_of_one_request_are_counted_together_before_any_is_decoded(
        app, owner_client):
    app.config.update(IMAGE_MAX_PIXELS=1_000_000, IMAGE_REQUEST_MAX_PIXELS=2_500_000)
    good = [image_bytes("PNG", size=(1000, 1000), color=(i, 9, 9)) for i in range(2)]
    assert len(files.prepare_images([Part(d, f"{i}.png") for i, d in enumerate(good)])) == 2
    # a third image within the per-image budget tips the request over; the third is cut
    # short, so the refusal came before anything was decoded
    parts = [*good, bomb_png(1000, 1000)]
    with pytest.raises(files.UploadError) as refused:
        files.prepare_images([Part(d, f"{i}.png") for i, d in enumerate(parts)])
    assert refused.value.code == "too_many_pixels_together"
    data = form_data(owner_client, "/listings/new",
                     images=[upload(d, f"{i}.png") for i, d in enumerate(parts)])
    page = owner_client.post("/listings/new", data=data,
                             content_type="multipart/form-data").get_data(as_text=True)
    assert "These images have too many pixels together (at most 2 megapixels" in page
    nothing_written(app)


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(app):
    """A JPEG over twice the kept size is decoded at 1/2, 1/4 or 1/8 scale, so a photo with
    more pixels than the budget is still accepted; a PNG of the same size is not."""
    size = (6000, 4000)  # 24 MP, decoded at 1/2: 3000×2000
    prepared = files.prepare_image(Part(image_bytes("JPEG", size=size), "camera.jpg"))
    assert (prepared.width, prepared.height) == (files.MAX_SIDE, 1707)
    with pytest.raises(files.UploadError) as refused:
        files.prepare_image(Part(image_bytes("PNG", size=size), "scan.png"))
    assert refused.value.code == "too_many_pixels"
