"""Proposals on requests (with files and a thread), request closures, and recorded deals."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.core.panelstate import GLOBAL, track_for_panels
from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class ProposalState(StrEnum):
    ACTIVE = "active"
    AWARDED = "awarded"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class PriceKind(StrEnum):
    AMOUNT = "amount"
    RANGE = "range"
    NEGOTIABLE = "negotiable"


class DeclineReason(StrEnum):
    PRICE = "price"
    LEAD_TIME = "lead_time"
    NOT_SUITABLE = "not_suitable"
    OTHER_CHOSEN = "other_chosen"
    OTHER = "other"


class ClosureOutcome(StrEnum):
    AWARDED = "awarded"
    NO_AWARD = "no_award"
    EXPIRED = "expired"


class Proposal(db.Model):
    """A business's structured answer to a request; private to both sides and staff."""

    __tablename__ = "proposals"
    # one proposal per business per request: a withdrawn one is revised, never duplicated
    __table_args__ = (
        UniqueConstraint("request_id", "business_id", name="uq_proposals_request_business"),
        Index("ix_proposals_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    state: Mapped[ProposalState] = mapped_column(String(20), default=ProposalState.ACTIVE)
    solution: Mapped[str] = mapped_column(Text)
    offer_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"))
    price_kind: Mapped[PriceKind] = mapped_column(String(20))
    price_vnd: Mapped[int | None] = mapped_column(BigInteger)  # the amount, or the range's low end
    price_max_vnd: Mapped[int | None] = mapped_column(BigInteger)
    lead_time_days: Mapped[int | None] = mapped_column()
    transfer_mode: Mapped[str] = mapped_column(String(30))
    valid_until: Mapped[date] = mapped_column(Date)
    message: Mapped[str] = mapped_column(Text, default="")
    is_shortlisted: Mapped[bool] = mapped_column(default=False)
    decline_reason: Mapped[str | None] = mapped_column(String(20))
    decline_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request = relationship("Listing", foreign_keys=[request_id])
    offer = relationship("Listing", foreign_keys=[offer_id])
    business = relationship("Business", foreign_keys=[business_id])
    author = relationship("Member", foreign_keys=[author_id])
    files: Mapped[list["ProposalFile"]] = relationship(
        back_populates="proposal", order_by="ProposalFile.position",
        cascade="all, delete-orphan")
    messages: Mapped[list["ProposalMessage"]] = relationship(
        back_populates="proposal", order_by="ProposalMessage.id", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        return self.state == ProposalState.ACTIVE

    @property
    def sort_price(self) -> int | None:
        return self.price_vnd if self.price_kind != PriceKind.NEGOTIABLE else None

    def __repr__(self):
        return f"<Proposal {self.id} request={self.request_id} {self.state}>"


class ProposalFile(db.Model):
    """A PDF attached to a proposal, verified and stored like a listing's attachments."""

    __tablename__ = "proposal_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("stored_files.sha256"))
    filename: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)

    proposal: Mapped[Proposal] = relationship(back_populates="files")
    stored = relationship("StoredFile", lazy="joined")


class ProposalMessage(db.Model):
    """A question or an answer in a proposal's thread; plain text, escaped when shown."""

    __tablename__ = "proposal_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    author_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    proposal: Mapped[Proposal] = relationship(back_populates="messages")
    author = relationship("Member")


class RequestClosure(db.Model):
    """A request that takes no more proposals, and why; written once per request."""

    __tablename__ = "request_closures"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), primary_key=True)
    outcome: Mapped[ClosureOutcome] = mapped_column(String(20))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


class DealKind(StrEnum):
    SALE = "sale"
    LICENCE = "licence"
    JOINT_VENTURE = "joint_venture"
    TECHNICAL_ASSISTANCE = "technical_assistance"
    TURNKEY = "turnkey"
    OTHER = "other"


class DealState(StrEnum):
    PENDING = "pending"      # recorded by one party, waiting for the other
    CONFIRMED = "confirmed"  # both parties agree (or staff recorded it): it counts
    DISPUTED = "disputed"    # the other party says it did not happen like this


class DealSource(StrEnum):
    INQUIRY = "inquiry"
    PROPOSAL = "proposal"
    OFFLINE = "offline"      # reported to the staff, e.g. at a technology fair


class Deal(db.Model):
    """A concluded deal between two businesses; only confirmed deals count anywhere."""

    __tablename__ = "deals"
    __table_args__ = (Index("ix_deals_state_concluded_on", "state", "concluded_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[DealKind] = mapped_column(String(30))
    value_vnd: Mapped[int | None] = mapped_column(BigInteger)  # None: undisclosed
    concluded_on: Mapped[date] = mapped_column(Date)
    state: Mapped[DealState] = mapped_column(String(20), default=DealState.PENDING)
    source: Mapped[DealSource] = mapped_column(String(20))
    offline_source: Mapped[str] = mapped_column(String(300), default="")
    recorder_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    counterpart_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("inquiry_threads.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), index=True)
    # a one-line public story, shown on the listings only when both parties agree
    story: Mapped[str] = mapped_column(String(200), default="")
    story_agreed_by_recorder: Mapped[bool] = mapped_column(default=False)
    story_agreed_by_counterpart: Mapped[bool] = mapped_column(default=False)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispute_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    recorder_business = relationship("Business", foreign_keys=[recorder_business_id])
    counterpart_business = relationship("Business", foreign_keys=[counterpart_business_id])
    recorded_by = relationship("Member", foreign_keys=[recorded_by_id])
    thread = relationship("Thread")
    proposal = relationship("Proposal")
    listings = relationship("Listing", secondary="deal_listings", order_by="Listing.id")

    @property
    def is_confirmed(self) -> bool:
        return self.state == DealState.CONFIRMED

    @property
    def story_is_public(self) -> bool:
        return (self.is_confirmed and bool(self.story) and self.story_agreed_by_recorder
                and self.story_agreed_by_counterpart)

    def involves(self, business_id) -> bool:
        return business_id is not None and business_id in (
            self.recorder_business_id, self.counterpart_business_id)


class DealListing(db.Model):
    """A listing a deal concerns."""

    __tablename__ = "deal_listings"

    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), primary_key=True,
                                            index=True)


# a request's proposal count and whether it is open are shown to every member
track_for_panels(Proposal, lambda proposal: (GLOBAL,))
track_for_panels(RequestClosure, lambda closure: (GLOBAL,))
