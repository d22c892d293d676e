"""The audit log: an immutable record of what was done, by whom, to what.

Every layer writes it (the listing lifecycle, moderation, staff, imports), so it lives in
the kernel; moderation reads it most and re-exports it."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


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
