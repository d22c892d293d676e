"""What owners and admins read about orders: lists, receipts and monthly totals."""
from collections import defaultdict
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.payments.models import Order, OrderStatus

# money taken: a refund due is still money received until it is refunded
RECEIVED = (OrderStatus.PAID, OrderStatus.REFUND_DUE)


def _with_listing():
    return (joinedload(Order.listing).joinedload(Listing.approved_revision),
            joinedload(Order.member))


def business_orders(business_id: int, limit: int | None = None) -> list[Order]:
    stmt = (select(Order).where(Order.business_id == business_id)
            .options(*_with_listing()).order_by(Order.created_at.desc(), Order.id.desc()))
    if limit:
        stmt = stmt.limit(limit)
    return list(db.session.scalars(stmt).unique())


def listing_orders(listing_id: int, statuses=None) -> list[Order]:
    stmt = select(Order).where(Order.listing_id == listing_id)
    if statuses:
        stmt = stmt.where(Order.status.in_(list(statuses)))
    return list(db.session.scalars(stmt.order_by(Order.id.desc())))


def all_orders(page: int = 1, per_page: int = 50, status: str | None = None):
    stmt = select(Order)
    if status:
        stmt = stmt.where(Order.status == status)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.scalars(
        stmt.options(*_with_listing(), joinedload(Order.business))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return list(rows), total


def monthly_totals() -> list[dict]:
    """Money received per calendar month in the exchange's time zone, newest first."""
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "UTC")
    rows = db.session.execute(
        select(Order.paid_at, Order.amount_vnd, Order.status)
        .where(Order.status.in_(RECEIVED), Order.paid_at.is_not(None))
    ).all()
    months: dict[str, dict] = defaultdict(
        lambda: {"orders": 0, "amount_vnd": 0, "refund_due_vnd": 0})
    for paid_at, amount, status in rows:
        month = months[paid_at.astimezone(zone).strftime("%Y-%m")]
        month["orders"] += 1
        month["amount_vnd"] += amount
        if status == OrderStatus.REFUND_DUE:
            month["refund_due_vnd"] += amount
    return [{"month": key, **value} for key, value in sorted(months.items(), reverse=True)]
