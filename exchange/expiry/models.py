"""Reminders sent before a listing expires (or a request stops taking proposals)."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class ExpiryReminder(db.Model):
    """One reminder of one date of one listing; its row is what keeps a re-run of `tick`
    from sending it again. A renewal moves the date, so the next cycle has rows of its own."""

    __tablename__ = "expiry_reminders"
    __table_args__ = (
        UniqueConstraint("listing_id", "subject", "stage", "due_at",
                         name="uq_expiry_reminders_listing_subject_stage_due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    subject: Mapped[str] = mapped_column(String(10))  # "expiry" | "closing" (proposals)
    stage: Mapped[int] = mapped_column()  # days before the date: 14 or 2
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the date reminded of
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
