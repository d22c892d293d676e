"""Security test helpers: a small world of real objects, signed-in clients, DB snapshots."""
import io
from dataclasses import dataclass

import pytest
from PIL import Image

from exchange.accounts.models import Member, Role
from exchange.extensions import db
from tests.factories import (csrf_token, listing_content, login, make_business, make_listing,
                             make_member, make_moderator, publish)

CSRF_MESSAGE = "The form expired or was not sent from this site"


@pytest.fixture
def app_overrides():
    # payments are hidden without a Stripe key; the key makes their routes reachable, and
    # the API base points at a closed port, since no refused request may ever reach Stripe
    return {"STRIPE_SECRET_KEY": "sk_test_routes", "STRIPE_WEBHOOK_SECRET": "whsec_routes",
            "STRIPE_API_BASE": "http://127.0.0.1:9", "STRIPE_MAX_NETWORK_RETRIES": 0,
            "VIETQR_BANK": "970436", "VIETQR_ACCOUNT_NUMBER": "0071000123456",
            "VIETQR_ACCOUNT_NAME": "SAN GIAO DICH", "VIETQR_WEBHOOK_SECRET": "vietqr-routes"}


class _Part:
    def __init__(self, data, filename):
        self.stream = io.BytesIO(data)
        self.filename = filename


def pdf_bytes() -> bytes:
    from pypdf import PdfWriter
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def png_bytes(size=(64, 48), color=(30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


@dataclass
class World:
    owner: Member
    buyer: Member
    moderator: Member
    admin: Member
    editor: Member
    values: dict  # URL argument name -> a value naming a real object


def build_world() -> World:
    """One of each object a route can name: a published listing with an image, a listing
    waiting in the review queue, an inquiry thread, a saved search, an order and an
    expert of the directory."""
    from exchange.inquiries.reports import report_thread
    from exchange.inquiries.services import record_inquiry
    from exchange.listings import files, lifecycle
    from exchange.matching.alerts import save_search
    from exchange.moderation.models import QueueItem
    from exchange.payments.models import BankTransfer, Order, OrderStatus, TransferOutcome

    owner = make_member(business=make_business(name="Công ty Cơ khí Sông Hồng"))
    buyer = make_member(business=make_business(name="HTX Nông sản Cao Nguyên"))
    moderator = make_moderator()
    admin = make_member(business=None, role=Role.ADMIN)

    prepared = [files.prepare_image(_Part(png_bytes(), "may-say.png"))]
    with files.stored(prepared) as rows:
        listing = lifecycle.create_listing(owner.business_id, owner.id, "offer",
                                           listing_content(), files=rows)
        lifecycle.submit(listing, owner.id)
    db.session.commit()
    publish(listing)
    waiting = make_listing(buyer.business, buyer, kind="request", title="Cần mua máy sấy",
                           trl=None, price_vnd=None, budget_max_vnd=300_000_000)
    item = db.session.scalar(db.select(QueueItem).where(QueueItem.listing_id == waiting.id))
    thread = record_inquiry(buyer, listing, "Xin báo giá hai máy sấy giao tại Đắk Lắk.")
    report_thread(owner, thread, "spam")  # staff may read only reported conversations
    saved = save_search(owner, "Máy sấy", "q=may+say")
    from datetime import timedelta

    from exchange.deals import proposals, services as deals
    from exchange.listings.forms import local_today
    wanted = publish(make_listing(buyer.business, buyer, kind="request", trl=None,
                                  title="Cần mua dây chuyền sấy", price_vnd=None,
                                  budget_max_vnd=500_000_000))
    with files.stored([files.prepare_pdf(_Part(pdf_bytes(), "bao-gia.pdf"))]) as pdfs:
        proposal = proposals.submit_proposal(owner, wanted, {
            "solution": "Dây chuyền sấy 1 tấn/giờ.", "price_kind": "amount",
            "price_vnd": 450_000_000, "transfer_mode": "turnkey",
            "valid_until": local_today() + timedelta(days=30)}, pdfs)
    proposals.post_message(buyer, proposal, "Thời gian lắp đặt bao lâu?")
    proposals.award(buyer, proposal)
    deal = deals.record_deal(buyer, proposal=proposal, kind="turnkey", value_vnd=450_000_000,
                             concluded_on=local_today())
    order = Order(listing_id=listing.id, business_id=owner.business_id, member_id=owner.id,
                  plan_code="week", days=7, amount_vnd=500_000, status=OrderStatus.PENDING)
    db.session.add(order)
    db.session.flush()
    transfer = BankTransfer(bank_transaction_id="FT26337000001", amount_vnd=100_000,
                            description="SGD0000000X thanh toan", source="webhook",
                            order_id=order.id, outcome=TransferOutcome.UNDERPAID,
                            needs_review=True)
    db.session.add(transfer)
    # the owner's statistics page and the staff's lifetimes page show real rows
    from exchange.insights.models import ListingDayCount
    from exchange.listings.forms import local_today
    from exchange.expiry.lifetimes import set_lifetime
    db.session.add(ListingDayCount(listing_id=listing.id, day=local_today(), views=3,
                                   impressions=12))
    set_lifetime("equipment", 180, 365, admin.id)
    from exchange.disclosure.models import AccessRequest
    access = AccessRequest(listing_id=listing.id, business_id=buyer.business_id,
                           member_id=buyer.id, statement="Chúng tôi cần xem bản vẽ chi tiết.")
    db.session.add(access)
    from exchange.directories import services as directory
    expert = directory.register_expert(owner, {
        "name": "Trung tâm Thẩm định Sông Hồng", "services": ["valuation", "testing"],
        "sectors": ["agriculture"], "province": "ha_noi", "description": "Định giá công nghệ.",
        "website": "https://thamdinh.example.vn"})
    directory.review_expert(moderator, expert, approve=True)
    db.session.commit()
    editor = make_member(business=None, role=Role.EDITOR)
    article, event = _content(editor, listing)
    values = {
        "listing_id": listing.id, "business_id": owner.business_id,
        "file_id": listing.approved_revision.files[0].id, "item_id": item.id,
        "thread_id": thread.id, "member_id": buyer.id, "saved_id": saved.id,
        "order_id": order.id, "transfer_id": transfer.id, "code": "equipment",
        "proposal_id": proposal.id, "deal_id": deal.id, "token": "not-a-signed-token",
        "request_id": access.id,
        "expert_id": expert.id, "section": "listings", "chunk": 0,
        "article_id": article.id, "event_id": event.id,
    }
    return World(owner=owner, buyer=buyer, moderator=moderator, admin=admin, editor=editor,
                 values=values)


def _content(editor, listing):
    """A published article with a cover and a published event with a registration form
    that shows the listing."""
    from datetime import timedelta

    from exchange.content import services
    from exchange.listings import files
    from exchange.timeutil import utcnow
    with files.stored([files.prepare_image(_Part(png_bytes(), "bia.png"))]) as rows:
        article = services.save_article(None, {
            "category": "news", "title_vi": "Hội chợ công nghệ Techmart 2026",
            "lead_vi": "Tin ngắn.", "body_vi": "Nội dung **bài viết**.", "tags": "techmart"},
            editor.id, cover_sha256=rows[0].sha256)
        services.publish(article)
    now = utcnow()
    event = services.save_event(None, {
        "kind": "techmart", "title_vi": "Techmart Tây Nguyên", "description_vi": "Hội chợ.",
        "starts_at": now + timedelta(days=10), "ends_at": now + timedelta(days=11),
        "place": "Buôn Ma Thuột", "organiser": "Sở KH&CN", "capacity": 50},
        editor.id, listing_ids=[listing.id])
    services.publish(event)
    db.session.commit()
    return article, event


@pytest.fixture
def world(app):
    return build_world()


def client_for(app, member=None):
    """A client reading the site in English, signed in as `member` (or anonymous)."""
    client = app.test_client()
    if member is not None:
        login(client, member)
    client.get("/?lang=en")
    return client


def token_for(client, signed_in: bool) -> str:
    # every page of a signed-in member carries the logout form; visitors get the login form
    return csrf_token(client, "/" if signed_in else "/auth/login")


def snapshot() -> dict:
    """Every row of every table, read on a connection of its own (what is committed)."""
    db.session.expire_all()
    state = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            state[table.name] = sorted(repr(tuple(row)) for row in conn.execute(table.select()))
    return state


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]
