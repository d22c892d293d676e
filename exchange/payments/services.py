"""Featuring orders: place them with a provider, fulfil verified payments once, end features."""
from datetime import timedelta

import stripe
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from exchange.core.urls import site_url
from exchange.errors import DomainError, NotAllowed
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.mail import queue_mail
from exchange.payments.models import (CURRENCY, Order, OrderStatus, Plan, ProcessedEvent,
                                      Provider, Receipt)
from exchange.payments.permissions import can_feature, payments_enabled, provider_enabled
from exchange.payments.plans import plan_for_sale
from exchange.payments.vietqr import new_reference
from exchange.search.models import record_index_job
from exchange.timeutil import utcnow

FULFILLING = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
CANCELLING = frozenset({"checkout.session.expired", "checkout.session.async_payment_failed"})
# "no_payment_required" would only come from a 100% discount, which we never create
PAID_STATUSES = frozenset({"paid", "no_payment_required"})


class PaymentUnavailable(DomainError):
    """Stripe could not open a checkout; the order is kept, cancelled, for the record."""

    status_code = 502

    def __init__(self, message, order):
        super().__init__(message, code="payment_unavailable")
        self.order = order


def stripe_client() -> stripe.StripeClient:
    """A client for this call only, so no key or address is ever set globally."""
    cfg = current_app.config
    base = cfg.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        cfg["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        max_network_retries=cfg["STRIPE_MAX_NETWORK_RETRIES"],
        http_client=stripe.RequestsClient(timeout=cfg["STRIPE_TIMEOUT"]),
    )


def place_order(listing: Listing, member, plan: Plan | str, provider: str, *,
                locale: str = "vi") -> tuple[Order, str | None]:
    """Record a pending order with the chosen provider -> (order, where Stripe takes the
    payer, or None for a bank transfer, whose order page shows how to pay)."""
    if provider == Provider.VIETQR:
        return create_transfer_order(listing, member, plan), None
    return create_checkout(listing, member, plan, locale=locale)


def _new_order(listing: Listing, member, plan: Plan | str, provider: Provider, **fields):
    # can_feature decides, as for the listing page's button; the checks before it name why
    if not payments_enabled() or not provider_enabled(provider):
        raise NotAllowed(_l("Featuring is not available."), code="payments_disabled")
    if not listing.is_public:
        raise DomainError(_l("Only a published listing can be featured."), code="not_public")
    if not can_feature(member, listing):
        raise NotAllowed(_l("Only the business that posted this listing can feature it."))
    if isinstance(plan, str):
        plan = plan_for_sale(plan)
    order = Order(
        listing_id=listing.id, business_id=listing.business_id, member_id=member.id,
        plan_id=plan.id, plan_code=plan.code, days=plan.days, amount_vnd=plan.price_vnd,
        currency=CURRENCY, status=OrderStatus.PENDING, provider=provider, **fields,
    )
    db.session.add(order)
    db.session.flush()
    return order, plan


def create_transfer_order(listing: Listing, member, plan: Plan | str) -> Order:
    """A pending order paid by bank transfer: a fresh reference, open for VIETQR_ORDER_HOURS."""
    hours = current_app.config["VIETQR_ORDER_HOURS"]
    for _attempt in range(5):  # 36^7 references: a clash is rare, and retried
        try:
            with db.session.begin_nested():
                order, _plan = _new_order(listing, member, plan, Provider.VIETQR,
                                          reference=new_reference(),
                                          expires_at=utcnow() + timedelta(hours=hours))
            return order
        except IntegrityError:
            continue
    raise DomainError(_l("Please try again."), code="reference_clash")


def create_checkout(listing: Listing, member, plan: Plan | str, *, locale: str = "vi"):
    """Record a pending order, then open a Checkout Session for it -> (order, session url)."""
    order, plan = _new_order(listing, member, plan, Provider.STRIPE)

    reference = {"order_id": str(order.id), "listing_id": str(listing.id), "plan": plan.code}
    title = listing.approved_revision.title
    params = {
        "mode": "payment",
        "line_items": [{
            "quantity": 1,
            "price_data": {
                "currency": CURRENCY,
                "unit_amount": order.amount_vnd,
                "product_data": {"name": plan.label(locale), "description": title[:250]},
            },
        }],
        "metadata": reference,
        "payment_intent_data": {"metadata": reference},
        "client_reference_id": str(order.id),
        "customer_email": member.email,
        "locale": "en" if locale.startswith("en") else "vi",
        "success_url": site_url("payments.success", order=order.id),
        "cancel_url": site_url("payments.cancel", order=order.id),
    }
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"order-{order.id}"})
    except stripe.StripeError as exc:
        current_app.logger.warning("stripe refused checkout for order %s: %s", order.id, exc)
        order.status = OrderStatus.CANCELLED
        order.cancelled_at = utcnow()
        order.failure = (getattr(exc, "user_message", None) or str(exc) or "stripe error")[:300]
        db.session.flush()
        raise PaymentUnavailable(
            _l("The payment service is not reachable right now. You have not been charged; "
               "please try again in a few minutes."), order) from exc
    order.stripe_session_id = session.id
    db.session.flush()
    return order, session.url


def handle_event(event) -> str:
    """Act on one verified Stripe event, at most once per event and per order.

    Returns what happened (also stored on the ProcessedEvent row), for the log and the tests.
    """
    data = event.to_dict() if hasattr(event, "to_dict") else dict(event)
    kind, event_id = data.get("type"), data.get("id")
    if kind not in FULFILLING | CANCELLING:
        return "ignored"
    session = (data.get("data") or {}).get("object") or {}
    order = _order_for(session)
    if order is None:
        current_app.logger.warning(
            "stripe event %s (%s) names no known order: session=%s metadata=%r",
            event_id, kind, session.get("id"), session.get("metadata"))
        return "unknown_order"

    try:
        with db.session.begin_nested():
            processed = ProcessedEvent(event_id=event_id, type=kind, order_id=order.id,
                                       outcome="received")
            db.session.add(processed)
    except IntegrityError:
        return "duplicate"

    if kind in CANCELLING:
        outcome = _cancel(order, "expired" if kind.endswith("expired") else "payment failed")
    elif session.get("payment_status") not in PAID_STATUSES:
        outcome = "awaiting_payment"  # a delayed method; async_payment_succeeded follows
    elif (session.get("amount_total") != order.amount_vnd
          or str(session.get("currency", "")).lower() != order.currency):
        current_app.logger.error(
            "stripe event %s: order %s expects %s %s, session says %s %s", event_id, order.id,
            order.amount_vnd, order.currency, session.get("amount_total"), session.get("currency"))
        outcome = "amount_mismatch"
    else:
        outcome = fulfil_order(order, paid_vnd=session.get("amount_total"),
                               stripe_payment_intent_id=_text(session.get("payment_intent")))
    processed.outcome = outcome
    db.session.flush()
    current_app.logger.info("stripe event %s (%s) for order %s: %s", event_id, kind, order.id,
                            outcome)
    return outcome


def _order_for(session: dict) -> Order | None:
    raw = (session.get("metadata") or {}).get("order_id") or session.get("client_reference_id")
    try:
        order = db.session.get(Order, int(raw))
    except (TypeError, ValueError):
        return None
    if order is None:
        return None
    if order.stripe_session_id and session.get("id") != order.stripe_session_id:
        return None  # metadata naming an order that was paid through another session
    return order


def fulfil_order(order: Order, *, paid_vnd: int | None, stripe_payment_intent_id=None,
                 bank_transaction_id: str | None = None) -> str:
    """Mark a pending order paid and feature its listing, once, whichever provider was paid.

    Returns "fulfilled", "refund_due" (the listing is no longer public) or
    "already_settled" when another payment settled the order first."""
    # lock the listing first so two orders paid together both extend the feature
    listing = db.session.scalar(
        select(Listing).where(Listing.id == order.listing_id)
        .with_for_update(of=Listing).execution_options(populate_existing=True))
    now = utcnow()
    values = {"paid_at": now, "amount_paid_vnd": paid_vnd}
    if stripe_payment_intent_id:
        values["stripe_payment_intent_id"] = stripe_payment_intent_id
    if bank_transaction_id:
        values["bank_transaction_id"] = bank_transaction_id
    if listing.is_public:
        start = max(now, listing.featured_until or now)
        until = start + timedelta(days=order.days)
        values.update(status=OrderStatus.PAID, feature_from=start, feature_until=until)
    else:
        values.update(status=OrderStatus.REFUND_DUE,
                      failure="listing was not public when the payment arrived")
    won = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == OrderStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.expire(order)
    if not won:
        return "already_settled"
    # the receipt is for the featuring sold; money beyond the price is refunded apart
    price = order.amount_vnd
    db.session.add(Receipt(order_id=order.id, issued_at=now,
                           amount_vnd=price if paid_vnd is None else min(paid_vnd, price),
                           vat_percent=current_app.config.get("RECEIPT_VAT_PERCENT")))
    if values["status"] == OrderStatus.REFUND_DUE:
        _notify(order, "payment_refund_due",
                _l("Your payment was received but the listing could not be featured"))
        return "refund_due"
    listing.featured_until = until
    record_index_job(listing.id, "featured")
    _notify(order, "payment_receipt", _l("Receipt: your listing is featured"))
    return "fulfilled"


def _cancel(order: Order, why: str) -> str:
    done = db.session.execute(
        update(Order)
        .where(Order.id == order.id, Order.status == OrderStatus.PENDING)
        .values(status=OrderStatus.CANCELLED, cancelled_at=utcnow(), failure=why)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.expire(order)
    return "cancelled" if done else "already_settled"


def _text(value) -> str | None:
    if isinstance(value, dict):
        value = value.get("id")
    return str(value)[:255] if value else None


def _notify(order: Order, template: str, subject) -> None:
    member = order.member
    if member is None or not member.email:
        return
    queue_mail(member.email, subject, template, dedupe_key=f"{template}-{order.id}",
               locale=getattr(member, "locale", None) or "vi", order=order, member=member,
               title=order.listing.approved_revision.title if order.listing.approved_revision
               else "", receipt_url=site_url("payments.receipt", order_id=order.id))


def expire_features(now=None) -> int:
    """Send listings whose paid feature ended to the index again; returns how many."""
    now = now or utcnow()
    ended = db.session.scalars(
        select(Order).where(
            Order.status == OrderStatus.PAID,
            Order.feature_until <= now,
            Order.feature_ended_at.is_(None),
        )
    ).all()
    listing_ids = set()
    for order in ended:
        order.feature_ended_at = now
        listing_ids.add(order.listing_id)
    for listing_id in sorted(listing_ids):
        record_index_job(listing_id, "featuring_ended")
    db.session.flush()
    return len(listing_ids)
