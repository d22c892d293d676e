"""The owner pays to feature an offer; Stripe's signed webhook puts it first on the site."""
import json

import pytest

from exchange.extensions import db
from exchange.payments.models import Order, OrderStatus
from tests.e2e.conftest import poll, published_catalogue, sign_in
from tests.helpers import settle
from tests.payments.conftest import WEBHOOK_SECRET, StripeRecorder, checkout_event, sign

CHECKOUT_ORIGIN = "https://checkout.stripe.com"
CHECKOUT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Stripe Checkout (test)</title></head>
<body style="font-family:sans-serif;background:#f6f9fc;padding:4rem">
<h1>Stripe Checkout</h1><p>Test page standing in for Stripe's hosted payment form.</p>
</body></html>"""


class CheckoutRecorder(StripeRecorder):
    """Answers with session URLs on Stripe's real Checkout origin, which the browser tests
    intercept, so the page's Content-Security-Policy is tested as it is in production."""

    def session_for(self, form):
        session = super().session_for(form)
        session["url"] = f"{CHECKOUT_ORIGIN}/c/pay/{session['id']}"
        return session


@pytest.fixture(scope="module")
def stripe_recorder():
    recorder = CheckoutRecorder().start()
    yield recorder
    recorder.stop()


@pytest.fixture
def app_overrides(app_overrides, stripe_recorder):
    stripe_recorder.requests.clear()
    return {**app_overrides, "STRIPE_SECRET_KEY": "sk_test_x",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET, "STRIPE_API_BASE": stripe_recorder.url,
            "STRIPE_MAX_NETWORK_RETRIES": 0}


def search_titles(page, query):
    page.goto(f"/search?q={query}")
    return page.locator("#search-body .listing-card .card-title").all_inner_texts()


def deliver(page, event, signature=None):
    """POSTs the event to the live webhook the way Stripe does: raw JSON, signed header."""
    payload = json.dumps(event)
    return page.request.post("/payments/stripe/webhook", data=payload, headers={
        "Content-Type": "application/json", "Stripe-Signature": signature or sign(payload)})


def stand_in_for_checkout(page):
    """Stripe's hosted page, served locally: the browser never leaves the machine."""
    page.route(f"{CHECKOUT_ORIGIN}/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=CHECKOUT_PAGE))


def test_feature_with_stripe_checkout_and_webhook(new_page, meili, stripe_recorder, shots):
    catalogue = published_catalogue()
    settle(meili)
    visitor = new_page()
    dryers = search_titles(visitor, "may say nong san")
    assert len(dryers) == 2
    # feature the dryer that relevance alone ranks second
    target = next(listing for listing in catalogue if listing.latest_revision.title == dryers[1])
    title = dryers[1]
    owner = target.business.members[0]

    page = sign_in(new_page(), owner)
    page.goto(f"/listings/{target.id}")
    assert page.locator("#feature-panel").is_visible()
    shots(page, "1-feature-panel")
    stand_in_for_checkout(page)
    page.locator("#feature-panel button[type=submit]").click()
    page.wait_for_url(f"{CHECKOUT_ORIGIN}/c/pay/cs_test_*")  # the page's CSP lets it go there
    shots(page, "2-stripe-checkout")

    [call] = stripe_recorder.requests
    assert call["path"] == "/v1/checkout/sessions"
    assert call["form"]["line_items[0][price_data][currency]"] == "vnd"
    order = db.session.scalars(db.select(Order).where(Order.listing_id == target.id)).one()
    assert order.status == OrderStatus.PENDING

    # nothing is featured on an unsigned or forged notification
    event = checkout_event(order)
    forged = deliver(visitor, event, signature=sign(json.dumps(event), secret="whsec_forged"))
    assert forged.status == 400
    assert visitor.goto("/").ok and visitor.locator(".home-featured").count() == 0

    assert deliver(visitor, event).ok
    assert deliver(visitor, event).ok  # Stripe delivers again; fulfilled once
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == OrderStatus.PAID

    page.goto(call["form"]["success_url"])  # Stripe sends the payer back
    assert page.locator(".badge.bg-success").first.is_visible()
    shots(page, "3-payment-confirmed")

    featured = visitor.locator(".home-featured .listing-card")
    poll(visitor, "/", lambda p: featured.count() == 1)
    assert title in featured.first.inner_text()
    assert featured.first.locator(".bi-star-fill").count() == 1
    shots(visitor, "4-home-featured")

    assert search_titles(visitor, "may say nong san") == [title, dryers[0]]
    first = visitor.locator("#search-body .listing-card").first
    assert first.locator(".bi-star-fill").count() == 1
    shots(visitor, "5-search-featured-first")

    visitor.goto(f"/listings/{target.id}")
    assert visitor.locator(".badge-featured").is_visible()
    shots(visitor, "6-listing-featured")
