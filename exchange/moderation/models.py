"""Review queue items and the audit log."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


class AuditEntry(db.Model):
    """An immutable record of a moderation or lifecycle event."""

    __tablename__ = "audit_entries"
    # the statistics read a listing's status events (approved, withdrawn, …) before a date
    __table_args__ = (Index("ix_audit_entries_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), index=True)
    action: Mapped[str] = mapped_column(String(40))
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"), index=True)
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"), index=True)
    queue_item_id: Mapped[int | None] = mapped_column(ForeignKey("queue_items.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    actor = relationship("Member")


def record_audit(action, *, actor_id=None, listing_id=None, business_id=None,
                 queue_item_id=None, reason=None, **details) -> AuditEntry:
    entry = AuditEntry(
        action=action, actor_id=actor_id, listing_id=listing_id, business_id=business_id,
        queue_item_id=queue_item_id, reason=reason, details=details,
    )
    db.session.add(entry)
    return entry
