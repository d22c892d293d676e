"""Opening a Stripe Checkout Session for a featuring order, against a recording server."""
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.payments.models import Order, OrderStatus, Plan
from tests.factories import csrf_token, login, make_member
from tests.payments.conftest import feature, place_order


def orders():
    return db.session.scalars(db.select(Order).order_by(Order.id)).all()


def test_feature_creates_pending_order_then_redirects_to_checkout(stripe_api, owner_client,
                                                                  listing, owner):
    response = feature(owner_client, listing, "week")

    assert response.status_code == 303
    [order] = orders()
    assert response.headers["Location"] == (
        f"https://checkout.stripe.test/c/pay/{order.stripe_session_id}")
    assert order.status == OrderStatus.PENDING
    assert (order.listing_id, order.business_id, order.member_id) == (
        listing.id, owner.business_id, owner.id)
    assert (order.plan_code, order.days, order.amount_vnd, order.currency) == (
        "week", 7, 200_000, "vnd")
    assert order.paid_at is None and listing.featured_until is None

    [sent] = stripe_api.requests
    assert sent["path"] == "/v1/checkout/sessions"
    assert sent["headers"]["authorization"] == "Bearer sk_test_x"
    assert sent["headers"]["idempotency-key"] == f"order-{order.id}"
    form = sent["form"]
    assert form["mode"] == "payment"
    # VND is zero-decimal: the amount is sent in dong, not multiplied by 100
    assert form["line_items[0][price_data][unit_amount]"] == "200000"
    assert form["line_items[0][price_data][currency]"] == "vnd"
    assert form["line_items[0][quantity]"] == "1"
    assert form["metadata[order_id]"] == str(order.id)
    assert form["metadata[listing_id]"] == str(listing.id)
    assert form["payment_intent_data[metadata][order_id]"] == str(order.id)
    assert form["client_reference_id"] == str(order.id)
    assert form["customer_email"] == owner.email
    assert form["success_url"] == f"http://exchange.test/payments/success?order={order.id}"
    assert form["cancel_url"] == f"http://exchange.test/payments/cancel?order={order.id}"


def test_plans_are_seeded_on_first_use_and_the_30_day_plan_charges_its_price(
        stripe_api, owner_client, listing):
    assert db.session.scalar(db.select(db.func.count()).select_from(Plan)) == 0
    order = place_order(owner_client, listing, "month")
    assert {p.code: (p.days, p.price_vnd) for p in db.session.scalars(db.select(Plan))} == {
        "week": (7, 200_000), "month": (30, 600_000)}
    assert (order.days, order.amount_vnd) == (30, 600_000)
    assert stripe_api.requests[-1]["form"]["line_items[0][price_data][unit_amount]"] == "600000"


def test_a_retried_call_reuses_the_idempotency_key(stripe_api, owner_client, listing):
    stripe_api.failures.append(503)
    order = place_order(owner_client, listing)
    assert len(stripe_api.requests) == 2
    keys = {r["headers"]["idempotency-key"] for r in stripe_api.requests}
    assert keys == {f"order-{order.id}"}
    assert order.status == OrderStatus.PENDING and order.stripe_session_id


def test_stripe_down_keeps_a_cancelled_order_and_tells_the_owner(stripe_api, owner_client,
                                                                 listing):
    stripe_api.failures.extend([500, 500])
    response = feature(owner_client, listing)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/listings/{listing.id}")
    [order] = orders()
    assert order.status == OrderStatus.CANCELLED and order.stripe_session_id is None
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "not been charged" in page


def test_only_the_owner_business_may_feature(stripe_api, app, listing):
    stranger = app.test_client()
    login(stranger, make_member())
    assert feature(stranger, listing).status_code == 403
    assert orders() == [] and stripe_api.requests == []


def test_colleague_of_the_owner_may_feature(stripe_api, app, listing, owner):
    colleague = app.test_client()
    login(colleague, make_member(business=owner.business))
    assert feature(colleague, listing).status_code == 303


def test_anonymous_visitor_is_sent_to_login(stripe_api, client, listing):
    response = client.post(f"/payments/feature/{listing.id}", data={
        "plan": "week", "csrf_token": csrf_token(client, "/auth/login")})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert orders() == [] and stripe_api.requests == []


def test_a_listing_that_is_not_public_cannot_be_featured(stripe_api, owner_client, listing,
                                                        owner):
    lifecycle.withdraw(listing, owner.id)
    db.session.commit()
    response = feature(owner_client, listing)
    assert response.status_code == 303
    assert orders() == [] and stripe_api.requests == []
    page = owner_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Only a published listing can be featured" in page


def test_unknown_or_inactive_plan_is_refused(stripe_api, owner_client, listing):
    assert feature(owner_client, listing, "forever").status_code == 303
    place_order(owner_client, listing, "week")  # seeds the plans
    week = db.session.scalar(db.select(Plan).where(Plan.code == "week"))
    week.active = False
    db.session.commit()
    stripe_api.requests.clear()
    assert feature(owner_client, listing, "week").status_code == 303
    assert stripe_api.requests == []
    assert len(orders()) == 1


def test_feature_requires_the_csrf_token(stripe_api, owner_client, listing):
    response = feature(owner_client, listing, token=False)
    assert response.status_code == 400
    assert orders() == [] and stripe_api.requests == []


def test_without_a_secret_key_the_feature_is_hidden(app, owner_client, listing, client):
    app.config["STRIPE_SECRET_KEY"] = ""
    token_page = owner_client.get(f"/listings/{listing.id}")
    assert token_page.status_code == 200
    response = feature(owner_client, listing)
    assert response.status_code == 404
    for url in ("/payments/orders", "/payments/success?order=1", "/payments/cancel",
                "/payments/admin/orders", "/payments/admin/plans"):
        assert owner_client.get(url).status_code == 404, url
    assert client.post("/payments/stripe/webhook", data="{}").status_code == 404
    assert orders() == []


def test_listing_panel_is_shown_to_the_owner_of_a_public_listing_only(stripe_api, app, listing,
                                                                      owner):
    from flask_login import login_user, logout_user

    from exchange.payments.views import featuring_panel

    def panel():
        return featuring_panel(listing.id)

    with app.test_request_context(f"/listings/{listing.id}?lang=en"):
        login_user(owner)
        html = panel()
        assert "Feature this listing" in html
        assert f'action="/payments/feature/{listing.id}"' in html
        assert 'name="plan" id="plan-week" value="week"' in html
        assert 'value="month"' in html and "csrf_token" in html
        logout_user()
        login_user(make_member())
        assert "Feature this listing" not in panel()
    app.config["STRIPE_SECRET_KEY"] = ""
    with app.test_request_context(f"/listings/{listing.id}?lang=en"):
        login_user(owner)
        assert "Feature this listing" not in panel()
