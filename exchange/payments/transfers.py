"""Bank transfers received: recorded once per bank transaction, matched to orders, queued."""
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from exchange.errors import DomainError
from exchange.extensions import db
from exchange.payments.models import (NEEDS_REVIEW, BankTransfer, Order, OrderStatus,
                                      TransferOutcome)
from exchange.payments.services import fulfil_order
from exchange.payments.vietqr import find_reference
from exchange.timeutil import utcnow

SOURCES = ("webhook", "statement", "manual")
RESOLUTIONS = ("fulfil", "refund", "note")


@dataclass
class Credit:
    """One credit to the receiving account, as a notice or a statement line gives it."""

    bank_transaction_id: str
    amount_vnd: int
    description: str = ""
    occurred_at: datetime | None = None


def clean_transaction_id(value) -> str:
    text = re.sub(r"\s+", "", str(value or ""))
    if text.endswith(".0") and text[:-2].isdigit():  # a spreadsheet read it as a number
        text = text[:-2]
    return text[:100]


def record_transfer(credit: Credit, *, source: str, order: Order | None = None,
                    recorded_by=None) -> BankTransfer | None:
    """Record a credit and act on it, exactly once per bank transaction.

    Returns the new BankTransfer, or None when this bank transaction was recorded before
    (a notice delivered again, a statement repeating a notice): nothing changes then.
    `order` is given when staff say which order the money was for."""
    tx_id = clean_transaction_id(credit.bank_transaction_id)
    if not tx_id:
        raise DomainError(_l("A bank transaction id is required."), code="no_transaction_id")
    if credit.amount_vnd <= 0:
        raise DomainError(_l("Only credits (money received) can pay an order."),
                          code="not_a_credit")
    transfer = BankTransfer(
        bank_transaction_id=tx_id, amount_vnd=int(credit.amount_vnd),
        description=(credit.description or "")[:500], source=source,
        occurred_at=credit.occurred_at, outcome=TransferOutcome.UNRELATED,
        recorded_by_id=recorded_by.id if recorded_by else None)
    try:
        # the unique bank transaction id decides: a second delivery, even one racing this
        # one on another connection, fails here and is a no-op
        with db.session.begin_nested():
            db.session.add(transfer)
    except IntegrityError:
        return None
    if order is None:
        order = _match(transfer)
    if order is not None:
        transfer.outcome = _settle(transfer, order, on_time_or_staff=source == "manual")
        # linked only now: the foreign key check share-locks the order row, and taken
        # before fulfilment's listing lock it deadlocks against a concurrent fulfilment
        # (setting the order's unique bank_transaction_id needs the full row lock)
        transfer.order_id = order.id
    transfer.needs_review = transfer.outcome in NEEDS_REVIEW
    db.session.flush()
    return transfer


def _match(transfer: BankTransfer) -> Order | None:
    found = find_reference(transfer.description)
    if found is None:
        transfer.outcome = TransferOutcome.UNRELATED
        return None
    transfer.reference = found.text
    if not found.valid:
        transfer.outcome = TransferOutcome.BAD_REFERENCE
        return None
    order = db.session.scalar(select(Order).where(Order.reference == found.text))
    if order is None:
        transfer.outcome = TransferOutcome.UNKNOWN_REFERENCE
    return order


def _settle(transfer: BankTransfer, order: Order, *, on_time_or_staff: bool) -> TransferOutcome:
    if order.status != OrderStatus.PENDING:
        return TransferOutcome.ALREADY_PAID
    if transfer.amount_vnd < order.amount_vnd:
        return TransferOutcome.UNDERPAID
    if order.is_expired and not on_time_or_staff:
        return TransferOutcome.LATE
    return _fulfil(transfer, order)


def _fulfil(transfer: BankTransfer, order: Order) -> TransferOutcome:
    result = fulfil_order(order, paid_vnd=transfer.amount_vnd,
                          bank_transaction_id=transfer.bank_transaction_id)
    if result == "already_settled":  # another payment settled it a moment ago
        return TransferOutcome.ALREADY_PAID
    if result == "refund_due":
        return TransferOutcome.REFUND_DUE
    if transfer.amount_vnd > order.amount_vnd:
        return TransferOutcome.OVERPAID
    return TransferOutcome.FULFILLED


def mark_paid(order: Order, staff, *, bank_transaction_id: str, amount_vnd: int | None,
              note: str = "") -> BankTransfer:
    """Staff record a transfer they found for this order; it goes the same way as a notice."""
    transfer = record_transfer(
        Credit(bank_transaction_id, amount_vnd or order.amount_vnd,
               note or (order.reference or "")),
        source="manual", order=order, recorded_by=staff)
    if transfer is None:
        raise DomainError(_l("This bank transaction was already recorded."),
                          code="duplicate_transaction")
    return transfer


def resolve(transfer: BankTransfer, staff, action: str, *, note: str = "",
            order: Order | None = None) -> str:
    """Staff settle a queued transfer: fulfil its order anyway, or note a refund."""
    if not transfer.needs_review:
        raise DomainError(_l("This transfer needs nothing more."), code="already_resolved")
    if action not in RESOLUTIONS:
        raise DomainError(_l("Choose what to do with this transfer."), code="bad_action")
    if action in ("refund", "note") and not note.strip():
        raise DomainError(_l("Write a note saying what was done."), code="note_required")
    if action == "fulfil":
        order = transfer.order or order
        if order is None:
            raise DomainError(_l("Give the order this transfer paid for."), code="no_order")
        if order.status != OrderStatus.PENDING:
            raise DomainError(_l("That order is already settled."), code="already_settled")
        result = fulfil_order(order, paid_vnd=transfer.amount_vnd,
                              bank_transaction_id=transfer.bank_transaction_id)
        if result == "already_settled":
            raise DomainError(_l("That order is already settled."), code="already_settled")
        transfer.order_id = order.id  # after fulfilment, as in record_transfer
        action = "fulfilled" if result == "fulfilled" else result
    transfer.resolution = {"refund": "refund", "note": "noted"}.get(action, action)
    transfer.note = note.strip()[:500] or transfer.note
    transfer.needs_review = False
    transfer.resolved_at = utcnow()
    transfer.resolved_by_id = staff.id
    db.session.flush()
    return transfer.resolution


def review_queue(include_resolved: bool = False, limit: int = 200) -> list[BankTransfer]:
    stmt = select(BankTransfer).options(joinedload(BankTransfer.order))
    if not include_resolved:
        stmt = stmt.where(BankTransfer.needs_review.is_(True))
    return list(db.session.scalars(
        stmt.order_by(BankTransfer.received_at.desc(), BankTransfer.id.desc()).limit(limit)))


def order_transfers(order_id: int) -> list[BankTransfer]:
    return list(db.session.scalars(select(BankTransfer).where(BankTransfer.order_id == order_id)
                                   .order_by(BankTransfer.id)))


# --- the signed notice a bank-notification service POSTs ---------------------------------

class BadNotice(Exception):
    """A notice refused before anything was recorded: unsigned, stale or malformed."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def verify_notice(body: bytes, timestamp: str | None, signature: str | None, secret: str, *,
                  tolerance: int, now: float) -> None:
    """HMAC-SHA256 over "<timestamp>.<raw body>"; a notice older (or newer) than `tolerance`
    seconds is refused, so a captured request cannot be replayed later."""
    if not timestamp or not signature:
        raise BadNotice("missing signature headers")
    try:
        sent = int(timestamp)
    except ValueError:
        raise BadNotice("bad timestamp") from None
    if abs(now - sent) > tolerance:
        raise BadNotice("timestamp outside the tolerance")
    given = signature.strip().removeprefix("sha256=").lower()
    if not hmac.compare_digest(given, sign(secret, timestamp, body)):
        raise BadNotice("signature mismatch")


def parse_notice(body: bytes, account_number: str) -> Credit | None:
    """The credit a notice announces; None for a debit (money leaving the account) or for
    another account of the same owner that the service also watches."""
    try:
        data = json.loads(body)
    except ValueError:
        raise BadNotice("body is not JSON") from None
    if not isinstance(data, dict):
        raise BadNotice("body is not an object")
    if str(data.get("type") or "credit").lower() in ("debit", "out"):
        return None
    if data.get("account_number") and str(data["account_number"]).strip() != account_number:
        return None
    amount = data.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, (int, str)):
        raise BadNotice("amount missing")
    try:
        amount = int(str(amount).strip())
    except ValueError:
        raise BadNotice("amount is not a whole number of dong") from None
    tx_id = clean_transaction_id(data.get("transaction_id"))
    if not tx_id or amount <= 0:
        raise BadNotice("transaction_id and a positive amount are required")
    occurred = None
    if data.get("occurred_at"):
        try:
            occurred = datetime.fromisoformat(str(data["occurred_at"]))
        except ValueError:
            raise BadNotice("occurred_at is not ISO 8601") from None
        if occurred.tzinfo is None:  # Vietnamese banks report local time
            occurred = occurred.replace(tzinfo=_vn())
        occurred = occurred.astimezone(timezone.utc)
    return Credit(tx_id, amount, str(data.get("description") or "")[:500], occurred)


def _vn():
    from zoneinfo import ZoneInfo
    return ZoneInfo("Asia/Ho_Chi_Minh")
