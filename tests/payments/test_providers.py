"""Providers side by side: none (featuring hidden), Stripe, VietQR or both; the member chooses."""
import pytest

from exchange.extensions import db
from exchange.payments.models import Order, OrderStatus, Provider
from exchange.payments.permissions import enabled_providers, payments_enabled
from tests.factories import csrf_token
from tests.payments.conftest import transfer_order


def test_with_no_provider_featuring_is_hidden(app, owner_client, listing):
    assert not payments_enabled()
    page = owner_client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'id="feature-panel"' not in page
    assert owner_client.get("/payments/orders").status_code == 404
    assert owner_client.post("/payments/vietqr/webhook", data="{}").status_code == 404


def test_an_unknown_bank_leaves_vietqr_off(app, vietqr):
    app.config["VIETQR_BANK"] = "123456"
    assert enabled_providers() == []
    app.config["VIETQR_BANK"] = "vietcombank"  # the bank's key works as well as its BIN
    assert enabled_providers() == [Provider.VIETQR]


def test_vietqr_alone_features_by_transfer(vietqr, owner_client, listing):
    page = owner_client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'id="feature-panel"' in page
    assert 'name="provider" value="vietqr"' in page and 'id="payment-method"' not in page
    order = transfer_order(owner_client, listing)
    assert order.provider == Provider.VIETQR and order.status == OrderStatus.PENDING
    assert order.reference.startswith("SGD") and len(order.reference) == 11
    assert order.expires_at is not None and order.stripe_session_id is None


def test_with_both_the_member_chooses(vietqr, stripe_api, owner_client, listing):
    page = owner_client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert 'id="payment-method"' in page
    assert 'value="vietqr"' in page and 'value="stripe"' in page
    token = csrf_token(owner_client, f"/listings/{listing.id}")
    response = owner_client.post(f"/payments/feature/{listing.id}",
                                 data={"plan": "week", "provider": "stripe", "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("https://checkout.stripe.test/")
    order = db.session.scalars(db.select(Order)).one()
    assert order.provider == Provider.STRIPE and order.reference is None
    transfer_order(owner_client, listing, "month")
    assert [o.provider for o in db.session.scalars(db.select(Order).order_by(Order.id))] == [
        Provider.STRIPE, Provider.VIETQR]


@pytest.mark.parametrize("provider", ["", "paypal"])
def test_with_both_a_missing_or_unknown_provider_is_refused(vietqr, stripe_api, owner_client,
                                                            listing, provider):
    token = csrf_token(owner_client, f"/listings/{listing.id}")
    response = owner_client.post(f"/payments/feature/{listing.id}",
                                 data={"plan": "week", "provider": provider, "csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0


def test_a_configured_provider_only_is_accepted(stripe_api, owner_client, listing):
    token = csrf_token(owner_client, f"/listings/{listing.id}")
    response = owner_client.post(f"/payments/feature/{listing.id}",
                                 data={"plan": "week", "provider": "vietqr", "csrf_token": token})
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    assert db.session.scalar(db.select(db.func.count()).select_from(Order)) == 0
