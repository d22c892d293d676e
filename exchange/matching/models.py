"""Matches between offers and requests, their outbox and notices; saved searches and alerts."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class MatchJobState(StrEnum):
    PENDING = "pending"
    DONE = "done"


class MatchJob(db.Model):
    """A listing whose counterparts must be (re)computed; written with the change itself."""

    __tablename__ = "match_jobs"
    __table_args__ = (Index("ix_match_jobs_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    reason: Mapped[str] = mapped_column(String(40), default="")
    state: Mapped[MatchJobState] = mapped_column(String(20), default=MatchJobState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # set while a drain works on the job (exchange/matching/services.py claim_match_jobs)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Match(db.Model):
    """One offer and one request that answer each other, with the score that kept them."""

    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("offer_id", "request_id", name="uq_matches_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), index=True)
    score: Mapped[float] = mapped_column(Float)
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    offer = relationship("Listing", foreign_keys=[offer_id])
    request = relationship("Listing", foreign_keys=[request_id])

    def counterpart_id(self, listing_id: int) -> int:
        return self.request_id if listing_id == self.offer_id else self.offer_id


class MatchNotice(db.Model):
    """That a member is (or was) told about a pair; keyed by the pair so it is told once,
    even if the match is dropped and found again later."""

    __tablename__ = "match_notices"
    __table_args__ = (
        UniqueConstraint("offer_id", "request_id", "member_id", name="uq_match_notices_pair"),
        Index("ix_match_notices_member_id_sent_at", "member_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    request_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    # the member's own listing of the pair
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # set when the notice went into a mail (or was dropped: mail off, match gone)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_mails.id"))


class NoticeBacklog(db.Model):
    """How many notices a member has not been sent yet, and when a daily digest may go next;
    kept in the same transactions as the notices' inserts and sends. A drain finds the
    members to mail here: after a bulk match millions of notices wait, and asking them
    which members they are for outlasts a web request's budget."""

    __tablename__ = "match_notice_backlogs"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    unsent: Mapped[int] = mapped_column(default=0)
    # when the last digest mail went, plus the digest interval (daily members wait for it)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SavedSearch(db.Model):
    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("member_id", "query", name="uq_saved_searches_query"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # the /search query string, validated and written back in one canonical order
    query: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # listings published after this moment are news for this search
    last_alerted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member = relationship("Member")


class AlertSent(db.Model):
    """A listing already announced for a saved search: each is announced once."""

    __tablename__ = "alerts_sent"
    __table_args__ = (
        UniqueConstraint("saved_search_id", "listing_id", name="uq_alerts_sent_pair"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="CASCADE"))
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"))
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbox_mails.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record_match_job(listing_id: int, reason: str = "") -> MatchJob:
    """Record, in the current transaction, that a listing's matches must be recomputed."""
    job = MatchJob(listing_id=listing_id, reason=reason)
    db.session.add(job)
    db.session.info["drain"] = True
    return job
