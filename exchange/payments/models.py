"""Plans, provider-neutral featuring orders, bank transfers received, receipts, Stripe events."""
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.core.panelstate import track_for_panels
from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow

# Stripe treats VND as a zero-decimal currency: unit_amount is the amount in dong
CURRENCY = "vnd"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class OrderStatus(StrEnum):
    PENDING = "pending"          # checkout opened, no verified payment yet
    PAID = "paid"                # paid and the feature was granted
    CANCELLED = "cancelled"      # checkout failed to open, expired or its payment failed
    REFUND_DUE = "refund_due"    # paid, but the listing was no longer public: kept for refund


class Provider(StrEnum):
    STRIPE = "stripe"            # card payment through Stripe Checkout
    VIETQR = "vietqr"            # interbank transfer (NAPAS 247) to the exchange's account


class TransferOutcome(StrEnum):
    """What a received bank transfer did; the ones in NEEDS_REVIEW wait in the staff queue."""

    FULFILLED = "fulfilled"              # matched an open order, paid it in full
    OVERPAID = "overpaid"                # fulfilled, but more than the price arrived
    UNDERPAID = "underpaid"              # less than the price: the order stays open
    LATE = "late"                        # the order had expired when the money arrived
    ALREADY_PAID = "already_paid"        # the order was settled by another payment
    REFUND_DUE = "refund_due"            # paid, but the listing was no longer public
    BAD_REFERENCE = "bad_reference"      # text carries a reference whose check fails
    UNKNOWN_REFERENCE = "unknown_reference"  # a well-formed reference naming no order
    UNRELATED = "unrelated"              # no reference at all: not a featuring payment


NEEDS_REVIEW = frozenset({TransferOutcome.OVERPAID, TransferOutcome.UNDERPAID,
                          TransferOutcome.LATE, TransferOutcome.ALREADY_PAID,
                          TransferOutcome.REFUND_DUE, TransferOutcome.BAD_REFERENCE,
                          TransferOutcome.UNKNOWN_REFERENCE})


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
    provider: Mapped[Provider] = mapped_column(String(20), default=Provider.STRIPE,
                                               server_default=text("'stripe'"))
    # the short text a bank transfer must carry (VietQR orders only), with a check character
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    # after this an unpaid transfer order no longer takes automatic payment
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the bank transaction that paid this order; unique so one transfer pays one order
    bank_transaction_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    amount_paid_vnd: Mapped[int | None] = mapped_column(BigInteger)
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

    receipt = relationship("Receipt", uselist=False, back_populates="order")

    @property
    def is_settled(self) -> bool:
        return self.status != OrderStatus.PENDING

    @property
    def is_expired(self) -> bool:
        return (self.status == OrderStatus.PENDING and self.expires_at is not None
                and self.expires_at <= utcnow())

    @property
    def is_overpaid(self) -> bool:
        return bool(self.amount_paid_vnd and self.amount_paid_vnd > self.amount_vnd)

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


class BankTransfer(db.Model):
    """A credit to the exchange's account, from a bank notice, a statement or staff.

    Its bank transaction id is unique: a notice delivered twice, or a statement repeating a
    notified transfer, finds the row already there and changes nothing."""

    __tablename__ = "payment_bank_transfers"
    __table_args__ = (
        Index("ix_payment_bank_transfers_needs_review", "needs_review", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bank_transaction_id: Mapped[str] = mapped_column(String(100), unique=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(20))  # webhook, statement or manual
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reference: Mapped[str | None] = mapped_column(String(20))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("payment_orders.id"), index=True)
    outcome: Mapped[TransferOutcome] = mapped_column(String(20))
    needs_review: Mapped[bool] = mapped_column(default=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    resolution: Mapped[str | None] = mapped_column(String(20))  # fulfilled, refund, noted
    note: Mapped[str | None] = mapped_column(String(500))

    order = relationship(Order)
    resolved_by = relationship("Member", foreign_keys=[resolved_by_id])

    def __repr__(self):
        return f"<BankTransfer {self.bank_transaction_id} {self.amount_vnd} {self.outcome}>"


class Receipt(db.Model):
    """The numbered receipt of a paid order; its id is the receipt number."""

    __tablename__ = "payment_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("payment_orders.id"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    vat_percent: Mapped[int | None] = mapped_column()

    order = relationship(Order, back_populates="receipt")

    @property
    def number(self) -> str:
        # the year as the business sees it: a receipt of 31 December 23:30 in Hà Nội is
        # of that year, though it is already 1 January nowhere but in UTC terms
        return f"BL{self.issued_at.astimezone(VIETNAM).year}-{self.id:06d}"


# the owner's feature button and refunds due
track_for_panels(Order, lambda order: (order.business_id,))
