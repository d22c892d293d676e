"""Upload verification (images decoded with Pillow, PDFs parsed with pypdf) and storage by hash."""
import functools
import hashlib
import io
import os
import re
import warnings
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from exchange.core.messages import lazy_message
from exchange.core.unitofwork import when_rolled_back
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings.models import RevisionFile, StoredFile

MAX_IMAGES = 8
MAX_PDFS = 5
MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PDF_BYTES = 10 * 1024 * 1024
# Pixels decoded per image and per request (IMAGE_MAX_PIXELS, IMAGE_REQUEST_MAX_PIXELS):
# decoding is what costs time and memory, and a PNG can claim 40 megapixels in 115 KB, so
# the budget is checked on the header before anything is decoded. A JPEG is decoded at a
# reduced scale (1/2, 1/4, 1/8) when it is much larger than what is kept, so a 48-megapixel
# phone photo costs what a 12-megapixel one does; PNG and WebP decode at full size.
DEFAULT_IMAGE_PIXELS = 16_000_000
DEFAULT_REQUEST_PIXELS = 100_000_000
# the largest header any format may claim, decoded or not (Pillow's bomb check is 89 MP)
MAX_SOURCE_PIXELS = min(Image.MAX_IMAGE_PIXELS or 64_000_000, 64_000_000)
MAX_SIDE = 2560
THUMB_SIDE = 480
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PDF_TYPE = "application/pdf"


def image_pixel_budget() -> int:
    return int(current_app.config.get("IMAGE_MAX_PIXELS", DEFAULT_IMAGE_PIXELS))


def request_pixel_budget() -> int:
    return int(current_app.config.get("IMAGE_REQUEST_MAX_PIXELS", DEFAULT_REQUEST_PIXELS))


class UploadError(DomainError):
    """A rejected upload; `message` names the file and says why."""


@dataclass
class PreparedFile:
    kind: str  # "image" | "pdf"
    filename: str
    content_type: str
    data: bytes
    sha256: str
    width: int | None = None
    height: int | None = None
    thumbnail: bytes | None = None


def present(storages) -> list:
    """Drop the empty parts a browser sends for a file input left blank."""
    return [s for s in storages or () if s is not None and getattr(s, "filename", "")]


def clean_filename(name: str) -> str:
    name = os.path.basename((name or "").replace("\\", "/"))
    name = re.sub(r"[\x00-\x1f\x7f\"<>]", "", name).strip() or "file"
    return name[-200:]


def _read(storage, limit: int, filename: str) -> bytes:
    data = storage.stream.read(limit + 1)
    if len(data) > limit:
        raise UploadError(lazy_message(_l("%(name)s is larger than %(mb)s MB."), name=filename,
                                       mb=limit // (1024 * 1024)), code="too_large")
    if not data:
        raise UploadError(lazy_message(_l("%(name)s is empty."), name=filename), code="empty")
    return data


def prepare_image(storage) -> PreparedFile:
    """Decode, check and re-encode an image; the stored bytes carry no EXIF or GPS data."""
    filename = clean_filename(storage.filename)
    return _prepare_image_bytes(filename, _read(storage, MAX_IMAGE_BYTES, filename))


def _fitted(size, side=MAX_SIDE) -> tuple[int, int]:
    ratio = min(1.0, side / max(size))
    return max(1, int(size[0] * ratio)), max(1, int(size[1] * ratio))


@contextmanager
def _opened(filename: str, data: bytes):
    """The image, opened lazily (header only) and set to decode at the smallest scale that
    still gives the kept size; refused if what would be decoded is over the budget."""
    not_image = UploadError(
        lazy_message(_l("%(name)s is not a JPEG, PNG or WebP image."), name=filename),
        code="not_image")
    bomb = UploadError(
        lazy_message(_l("%(name)s has too many pixels (at most %(mp)s megapixels)."),
                     name=filename, mp=image_pixel_budget() // 1_000_000), code="too_many_pixels")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=tuple(IMAGE_FORMATS)) as image:
                width, height = image.size
                if width * height > MAX_SOURCE_PIXELS:
                    raise bomb
                if image.format == "JPEG":
                    image.draft(image.mode, _fitted(image.size))  # no pixels decoded yet
                if image.size[0] * image.size[1] > image_pixel_budget():
                    raise bomb
                yield image
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise bomb from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise not_image from None


def _decoded_pixels(filename: str, data: bytes) -> int:
    with _opened(filename, data) as image:
        return image.size[0] * image.size[1]


def _prepare_image_bytes(filename: str, data: bytes) -> PreparedFile:
    with _opened(filename, data) as image:
        fmt = image.format
        image.load()
        work = _displayable(image)
        # shrink first, so every copy below is of the kept size, not of the decoded one
        if max(work.size) > MAX_SIDE:
            work.thumbnail((MAX_SIDE, MAX_SIDE))
        clean = _reencode_source(work)

    out = io.BytesIO()
    if fmt == "JPEG":
        clean.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
    elif fmt == "PNG":
        clean.save(out, "PNG", optimize=True)
    else:
        clean.save(out, "WEBP", quality=85)
    encoded = out.getvalue()
    return PreparedFile(
        kind="image", filename=filename, content_type=IMAGE_FORMATS[fmt], data=encoded,
        sha256=hashlib.sha256(encoded).hexdigest(), width=clean.width, height=clean.height,
        thumbnail=_thumbnail(clean),
    )


def _displayable(image: Image.Image) -> Image.Image:
    """RGB, RGBA, L or LA (a palette image is resized smoothly only once converted)."""
    if image.mode in ("RGB", "RGBA", "L", "LA"):
        return image
    has_alpha = "transparency" in image.info or image.mode in ("PA", "RGBa")
    return image.convert("RGBA" if has_alpha else "RGB")


def _reencode_source(image: Image.Image) -> Image.Image:
    """Upright pixels only: orientation applied, every metadata chunk left behind."""
    upright = _displayable(ImageOps.exif_transpose(image))
    pixels = Image.new(upright.mode, upright.size)
    pixels.paste(upright)
    return pixels


def _thumbnail(image: Image.Image) -> bytes:
    thumb = image.copy()
    thumb.thumbnail((THUMB_SIDE, THUMB_SIDE))
    if thumb.mode in ("RGBA", "LA"):
        background = Image.new("RGB", thumb.size, "white")
        background.paste(thumb, mask=thumb.getchannel("A"))
        thumb = background
    out = io.BytesIO()
    thumb.convert("RGB").save(out, "JPEG", quality=80, optimize=True)
    return out.getvalue()


def prepare_pdf(storage) -> PreparedFile:
    """Accept a file only if it is a PDF by content and pypdf can read its pages."""
    filename = clean_filename(storage.filename)
    data = _read(storage, MAX_PDF_BYTES, filename)
    not_pdf = UploadError(lazy_message(_l("%(name)s is not a readable PDF document."),
                                       name=filename),
                          code="not_pdf")
    if not data.startswith(b"%PDF-"):
        raise not_pdf
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted or len(reader.pages) == 0:
                raise not_pdf
    except UploadError:
        raise
    except Exception:  # noqa: BLE001 - pypdf raises many kinds of errors on broken files
        raise not_pdf from None
    if not filename.lower().endswith(".pdf"):
        filename = f"{filename}.pdf"[-200:]
    return PreparedFile(kind="pdf", filename=filename, content_type=PDF_TYPE, data=data,
                        sha256=hashlib.sha256(data).hexdigest())


def prepare_images(storages, already=0) -> list[PreparedFile]:
    """Every image's header is read and the request's pixel budget checked before any of
    them is decoded, so a form full of decompression bombs costs only their headers."""
    storages = present(storages)
    if already + len(storages) > MAX_IMAGES:
        raise UploadError(lazy_message(_l("A listing can have at most %(n)s images."),
                                       n=MAX_IMAGES),
                          code="too_many_images")
    uploads = []
    for storage in storages:
        filename = clean_filename(storage.filename)
        uploads.append((filename, _read(storage, MAX_IMAGE_BYTES, filename)))
    total = sum(_decoded_pixels(filename, data) for filename, data in uploads)
    if total > request_pixel_budget():
        raise UploadError(lazy_message(_l("These images have too many pixels together (at most "
                                          "%(mp)s megapixels in one upload). Please send fewer "
                                          "or smaller images."),
                                       mp=request_pixel_budget() // 1_000_000),
                          code="too_many_pixels_together")
    return [_prepare_image_bytes(filename, data) for filename, data in uploads]


def prepare_pdfs(storages, already=0) -> list[PreparedFile]:
    storages = present(storages)
    if already + len(storages) > MAX_PDFS:
        raise UploadError(lazy_message(_l("A listing can have at most %(n)s PDF attachments."),
                                       n=MAX_PDFS),
                          code="too_many_pdfs")
    return [prepare_pdf(s) for s in storages]


# ---------------------------------------------------------------------------
# storage
# ---------------------------------------------------------------------------

def upload_root() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def file_path(sha256: str) -> Path:
    return upload_root() / sha256[:2] / sha256


def thumbnail_path(sha256: str) -> Path:
    return upload_root() / "thumbs" / sha256[:2] / f"{sha256}.jpg"


def _write(path: Path, data: bytes, written: list[Path]) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    written.append(path)


def _store(prepared: list[PreparedFile], written: list[Path], first_position: int):
    attached = []
    for offset, item in enumerate(prepared):
        _write(file_path(item.sha256), item.data, written)
        if item.thumbnail is not None:
            _write(thumbnail_path(item.sha256), item.thumbnail, written)
        if db.session.get(StoredFile, item.sha256) is None:
            db.session.add(StoredFile(sha256=item.sha256, content_type=item.content_type,
                                      size=len(item.data), width=item.width,
                                      height=item.height))
        attached.append(RevisionFile(sha256=item.sha256, kind=item.kind,
                                     filename=item.filename,
                                     position=first_position + offset))
    db.session.flush()
    return attached


@contextmanager
def stored(prepared: list[PreparedFile], first_position: int = 0):
    """Write verified files and yield their RevisionFile rows. If the block fails, or the
    request's commit after it, the transaction is rolled back and every file written here
    that no committed row refers to is deleted again, so a refused form leaves nothing on
    disk."""
    written: list[Path] = []
    try:
        yield _store(prepared, written, first_position)
    except BaseException:
        db.session.rollback()
        _discard(written)
        raise
    when_rolled_back(functools.partial(_discard, written))  # the request's commit may fail


def _discard(paths: list[Path]) -> None:
    for path in paths:
        sha = path.name.removesuffix(".jpg")
        if db.session.get(StoredFile, sha) is not None:
            continue  # committed by this or a concurrent request: still referenced
        try:
            path.unlink()
        except FileNotFoundError:
            pass
