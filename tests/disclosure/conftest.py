"""Staged disclosure fixtures: an anonymous offer with a confidential description, PDF and
image, published and indexed; members of other businesses to ask for access."""
import io
from dataclasses import dataclass

import pytest
from PIL import Image
from pypdf import PdfWriter

from exchange.extensions import db
from exchange.listings import files, lifecycle
from exchange.listings.models import Listing
from exchange.search.outbox import sync
from tests.factories import listing_content, login, make_business, make_member, publish

OWNER_NAME = "Công ty Bí Quyết Sông Đà"
SECRET = "CONGTHUCMAT: nhiệt độ lên men 37 độ, men chủng SD-42"
SECRET_PDF = "quy-trinh-men-SD42.pdf"
SECRET_IMAGE = "so-do-day-chuyen-bi-mat.png"
PUBLIC_IMAGE = "anh-may-cong-khai.png"


class Part:
    def __init__(self, data, filename):
        self.stream = io.BytesIO(data)
        self.filename = filename


def pdf_bytes() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(color=(30, 120, 200), size=(400, 300)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def settle(meili):
    # a generous bound: on a busy machine Meilisearch may take a while to apply the tasks
    left = sync(timeout=60)
    assert not any(left.values()), left
    meili.wait_idle()


@dataclass
class Secret:
    listing: Listing
    owner: object
    pdf_id: int
    secret_image_id: int
    public_image_id: int


def post_secret_offer(owner, *, agreement_mode="default", **overrides) -> Listing:
    prepared = [files.prepare_image(Part(png_bytes(), PUBLIC_IMAGE)),
                files.prepare_image(Part(png_bytes((200, 30, 30)), SECRET_IMAGE)),
                files.prepare_pdf(Part(pdf_bytes(), SECRET_PDF))]
    with files.stored(prepared) as rows:
        rows[1].is_confidential = rows[2].is_confidential = True
        content = listing_content(
            title="Quy trình lên men sản xuất nước mắm nhanh",
            summary="Rút ngắn thời gian ủ chượp từ 12 tháng còn 3 tháng, giữ hương vị.",
            description=SECRET, description_confidential=True, is_anonymous=True,
            category="technology", sector="food_processing", province="khanh_hoa",
            keywords=["nước mắm", "lên men"], **overrides)
        listing = lifecycle.create_listing(owner.business_id, owner.id, "offer", content, rows)
        listing.agreement_mode = agreement_mode
        lifecycle.submit(listing, owner.id)
    db.session.commit()
    return publish(listing)


@pytest.fixture
def owner(app):
    return make_member(business=make_business(name=OWNER_NAME, province="khanh_hoa"),
                       full_name="Trần Chủ Sở Hữu")


@pytest.fixture
def secret(app, owner, meili) -> Secret:
    listing = post_secret_offer(owner)
    settle(meili)
    revision = listing.approved_revision
    by_name = {f.filename: f.id for f in revision.files}
    return Secret(listing=listing, owner=owner, pdf_id=by_name[SECRET_PDF],
                  secret_image_id=by_name[SECRET_IMAGE], public_image_id=by_name[PUBLIC_IMAGE])


@pytest.fixture
def member_factory(app):
    def _member(name, **fields):
        return make_member(business=make_business(name=name, province="ha_noi"), **fields)
    return _member


def signed_in(app, member):
    client = app.test_client()
    login(client, member)
    client.get("/?lang=en")
    return client
