"""Access requests for a listing's confidential parts, and accepted confidentiality agreements."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.core.panelstate import track_for_panels
from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class AccessState(StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    REFUSED = "refused"
    REVOKED = "revoked"


class AgreementAcceptance(db.Model):
    """Who accepted which agreement text (by its hash, the text kept), when, from where."""

    __tablename__ = "agreement_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    text_sha256: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    ip_address: Mapped[str] = mapped_column(String(45), default="")
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member = relationship("Member")
    business = relationship("Business")


class AccessRequest(db.Model):
    """A business asking for a listing's confidential parts; the owner decides."""

    __tablename__ = "access_requests"
    __table_args__ = (
        Index("ix_access_requests_listing_business", "listing_id", "business_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    statement: Mapped[str] = mapped_column(Text)
    acceptance_id: Mapped[int | None] = mapped_column(ForeignKey("agreement_acceptances.id"))
    state: Mapped[AccessState] = mapped_column(String(10), default=AccessState.PENDING)
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    listing = relationship("Listing")
    business = relationship("Business")
    member = relationship("Member", foreign_keys=[member_id])
    decided_by = relationship("Member", foreign_keys=[decided_by_id])
    acceptance = relationship(AgreementAcceptance)


# what a business asked for and was granted (the confidential-details card)
track_for_panels(AccessRequest, lambda request: (request.business_id,))
track_for_panels(AgreementAcceptance, lambda acceptance: (acceptance.business_id,))
