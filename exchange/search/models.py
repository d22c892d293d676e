"""Index jobs: the transactional outbox between the database and Meilisearch."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class JobState(StrEnum):
    PENDING = "pending"      # not yet accepted by Meilisearch
    ENQUEUED = "enqueued"    # Meilisearch accepted it as task `task_uid`
    DONE = "done"


class IndexJob(db.Model):
    __tablename__ = "index_jobs"
    __table_args__ = (Index("ix_index_jobs_state_next_attempt_at", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # a listing's job names the listing; any other document (news, events) its key in a
    # registered source, e.g. "content:article-12" (see outbox.register_source)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"), index=True)
    document_key: Mapped[str | None] = mapped_column(String(80), index=True)
    reason: Mapped[str] = mapped_column(String(40))
    state: Mapped[JobState] = mapped_column(String(20), default=JobState.PENDING)
    task_uid: Mapped[int | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def record_index_job(listing_id: int, reason: str) -> IndexJob:
    """Record, in the current transaction, that a listing's public state changed."""
    job = IndexJob(listing_id=listing_id, reason=reason)
    db.session.add(job)
    db.session.info["drain"] = True
    return job


def record_document_job(document_key: str, reason: str) -> IndexJob:
    """Record, in the current transaction, that a non-listing document's public state
    changed; `document_key` is "<source>:<id>"."""
    job = IndexJob(document_key=document_key, reason=reason)
    db.session.add(job)
    db.session.info["drain"] = True
    return job
