"""Proposal and deal test helpers: a published request, verified proposers, signed-in clients."""
import time
from datetime import timedelta

import pytest

from exchange.listings.forms import local_today
from exchange.timeutil import utcnow
from tests.factories import csrf_token, login, make_business, make_listing, make_member, publish
from tests.listings.conftest import pdf_bytes, upload  # noqa: F401


@pytest.fixture
def requester(app):
    business = make_business(name="HTX Nông sản Tây Nguyên", province="dak_lak")
    return make_member(business=business, full_name="Lê Thị Mua")


@pytest.fixture
def request_listing(requester):
    return publish(make_listing(
        requester.business, requester, kind="request", title="Cần mua máy sấy cà phê",
        trl=None, price_vnd=None, budget_min_vnd=200_000_000, budget_max_vnd=400_000_000,
        proposals_close_at=utcnow() + timedelta(days=14)))


@pytest.fixture
def proposers(app):
    names = ("Công ty Cơ khí Miền Trung", "Công ty Nhiệt Điện Sạch", "Công ty Máy Nông Nghiệp")
    return [make_member(business=make_business(name=name), full_name=f"Người đề xuất {n}")
            for n, name in enumerate(names, 1)]


@pytest.fixture
def outsider(app):
    return make_member(business=make_business(name="Công ty Bên Thứ Ba"))


def signed_in(app, member):
    client = app.test_client()
    login(client, member)
    return client


def token(client):
    return csrf_token(client, "/account/proposals")


def details(**overrides) -> dict:
    data = {"solution": "Máy sấy bơm nhiệt 500 kg/mẻ, lắp đặt tại chỗ.", "offer_id": None,
            "price_kind": "amount", "price_vnd": 300_000_000, "price_max_vnd": None,
            "lead_time_days": 45, "transfer_mode": "sale",
            "valid_until": local_today() + timedelta(days=30), "message": "Xin gửi báo giá."}
    data.update(overrides)
    return data


def form(client, **overrides) -> dict:
    data = {"csrf_token": token(client), "solution": "Máy sấy bơm nhiệt 500 kg/mẻ.",
            "offer_id": "0", "price_kind": "amount", "price": "300.000.000", "price_max": "",
            "lead_time_days": "45", "transfer_mode": "sale",
            "valid_until": (local_today() + timedelta(days=30)).isoformat(),
            "message": "Xin gửi báo giá."}
    data.update(overrides)
    return data


def send(client, listing_id, **overrides):
    return client.post(f"/listings/{listing_id}/proposals/new", data=form(client, **overrides),
                       content_type="multipart/form-data")


def propose(member, listing, **overrides):
    """A proposal sent through the service, committed."""
    from exchange.deals.proposals import submit_proposal
    from exchange.extensions import db
    proposal = submit_proposal(member, listing, details(**overrides))
    db.session.commit()
    return proposal


def mail_with(smtp, address, text, timeout=10.0):
    """The first mail to `address` whose body holds `text` (other mail may arrive too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in smtp.to(address):
            if text in smtp.body(mail):
                return mail
        time.sleep(0.05)
    return None
