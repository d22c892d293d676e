"""Featuring is decided in one place (`can.feature`): the button on the listing page, the
checkout route and the order service agree for every kind of visitor and listing."""
import pytest

from exchange.accounts.models import Role
from exchange.accounts.requirements import can
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.payments.models import Order
from exchange.payments.services import place_order
from tests.factories import make_member, signed_in
from tests.payments.conftest import feature


def _orders() -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(Order))


def _decisions(app, member, listing) -> tuple[bool, bool, bool, bool]:
    """(the rule, the button on the page, an order through the route, an order through
    the service)"""
    client = signed_in(app, member)
    page = client.get(f"/listings/{listing.id}").get_data(as_text=True)
    button = f'action="/payments/feature/{listing.id}"' in page
    before = _orders()
    feature(client, listing)
    routed = _orders() > before
    db.session.rollback()
    try:
        place_order(listing, member, "week", "stripe")
    except DomainError:
        served = False
    else:
        served = True
    db.session.rollback()
    return can.feature(member, listing), button, routed, served


@pytest.mark.parametrize("who, state, expected", [
    ("owner", "public", True),
    ("colleague", "public", True),
    ("unverified colleague", "public", False),
    ("other business", "public", False),
    ("moderator", "public", False),
    ("admin", "public", False),
    ("owner", "withdrawn", False),
    ("owner", "suspended", False),
])
def test_the_button_the_route_and_the_service_agree(stripe_api, app, owner, listing, who,
                                                     state, expected):
    member = {
        "owner": owner,
        "colleague": make_member(business=owner.business),
        "unverified colleague": make_member(business=owner.business, verified=False),
        "other business": make_member(),
        "moderator": make_member(business=None, role=Role.MODERATOR),
        "admin": make_member(business=None, role=Role.ADMIN),
    }[who]
    if state == "withdrawn":
        lifecycle.withdraw(listing, owner.id)
    elif state == "suspended":
        lifecycle.suspend(listing, None, "Spam")
    db.session.commit()
    assert _decisions(app, member, listing) == (expected,) * 4


def test_without_a_provider_nobody_may_feature(stripe_api, app, owner, listing):
    app.config["STRIPE_SECRET_KEY"] = ""
    assert _decisions(app, owner, listing) == (False,) * 4
