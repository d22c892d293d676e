"""What owners and admins see: the confirmation page, orders, receipts, totals and plans."""
from datetime import datetime, timezone

import pytest

from exchange.accounts.models import Role
from exchange.extensions import db
from exchange.payments.models import Order, OrderStatus, Plan
from tests.factories import csrf_token, make_member
from tests.payments.conftest import checkout_event, deliver, place_order, signed_in


@pytest.fixture
def admin_client(app):
    return signed_in(app, make_member(business=None, role=Role.ADMIN))


def test_success_page_waits_for_the_webhook_and_never_fulfils(stripe_api, client, owner_client,
                                                              listing):
    order = place_order(owner_client, listing)
    for _ in range(2):
        page = owner_client.get(f"/payments/success?order={order.id}")
        assert page.status_code == 200
        assert "Payment being confirmed" in page.get_data(as_text=True)
        assert 'hx-trigger="every 3s"' in page.get_data(as_text=True)
    db.session.expire_all()
    assert order.status == OrderStatus.PENDING and listing.featured_until is None

    deliver(client, checkout_event(order))
    fragment = owner_client.get(f"/payments/orders/{order.id}/status").get_data(as_text=True)
    assert "Payment confirmed" in fragment and "hx-trigger" not in fragment
    assert "Payment confirmed" in owner_client.get(
        f"/payments/success?order={order.id}").get_data(as_text=True)


def test_orders_of_another_business_are_not_found(stripe_api, app, owner_client, listing):
    order = place_order(owner_client, listing)
    stranger = signed_in(app, make_member())
    for url in (f"/payments/success?order={order.id}", f"/payments/orders/{order.id}",
                f"/payments/orders/{order.id}/status", f"/payments/cancel?order={order.id}"):
        assert stranger.get(url).status_code == 404, url
    assert f"#{order.id}" not in stranger.get("/payments/orders").get_data(as_text=True)


def test_cancel_page_changes_nothing(stripe_api, owner_client, listing):
    order = place_order(owner_client, listing)
    page = owner_client.get(f"/payments/cancel?order={order.id}")
    assert page.status_code == 200
    assert "not been charged" in page.get_data(as_text=True)
    db.session.expire_all()
    assert order.status == OrderStatus.PENDING


def test_owner_sees_orders_and_a_receipt(stripe_api, client, owner_client, listing, owner):
    order = place_order(owner_client, listing)
    deliver(client, checkout_event(order))
    orders_page = owner_client.get("/payments/orders").get_data(as_text=True)
    assert f"#{order.id}" in orders_page and "200,000" in orders_page
    receipt = owner_client.get(f"/payments/orders/{order.id}").get_data(as_text=True)
    assert owner.business.tax_code in receipt
    assert f"pi_test_{order.id}" in receipt
    assert "Máy sấy nông sản" in receipt


def test_account_panel_lists_the_latest_orders(stripe_api, app, owner_client, listing, owner):
    from flask import render_template_string
    order = place_order(owner_client, listing)
    from exchange.payments.views import dashboard_orders
    with app.test_request_context("/account?lang=en"):
        html = render_template_string('{% include "payments/_account_orders.html" %}',
                                      **dashboard_orders(owner, 1, {}))
    assert f"#{order.id}" in html and "/payments/orders" in html


def test_admin_sees_all_orders_and_totals_per_month(stripe_api, client, owner_client, listing,
                                                    admin_client):
    paid = [place_order(owner_client, listing, plan) for plan in ("week", "month", "week")]
    for order in paid[:2]:
        deliver(client, checkout_event(order))
    # a payment made in an earlier month (23:30 UTC on 31 Jan is February in Hà Nội)
    db.session.execute(db.update(Order).where(Order.id == paid[0].id).values(
        paid_at=datetime(2025, 1, 31, 23, 30, tzinfo=timezone.utc)))
    db.session.commit()

    page = admin_client.get("/payments/admin/orders")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for order in paid:
        assert f"#{order.id}" in html
    from exchange.payments.reports import monthly_totals
    months = {m["month"]: m for m in monthly_totals()}
    assert months["2025-02"]["amount_vnd"] == 200_000
    assert sum(m["amount_vnd"] for m in months.values()) == 800_000
    assert "2025-02" in html
    pending_only = admin_client.get("/payments/admin/orders?status=pending").get_data(as_text=True)
    assert f"#{paid[2].id}" in pending_only and f">#{paid[1].id}<" not in pending_only


def test_members_cannot_reach_the_admin_pages(stripe_api, owner_client):
    assert owner_client.get("/payments/admin/orders").status_code == 403
    assert owner_client.get("/payments/admin/plans").status_code == 403


def test_admin_changes_a_price_for_new_orders_only(stripe_api, owner_client, listing,
                                                   admin_client):
    old = place_order(owner_client, listing, "week")
    assert admin_client.get("/payments/admin/plans").status_code == 200
    week = db.session.scalar(db.select(Plan).where(Plan.code == "week"))
    response = admin_client.post("/payments/admin/plans", data={
        "csrf_token": csrf_token(admin_client, "/payments/admin/plans"),
        "plan_id": week.id, "code": "week", "days": 10, "price_vnd": 250_000,
        "label_vi": "Nổi bật 10 ngày", "label_en": "Featured for 10 days", "position": 1,
        "active": "y",
    })
    assert response.status_code == 303
    new = place_order(owner_client, listing, "week")
    db.session.expire_all()
    assert (old.days, old.amount_vnd) == (7, 200_000)
    assert (new.days, new.amount_vnd) == (10, 250_000)


def test_admin_adds_a_plan_and_retires_one(stripe_api, owner_client, listing, admin_client):
    admin_client.get("/payments/admin/plans")
    token = csrf_token(admin_client, "/payments/admin/plans")
    assert admin_client.post("/payments/admin/plans", data={
        "csrf_token": token, "code": "quarter", "days": 90, "price_vnd": 1_500_000,
        "label_vi": "Nổi bật 90 ngày", "label_en": "Featured for 90 days", "active": "y",
        "position": 3,
    }).status_code == 303
    month = db.session.scalar(db.select(Plan).where(Plan.code == "month"))
    assert admin_client.post("/payments/admin/plans", data={
        "csrf_token": token, "plan_id": month.id, "code": "month", "days": 30,
        "price_vnd": 600_000, "label_vi": month.label_vi, "label_en": month.label_en,
    }).status_code == 303
    from exchange.payments.plans import plans_on_offer
    assert [p.code for p in plans_on_offer()] == ["week", "quarter"]
    assert place_order(owner_client, listing, "quarter").amount_vnd == 1_500_000


def test_admin_plan_with_an_impossible_price_is_refused(stripe_api, admin_client):
    admin_client.get("/payments/admin/plans")
    response = admin_client.post("/payments/admin/plans", data={
        "csrf_token": csrf_token(admin_client, "/payments/admin/plans"),
        "code": "cheap", "days": 3, "price_vnd": 5, "label_vi": "x", "label_en": "x",
    })
    assert response.status_code == 200
    assert "The price must be between" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(Plan).where(Plan.code == "cheap")) is None
