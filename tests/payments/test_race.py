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


def notify_together(app, payloads):
    """POST each transfer notice from its own thread, client and connection, at once."""
    from tests.payments.conftest import notify
    barrier = threading.Barrier(len(payloads))
    outcomes = [None] * len(payloads)

    def worker(i, payload):
        client = app.test_client()
        with app.app_context():
            barrier.wait()
            response = notify(client, payload)
            outcomes[i] = (response.status_code, (response.get_json() or {}).get("outcome"))
            db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, p)) for i, p in enumerate(payloads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


def test_the_same_bank_transaction_notified_twice_at_once_fulfils_once(vietqr, app,
                                                                        owner_client, listing):
    from exchange.payments.models import BankTransfer, Receipt
    from tests.payments.conftest import notice, transfer_order
    order = transfer_order(owner_client, listing)
    payload = notice("FT26337999001", 200_000, order.reference)
    outcomes = notify_together(app, [payload, payload])
    assert sorted(outcomes) == [(200, "duplicate"), (200, "fulfilled")], outcomes
    db.session.expire_all()
    assert order.status == OrderStatus.PAID and order.bank_transaction_id == "FT26337999001"
    assert listing.featured_until == order.feature_from + timedelta(days=7)
    assert count(BankTransfer) == 1 and count(Receipt) == 1
    assert count(IndexJob, IndexJob.reason == "featured") == 1


def test_two_transactions_for_one_order_at_once_fulfil_once_and_queue_one(vietqr, app,
                                                                         owner_client, listing):
    from exchange.payments.models import BankTransfer, Receipt
    from tests.payments.conftest import notice, transfer_order
    order = transfer_order(owner_client, listing)
    outcomes = notify_together(app, [notice("FT26337999002", 200_000, order.reference),
                                     notice("FT26337999003", 200_000, order.reference)])
    assert sorted(o for _, o in outcomes) == ["already_paid", "fulfilled"], outcomes
    db.session.expire_all()
    assert count(Receipt) == 1 and count(BankTransfer, BankTransfer.needs_review) == 1
    assert listing.featured_until == order.feature_from + timedelta(days=7)
