"""Bank transfers reconciled exactly once: signed notices, statements, staff, the queue."""
import json
import time
from datetime import timedelta

import pytest

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.payments.models import (BankTransfer, Order, OrderStatus, Receipt,
                                      TransferOutcome)
from exchange.search.models import IndexJob
from exchange.timeutil import utcnow
from exchange.accounts.models import Role
from tests.factories import csrf_token, make_member
from tests.payments.conftest import notice, notify, signed_in, transfer_order


@pytest.fixture
def order(vietqr, owner_client, listing):
    return transfer_order(owner_client, listing)


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def outcome(response):
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["outcome"]


def fulfilments(listing):
    """How many times the listing was featured: receipts and index jobs, which must agree."""
    db.session.expire_all()
    receipts = count(Receipt)
    jobs = count(IndexJob, IndexJob.listing_id == listing.id, IndexJob.reason == "featured")
    assert receipts == jobs
    return receipts


def queued():
    return [t.outcome for t in db.session.scalars(
        db.select(BankTransfer).where(BankTransfer.needs_review.is_(True)))]


def test_a_signed_notice_pays_the_order_and_features_the_listing(client, order, listing):
    text = f"MBVCB.8812.{order.reference}.CT tu 0071000999 CONG TY MAY NONG NGHIEP"
    assert outcome(notify(client, notice("FT26337123456", 200_000, text))) == "fulfilled"
    db.session.expire_all()
    assert order.status == OrderStatus.PAID
    assert order.bank_transaction_id == "FT26337123456" and order.amount_paid_vnd == 200_000
    assert listing.featured_until == order.feature_from + timedelta(days=7)
    assert fulfilments(listing) == 1 and queued() == []
    status = signed_in_owner_status(order)
    assert 'id="order-paid"' in status and "hx-get" not in status
    assert 'id="transfer-instructions" hx-swap-oob="true"' in status


def signed_in_owner_status(order):
    from flask import current_app
    client = signed_in(current_app, order.member)
    return client.get(f"/payments/orders/{order.id}/status").get_data(as_text=True)


def test_a_duplicate_notice_changes_nothing(client, order, listing):
    first = notice("FT1", 200_000, order.reference)
    assert outcome(notify(client, first)) == "fulfilled"
    db.session.expire_all()
    until = listing.featured_until
    assert outcome(notify(client, first)) == "duplicate"
    # the same transaction told again with other words is still the same transaction
    assert outcome(notify(client, notice("FT1", 200_000, f"{order.reference} lan 2"))) == \
        "duplicate"
    db.session.expire_all()
    assert listing.featured_until == until
    assert fulfilments(listing) == 1 and count(BankTransfer) == 1 and queued() == []


def test_an_underpayment_waits_for_staff_and_staff_fulfil_it(app, client, order, listing):
    assert outcome(notify(client, notice("FT2", 150_000, order.reference))) == "underpaid"
    db.session.expire_all()
    assert order.status == OrderStatus.PENDING and listing.featured_until is None
    assert fulfilments(listing) == 0 and queued() == [TransferOutcome.UNDERPAID]

    admin = signed_in(app, make_member(business=None, role=Role.ADMIN))
    page = admin.get("/payments/admin/transfers").get_data(as_text=True)
    assert "FT2" in page and "Less than the price" in page and 'data-outcome="underpaid"' in page
    transfer = db.session.scalars(db.select(BankTransfer)).one()
    response = admin.post(f"/payments/admin/transfers/{transfer.id}/resolve", data={
        "action": "fulfil", "note": "Khách xác nhận bù phần thiếu sau",
        "csrf_token": csrf_token(admin, "/payments/admin/transfers")})
    assert response.status_code == 303
    db.session.expire_all()
    assert order.status == OrderStatus.PAID and order.bank_transaction_id == "FT2"
    assert transfer.resolution == "fulfilled" and transfer.resolved_by_id is not None
    assert fulfilments(listing) == 1 and queued() == []
    page = admin.get(f"/payments/orders/{order.id}").get_data(as_text=True)
    assert 'id="order-transfers"' in page and "Fulfilled by staff" in page
    owner_page = signed_in(app, order.member).get(f"/payments/orders/{order.id}")
    assert 'id="order-transfers"' not in owner_page.get_data(as_text=True)


def test_a_payment_after_expiry_waits_for_staff_and_a_refund_is_noted(app, client, order,
                                                                       listing):
    order.expires_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    assert outcome(notify(client, notice("FT3", 200_000, order.reference))) == "late"
    db.session.expire_all()
    assert order.status == OrderStatus.PENDING and fulfilments(listing) == 0
    assert queued() == [TransferOutcome.LATE]

    admin = signed_in(app, make_member(business=None, role=Role.ADMIN))
    transfer = db.session.scalars(db.select(BankTransfer)).one()
    token = csrf_token(admin, "/payments/admin/transfers")
    url = f"/payments/admin/transfers/{transfer.id}/resolve"
    admin.post(url, data={"action": "refund", "note": "", "csrf_token": token})
    assert queued() == [TransferOutcome.LATE]  # a refund needs its note
    admin.post(url, data={"action": "refund", "note": "Đã hoàn 200.000 ₫ ngày 4/12",
                          "csrf_token": token})
    db.session.expire_all()
    assert transfer.resolution == "refund" and transfer.note.startswith("Đã hoàn")
    assert order.status == OrderStatus.PENDING and fulfilments(listing) == 0 and queued() == []


def test_an_overpayment_is_fulfilled_and_flagged(client, order, listing):
    assert outcome(notify(client, notice("FT4", 250_000, order.reference))) == "overpaid"
    db.session.expire_all()
    assert order.status == OrderStatus.PAID and order.is_overpaid
    assert order.receipt.amount_vnd == 200_000
    assert fulfilments(listing) == 1 and queued() == [TransferOutcome.OVERPAID]


def test_a_second_transfer_for_a_paid_order_is_queued_not_fulfilled(client, order, listing):
    assert outcome(notify(client, notice("FT5", 200_000, order.reference))) == "fulfilled"
    assert outcome(notify(client, notice("FT6", 200_000, order.reference))) == "already_paid"
    assert fulfilments(listing) == 1 and queued() == [TransferOutcome.ALREADY_PAID]


def test_a_mistyped_reference_is_caught_and_queued(client, order, listing):
    body = order.reference[3:]
    typo = "SGD" + body[:2] + ("0" if body[2] != "0" else "1") + body[3:]
    assert outcome(notify(client, notice("FT7", 200_000, f"chuyen tien {typo}"))) == \
        "bad_reference"
    db.session.expire_all()
    transfer = db.session.scalars(db.select(BankTransfer)).one()
    assert transfer.order_id is None and transfer.reference == typo
    assert order.status == OrderStatus.PENDING and fulfilments(listing) == 0
    assert queued() == [TransferOutcome.BAD_REFERENCE]


def test_a_transfer_without_reference_is_kept_but_not_queued(client, order, listing):
    assert outcome(notify(client, notice("FT8", 5_000_000, "Tra tien hang"))) == "unrelated"
    assert count(BankTransfer) == 1 and queued() == [] and fulfilments(listing) == 0


def test_a_listing_withdrawn_before_the_transfer_is_kept_for_refund(client, order, listing):
    lifecycle.withdraw(listing, listing.business.members[0].id)
    db.session.commit()
    assert outcome(notify(client, notice("FT9", 200_000, order.reference))) == "refund_due"
    db.session.expire_all()
    assert order.status == OrderStatus.REFUND_DUE and listing.featured_until is None
    assert queued() == [TransferOutcome.REFUND_DUE]


@pytest.mark.parametrize("tamper", ["body", "signature", "secret", "stale", "future",
                                    "no_headers"])
def test_a_tampered_or_stale_notice_is_refused_and_changes_nothing(client, order, listing,
                                                                   tamper):
    payload = notice("FT10", 200_000, order.reference)
    raw = json.dumps(payload).encode()
    now = int(time.time())
    if tamper == "body":  # signed for 2 000 ₫, sent claiming 200 000 ₫
        from exchange.payments.transfers import sign
        signature = sign("vietqr-test-secret", now, raw.replace(b"200000", b"2000"))
        response = notify(client, payload, signature=signature, timestamp=now)
    elif tamper == "signature":
        response = notify(client, payload, signature="0" * 64)
    elif tamper == "secret":
        response = notify(client, payload, secret="someone-else")
    elif tamper == "stale":  # a captured notice replayed ten minutes later
        response = notify(client, payload, timestamp=now - 600)
    elif tamper == "future":
        response = notify(client, payload, timestamp=now + 600)
    else:
        response = client.post("/payments/vietqr/webhook", data=raw,
                               content_type="application/json")
    assert response.status_code == 400
    db.session.expire_all()
    assert order.status == OrderStatus.PENDING and count(BankTransfer) == 0
    assert fulfilments(listing) == 0


def test_the_signature_may_carry_a_sha256_prefix(client, order):
    from exchange.payments.transfers import sign
    payload = notice("FT11", 200_000, order.reference)
    now = int(time.time())
    signature = "sha256=" + sign("vietqr-test-secret", now, json.dumps(payload).encode())
    assert outcome(notify(client, payload, signature=signature, timestamp=now)) == "fulfilled"


@pytest.mark.parametrize("payload, expected", [
    ({"transaction_id": "FT12", "amount": 200_000, "description": "x", "type": "debit"},
     "ignored"),
    ({"transaction_id": "FT13", "amount": 200_000, "description": "x",
      "account_number": "999"}, "ignored"),
])
def test_debits_and_other_accounts_are_ignored(client, order, payload, expected):
    assert outcome(notify(client, payload)) == expected
    assert count(BankTransfer) == 0


@pytest.mark.parametrize("payload", [
    {"amount": 200_000, "description": "x"},
    {"transaction_id": "FT14", "amount": "hai tram", "description": "x"},
    {"transaction_id": "FT15", "amount": -5, "description": "x"},
    ["not", "an", "object"],
])
def test_malformed_notices_are_refused(client, order, payload):
    assert notify(client, payload).status_code == 400
    assert count(BankTransfer) == 0


def test_without_a_secret_the_webhook_is_closed(app, client, order):
    app.config["VIETQR_WEBHOOK_SECRET"] = ""
    assert notify(client, notice("FT16", 200_000, order.reference)).status_code == 503


def test_staff_mark_an_order_paid_by_hand_once(app, order, listing):
    admin = signed_in(app, make_member(business=None, role=Role.ADMIN))
    page = admin.get(f"/payments/orders/{order.id}").get_data(as_text=True)
    assert 'id="mark-paid"' in page
    token = csrf_token(admin, f"/payments/orders/{order.id}")
    data = {"bank_transaction_id": " FT 17 ", "amount_vnd": "200000", "csrf_token": token}
    assert admin.post(f"/payments/admin/orders/{order.id}/mark-paid", data=data).status_code \
        == 303
    db.session.expire_all()
    assert order.status == OrderStatus.PAID and order.bank_transaction_id == "FT17"
    transfer = db.session.scalars(db.select(BankTransfer)).one()
    assert transfer.source == "manual" and transfer.recorded_by_id is not None
    # the bank's notice of the same transfer comes in later: nothing more happens
    from flask import current_app
    client = current_app.test_client()
    assert outcome(notify(client, notice("FT17", 200_000, order.reference))) == "duplicate"
    assert fulfilments(listing) == 1 and queued() == []


def test_staff_may_settle_an_expired_order_by_hand(app, order, listing):
    order.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    admin = signed_in(app, make_member(business=None, role=Role.ADMIN))
    token = csrf_token(admin, f"/payments/orders/{order.id}")
    admin.post(f"/payments/admin/orders/{order.id}/mark-paid",
               data={"bank_transaction_id": "FT18", "csrf_token": token})
    db.session.expire_all()
    assert order.status == OrderStatus.PAID and fulfilments(listing) == 1


def test_members_cannot_mark_paid(app, owner_client, order):
    token = csrf_token(owner_client, f"/payments/orders/{order.id}")
    response = owner_client.post(f"/payments/admin/orders/{order.id}/mark-paid",
                                 data={"bank_transaction_id": "FT19", "csrf_token": token})
    assert response.status_code == 403
    assert count(BankTransfer) == 0 and db.session.get(Order, order.id).status == "pending"
