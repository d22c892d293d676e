"""Plans on sale, orders for featuring a listing, and the Stripe events already processed."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow

# Stripe treats VND as a zero-decimal currency: unit_amount is the amount in dong
CURRENCY = "vnd"


class OrderStatus(StrEnum):
    PENDING = "pending"          # checkout opened, no verified payment yet
    PAID = "paid"                # paid and the feature was granted
    CANCELLED = "cancelled"      # checkout failed to open, expired or its payment failed
    REFUND_DUE = "refund_due"    # paid, but the listing was no longer public: kept for refund


class Plan(db.Model):
    """A featuring offer (e.g. 7 days for 200 000 ₫); admins edit it, orders copy it."""

    __tablename__ = "payment_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(30), unique=True)
    days: Mapped[int] = mapped_column()
    price_vnd: Mapped[int] = mapped_column(BigInteger)
    active: Mapped[bool] = mapped_column(default=True)
    label_vi: Mapped[str] = mapped_column(String(100))
    label_en: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def label(self, locale: str = "vi") -> str:
        return self.label_en if str(locale).startswith("en") else self.label_vi

    def __repr__(self):
        return f"<Plan {self.code} {self.days}d {self.price_vnd}>"


class Order(db.Model):
    """One attempt to pay for featuring a listing; the plan's terms are copied onto it."""

    __tablename__ = "payment_orders"
    __table_args__ = (
        Index("ix_payment_orders_status_feature_until", "status", "feature_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("payment_plans.id"))
    plan_code: Mapped[str] = mapped_column(String(30))
    days: Mapped[int] = mapped_column()
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default=CURRENCY)
    status: Mapped[OrderStatus] = mapped_column(String(20), default=OrderStatus.PENDING)
    stripe_session_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(String(255))
    failure: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feature_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    feature_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # set once the end of this order's feature has been sent to the index
    feature_ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    listing = relationship("Listing")
    business = relationship("Business")
    member = relationship("Member")
    plan = relationship(Plan)

    @property
    def is_settled(self) -> bool:
        return self.status != OrderStatus.PENDING

    def __repr__(self):
        return f"<Order {self.id} listing={self.listing_id} {self.status}>"


class ProcessedEvent(db.Model):
    """A Stripe event id already acted on; its unique key makes redelivery a no-op."""

    __tablename__ = "payment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), unique=True)
    type: Mapped[str] = mapped_column(String(80))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
