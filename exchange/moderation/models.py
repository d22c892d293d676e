"""Review queue items (the audit log they are recorded in lives in exchange.core.audit)."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.core.audit import AuditEntry, record_audit  # noqa: F401  (re-exported: moderation reads the log)
from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class ItemKind(StrEnum):
    LISTING = "listing"      # a new listing's first revision
    REVISION = "revision"    # an edit of a published listing
    BUSINESS = "business"    # a new business awaiting verification
    REPORT = "report"        # a member's report of spam or abuse


class ItemState(StrEnum):
    WAITING = "waiting"
    DECIDED = "decided"
    CANCELLED = "cancelled"  # its subject went away (withdrawn) before a decision


class Decision(StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"


class QueueItem(db.Model):
    __tablename__ = "queue_items"
    __table_args__ = (Index("ix_queue_items_state_submitted_at", "state", "submitted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ItemKind] = mapped_column(String(20))
    state: Mapped[ItemState] = mapped_column(String(20), default=ItemState.WAITING)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("listing_revisions.id"))
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"), index=True)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    listing = relationship("Listing", foreign_keys=[listing_id])
    revision = relationship("Revision", foreign_keys=[revision_id])
    business = relationship("Business", foreign_keys=[business_id])
    claimed_by = relationship("Member", foreign_keys=[claimed_by_id])
    decided_by = relationship("Member", foreign_keys=[decided_by_id])

    def is_claimed_by_other(self, member_id, now) -> bool:
        return (
            self.claimed_by_id is not None
            and self.claimed_by_id != member_id
            and self.claim_expires_at is not None
            and self.claim_expires_at > now
        )
