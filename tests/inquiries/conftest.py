"""Inquiry test helpers: two businesses, a published listing, signed-in clients."""
import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.inquiries.models import Message, Report, Thread
from tests.factories import csrf_token, login, make_business, make_listing, make_member, publish


@pytest.fixture
def seller(app):
    business = make_business(name="Công ty Máy Sấy Miền Trung", phone="0236 3812 345",
                             address="12 Lê Duẩn, Đà Nẵng")
    return make_member(business=business, full_name="Nguyễn Văn Bán", phone="0905 111 222")


@pytest.fixture
def seller_colleague(seller):
    return make_member(business=seller.business, full_name="Trần Thị Đồng")


@pytest.fixture
def buyer(app):
    business = make_business(name="HTX Nông sản Tây Nguyên", phone="0262 3955 777")
    return make_member(business=business, full_name="Lê Thị Mua", phone="0912 333 444")


@pytest.fixture
def outsider(app):
    return make_member(business=make_business(name="Công ty Bên Thứ Ba"))


@pytest.fixture
def listing(seller):
    return publish(make_listing(seller.business, seller))


def signed_in(app, member):
    client = app.test_client()
    login(client, member)
    return client


def token(client):
    """A CSRF token for the client's session (any page with a form carries one)."""
    return csrf_token(client, "/account/inquiries")


def send_inquiry(client, listing_id, message="Chúng tôi cần 2 máy sấy, xin báo giá.", **fields):
    data = {"csrf_token": token(client), "message": message, **fields}
    return client.post(f"/listings/{listing_id}/inquire", data=data)


def reply(client, thread_id, message):
    return client.post(f"/account/inquiries/{thread_id}",
                       data={"csrf_token": token(client), "message": message})


def counts() -> dict:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Thread, Message, Report)}
