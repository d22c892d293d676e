"""A line naming the recipient on confidential files: PDFs' first page (pypdf + fpdf2, the
receipts' PDF library) and images (Pillow), both set in DejaVu so Vietnamese names read."""
import io
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import format_date, lazy_gettext as _l
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from pypdf import PdfReader, PdfWriter

from exchange.core.messages import lazy_message
from exchange.timeutil import utcnow

FONT = "DejaVuSans.ttf"


def recipient_line(member) -> str:
    """Whom this copy was given to, and when (plain text: it goes into a file)."""
    business = member.business if getattr(member, "business_id", None) else None
    name = business.name if business is not None else member.full_name
    return str(lazy_message(_l("Confidential – provided to %(recipient)s only · %(date)s"),
                            recipient=name, date=format_date(utcnow(), "short")))


def _font_path() -> Path:
    folder = current_app.config.get("RECEIPT_FONT_DIR") or "/usr/share/fonts/truetype/dejavu"
    return Path(folder) / FONT


def _overlay(width: float, height: float, line: str) -> PdfReader:
    """A transparent page of the given size with `line` along its bottom edge."""
    pdf = FPDF(unit="pt", format=(width, height))
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.add_font("DejaVu", "", str(_font_path()))
    size = max(6.0, min(10.0, width / 70))
    pdf.set_font("DejaVu", "", size)
    pdf.set_text_color(200, 30, 30)
    pdf.set_xy(12, height - size * 2.2)
    pdf.cell(width - 24, size * 1.4, line)
    return PdfReader(io.BytesIO(bytes(pdf.output())))


def watermark_pdf(data: bytes, line: str) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = PdfReader(io.BytesIO(data))
        writer = PdfWriter(clone_from=reader)
        first = writer.pages[0]
        box = first.mediabox
        stamp = _overlay(float(box.width), float(box.height), line).pages[0]
        first.merge_translated_page(stamp, float(box.left), float(box.bottom), over=True)
        # the line is also in the document's metadata, where a copy of the text keeps it
        writer.add_metadata({"/Subject": line})
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()


def watermark_image(data: bytes, line: str, fmt: str | None = None) -> bytes:
    with Image.open(io.BytesIO(data)) as source:
        fmt = fmt or source.format or "PNG"
        image = source.convert("RGBA")
    size = max(12, image.width // 40)
    font = ImageFont.truetype(str(_font_path()), size)
    layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    left, top, right, bottom = draw.textbbox((0, 0), line, font=font)
    y = image.height - (bottom - top) - size
    draw.rectangle((0, y - size // 3, image.width, image.height), fill=(255, 255, 255, 150))
    draw.text((size // 2, y - top), line, font=font, fill=(200, 30, 30, 255))
    marked = Image.alpha_composite(image, layer)
    out = io.BytesIO()
    if fmt == "JPEG":
        marked.convert("RGB").save(out, "JPEG", quality=88)
    elif fmt == "WEBP":
        marked.save(out, "WEBP", quality=85)
    else:
        marked.save(out, "PNG")
    return out.getvalue()
