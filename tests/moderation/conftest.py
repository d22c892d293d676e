"""Fixtures of the review queue tests: moderators, an owner and listings waiting for review."""
import pytest

from exchange.accounts.models import Role
from tests.conftest import extract_csrf
from tests.factories import login, make_listing, make_member, make_moderator


@pytest.fixture
def request_ctx(app):
    """Translated messages are read in a request, as the views do."""
    with app.test_request_context():
        yield


@pytest.fixture
def moderator(app):
    return make_moderator(full_name="Kiểm duyệt viên An")


@pytest.fixture
def other_moderator(app):
    return make_moderator(full_name="Kiểm duyệt viên Bình")


@pytest.fixture
def admin(app):
    return make_member(business=None, role=Role.ADMIN, full_name="Quản trị viên")


@pytest.fixture
def pending(owner):
    """A new listing submitted for review."""
    return make_listing(owner.business, owner)


@pytest.fixture
def mod_client(client, moderator):
    login(client, moderator)
    return client


def item_of(listing):
    from sqlalchemy import select

    from exchange.extensions import db
    from exchange.moderation.models import ItemState, QueueItem
    return db.session.scalar(
        select(QueueItem).where(QueueItem.listing_id == listing.id,
                                QueueItem.state == ItemState.WAITING)
        .order_by(QueueItem.id.desc())
    )


def post(client, url, data=None, token_from="/moderation", **kwargs):
    """Post a form as the browser would: with the CSRF token of a page of the site."""
    token = extract_csrf(client.get(token_from).get_data(as_text=True))
    return client.post(url, data={**(data or {}), "csrf_token": token}, **kwargs)
