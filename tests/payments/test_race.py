"""Webhook deliveries at the same instant on PostgreSQL: the order is fulfilled exactly once."""
import threading
from datetime import timedelta

import pytest

from exchange.extensions import db
from exchange.payments.models import OrderStatus, ProcessedEvent
from exchange.search.models import IndexJob
from tests.conftest import PG_URL
from tests.payments.conftest import checkout_event, deliver, place_order

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL.startswith("postgresql"),
                       reason="real concurrency needs PostgreSQL (set TEST_DATABASE_URL)"),
]


def deliver_together(app, events):
    """POST each event from its own thread, client and connection, released at once."""
    barrier = threading.Barrier(len(events))
    outcomes = [None] * len(events)

    def worker(i, event):
        client = app.test_client()
        with app.app_context():
            barrier.wait()
            response = deliver(client, event)
            outcomes[i] = (response.status_code, (response.get_json() or {}).get("outcome"))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, e)) for i, e in enumerate(events)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def test_the_same_event_delivered_four_times_at_once_fulfils_once(stripe_api, app, owner_client,
                                                                 listing):
    order = place_order(owner_client, listing)
    outcomes = deliver_together(app, [checkout_event(order, event_id="evt_race")] * 4)
    assert sorted(outcomes) == [(200, "duplicate")] * 3 + [(200, "fulfilled")], outcomes
    db.session.expire_all()
    assert order.status == OrderStatus.PAID
    assert listing.featured_until == order.feature_from + timedelta(days=7)
    assert count(ProcessedEvent) == 1
    assert count(IndexJob, IndexJob.reason == "featured") == 1


def test_completed_and_async_succeeded_at_once_fulfil_once(stripe_api, app, owner_client,
                                                           listing):
    order = place_order(owner_client, listing)
    outcomes = deliver_together(app, [
        checkout_event(order, "checkout.session.completed"),
        checkout_event(order, "checkout.session.async_payment_succeeded"),
    ])
    assert sorted(o for _, o in outcomes) == ["already_settled", "fulfilled"], outcomes
    db.session.expire_all()
    assert listing.featured_until == order.feature_until == order.feature_from + timedelta(days=7)


def test_two_orders_paid_at_once_both_extend_the_feature(stripe_api, app, owner_client, listing):
    orders = [place_order(owner_client, listing, plan) for plan in ("week", "month")]
    outcomes = deliver_together(app, [checkout_event(order) for order in orders])
    assert outcomes == [(200, "fulfilled")] * 2, outcomes
    db.session.expire_all()
    first, second = sorted(orders, key=lambda o: o.feature_from)
    assert second.feature_from == first.feature_until
    assert listing.featured_until == second.feature_until
    assert listing.featured_until - first.feature_from == timedelta(days=37)
