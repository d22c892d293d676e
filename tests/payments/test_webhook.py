"""The Stripe webhook: verified signatures, exactly-once fulfilment, every odd delivery."""
import time
from datetime import timedelta

import pytest

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.mail import OutboxMail
from exchange.payments.models import Order, OrderStatus, ProcessedEvent
from exchange.search.models import IndexJob
from exchange.timeutil import utcnow
from tests.payments.conftest import checkout_event, deliver, place_order, sign


@pytest.fixture
def order(stripe_api, owner_client, listing):
    return place_order(owner_client, listing, "week")


def state(order, listing):
    db.session.expire_all()
    return (db.session.get(Order, order.id).status, listing.featured_until,
            db.session.scalar(db.select(db.func.count()).select_from(ProcessedEvent)),
            featured_jobs(listing))


def featured_jobs(listing):
    return db.session.scalar(db.select(db.func.count()).select_from(IndexJob).where(
        IndexJob.listing_id == listing.id, IndexJob.reason == "featured"))


def test_completed_event_pays_the_order_and_features_the_listing(client, order, listing):
    before = utcnow()
    response = deliver(client, checkout_event(order))

    assert response.status_code == 200
    assert response.get_json()["outcome"] == "fulfilled"
    db.session.expire_all()
    assert order.status == OrderStatus.PAID
    assert order.paid_at >= before
    assert order.stripe_payment_intent_id == f"pi_test_{order.id}"
    assert before <= order.feature_from <= utcnow()
    assert order.feature_until == order.feature_from + timedelta(days=7)
    assert listing.featured_until == order.feature_until
    assert listing.is_featured
    assert featured_jobs(listing) == 1
    receipt = db.session.scalar(db.select(OutboxMail).where(
        OutboxMail.dedupe_key == f"payment_receipt-{order.id}"))
    assert receipt is not None and receipt.recipient == order.member.email


def test_a_second_order_extends_the_running_feature(client, owner_client, order, listing):
    deliver(client, checkout_event(order))
    db.session.expire_all()
    first_end = listing.featured_until
    second = place_order(owner_client, listing, "month")
    assert deliver(client, checkout_event(second)).get_json()["outcome"] == "fulfilled"
    db.session.expire_all()
    assert second.feature_from == first_end
    assert listing.featured_until == first_end + timedelta(days=30)


@pytest.mark.parametrize("signature", [
    "t=1,v1=deadbeef",
    "",
    "garbage",
])
def test_bad_signature_is_refused_and_changes_nothing(client, order, listing, signature):
    before = state(order, listing)
    response = deliver(client, checkout_event(order), signature=signature)
    assert response.status_code == 400
    assert state(order, listing) == before == (OrderStatus.PENDING, None, 0, 0)


def test_event_signed_with_another_secret_is_refused(client, order, listing):
    response = deliver(client, checkout_event(order), secret="whsec_someone_else")
    assert response.status_code == 400
    assert state(order, listing) == (OrderStatus.PENDING, None, 0, 0)


def test_tampered_body_is_refused(client, order, listing):
    import json
    event = checkout_event(order)
    header = sign(json.dumps(event))
    event["data"]["object"]["amount_total"] = 1
    response = deliver(client, event, signature=header)
    assert response.status_code == 400
    assert state(order, listing) == (OrderStatus.PENDING, None, 0, 0)


def test_stale_timestamp_is_refused(client, order, listing):
    # Stripe's default tolerance: five minutes
    response = deliver(client, checkout_event(order), timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert state(order, listing) == (OrderStatus.PENDING, None, 0, 0)
    fresh = deliver(client, checkout_event(order), timestamp=int(time.time()) - 250)
    assert fresh.status_code == 200


def test_duplicate_delivery_fulfils_once(client, order, listing):
    event = checkout_event(order)
    assert deliver(client, event).get_json()["outcome"] == "fulfilled"
    db.session.expire_all()
    until = listing.featured_until
    again = deliver(client, event)
    assert again.status_code == 200
    assert again.get_json()["outcome"] == "duplicate"
    assert state(order, listing) == (OrderStatus.PAID, until, 1, 1)


def test_completed_and_async_succeeded_fulfil_once_in_either_order(client, owner_client, order,
                                                                   listing):
    # async_payment_succeeded arrives first, then completed (both say paid)
    first = deliver(client, checkout_event(order, "checkout.session.async_payment_succeeded"))
    second = deliver(client, checkout_event(order, "checkout.session.completed"))
    assert [first.get_json()["outcome"], second.get_json()["outcome"]] == [
        "fulfilled", "already_settled"]
    db.session.expire_all()
    until = listing.featured_until
    assert until == order.feature_until

    # and the other way round, for a second order
    other = place_order(owner_client, listing, "week")
    outcomes = [deliver(client, checkout_event(other, kind)).get_json()["outcome"] for kind in (
        "checkout.session.completed", "checkout.session.async_payment_succeeded")]
    assert outcomes == ["fulfilled", "already_settled"]
    db.session.expire_all()
    assert listing.featured_until == until + timedelta(days=7)
    assert featured_jobs(listing) == 2


def test_delayed_payment_is_fulfilled_when_it_succeeds(client, order, listing):
    pending = deliver(client, checkout_event(order, payment_status="unpaid"))
    assert pending.get_json()["outcome"] == "awaiting_payment"
    assert state(order, listing)[:2] == (OrderStatus.PENDING, None)
    success = deliver(client, checkout_event(order, "checkout.session.async_payment_succeeded"))
    assert success.get_json()["outcome"] == "fulfilled"
    assert state(order, listing)[0] == OrderStatus.PAID


def test_failed_or_expired_checkout_cancels_the_pending_order(client, owner_client, order,
                                                             listing):
    failed = deliver(client, checkout_event(
        order, "checkout.session.async_payment_failed", payment_status="unpaid"))
    assert failed.get_json()["outcome"] == "cancelled"
    assert state(order, listing)[:2] == (OrderStatus.CANCELLED, None)

    paid = place_order(owner_client, listing)
    deliver(client, checkout_event(paid))
    late_expiry = deliver(client, checkout_event(paid, "checkout.session.expired"))
    assert late_expiry.get_json()["outcome"] == "already_settled"
    assert state(paid, listing)[0] == OrderStatus.PAID


@pytest.mark.parametrize("metadata", [{"order_id": "999999"}, {"order_id": "abc"}, {}])
def test_event_for_an_unknown_order_is_acknowledged_and_changes_nothing(client, order, listing,
                                                                       metadata, caplog):
    response = deliver(client, checkout_event(order, metadata=metadata))
    assert response.status_code == 200
    assert response.get_json()["outcome"] == "unknown_order"
    assert state(order, listing) == (OrderStatus.PENDING, None, 0, 0)
    assert "names no known order" in caplog.text


def test_event_whose_session_is_not_the_order_s_session_changes_nothing(client, order, listing):
    response = deliver(client, checkout_event(order, session_id="cs_test_forged"))
    assert response.get_json()["outcome"] == "unknown_order"
    assert state(order, listing) == (OrderStatus.PENDING, None, 0, 0)


def test_amount_that_does_not_match_the_order_is_not_fulfilled(client, order, listing):
    response = deliver(client, checkout_event(order, amount=2_000))
    assert response.get_json()["outcome"] == "amount_mismatch"
    assert state(order, listing) == (OrderStatus.PENDING, None, 1, 0)


def test_listing_withdrawn_before_payment_keeps_the_order_for_refund(client, order, listing,
                                                                    owner, owner_client):
    lifecycle.withdraw(listing, owner.id)
    db.session.commit()
    response = deliver(client, checkout_event(order))
    assert response.get_json()["outcome"] == "refund_due"
    db.session.expire_all()
    assert order.status == OrderStatus.REFUND_DUE
    assert order.paid_at is not None
    assert order.feature_until is None and listing.featured_until is None
    assert not listing.is_featured and featured_jobs(listing) == 0
    assert db.session.scalar(db.select(OutboxMail).where(
        OutboxMail.dedupe_key == f"payment_refund_due-{order.id}")) is not None
    # redelivery does not feature it either
    assert deliver(client, checkout_event(order)).get_json()["outcome"] == "already_settled"
    page = owner_client.get(f"/payments/success?order={order.id}").get_data(as_text=True)
    assert "kept for a refund" in page


def test_other_event_types_are_acknowledged_and_ignored(client, order, listing):
    response = deliver(client, checkout_event(order, "payment_intent.succeeded"))
    assert response.get_json()["outcome"] == "ignored"
    assert state(order, listing) == (OrderStatus.PENDING, None, 0, 0)


def test_webhook_is_exempt_from_csrf_but_from_nothing_else(app, client, order, listing):
    # no CSRF token, no session cookie: a valid signature is enough
    assert deliver(client, checkout_event(order)).status_code == 200
    # the signature is still required
    assert deliver(client, checkout_event(order), signature="").status_code == 400
    # only POST
    assert client.get("/payments/stripe/webhook").status_code == 405
    # hidden like the rest of the feature when payments are off
    app.config["STRIPE_SECRET_KEY"] = ""
    assert deliver(client, checkout_event(order)).status_code == 404


def test_webhook_refuses_everything_when_no_webhook_secret_is_configured(app, client, order,
                                                                         listing):
    app.config["STRIPE_WEBHOOK_SECRET"] = ""
    response = deliver(client, checkout_event(order), secret="")
    assert response.status_code == 503
    assert state(order, listing) == (OrderStatus.PENDING, None, 0, 0)


def test_other_payment_routes_still_require_csrf(stripe_api, owner_client, listing, app):
    assert owner_client.post(f"/payments/feature/{listing.id}",
                             data={"plan": "week"}).status_code == 400
    from exchange.accounts.models import Role
    from tests.factories import login, make_member
    admin = app.test_client()
    login(admin, make_member(business=None, role=Role.ADMIN))
    assert admin.post("/payments/admin/plans", data={
        "code": "x", "days": 3, "price_vnd": 50_000, "label_vi": "x", "label_en": "x"},
    ).status_code == 400


@pytest.mark.parametrize("payload, reason", [
    ('{"id": "evt_1", "type": "checkout.session.completed", ', "not JSON"),
    ("[1, 2, 3]", "not a Stripe event"),
    ('{"id": "evt_2", "data": {}}', "not a Stripe event"),
])
def test_signed_malformed_payload_is_refused_as_malformed(client, order, listing, payload,
                                                          reason):
    before = state(order, listing)
    response = client.post("/payments/stripe/webhook", data=payload,
                           headers={"Stripe-Signature": sign(payload)},
                           content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "malformed_payload"
    assert error["message"].startswith("malformed payload")
    assert reason in error["message"]
    assert "signature" not in error["message"]
    assert state(order, listing) == before


def test_signed_payload_that_is_not_utf8_is_refused_as_malformed(client, order, listing):
    response = client.post("/payments/stripe/webhook", data=b'{"type": "\xff"}',
                           headers={"Stripe-Signature": sign("whatever")},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "malformed_payload"


def test_unsigned_malformed_payload_is_still_an_invalid_signature(client, order, listing):
    response = client.post("/payments/stripe/webhook", data="{not json",
                           headers={"Stripe-Signature": sign("{other}")},
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_signature"
