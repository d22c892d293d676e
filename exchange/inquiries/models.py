"""Inquiry threads, their messages, read markers, reports and mail settings."""
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (BigInteger, Date, ForeignKey, Index, String, Text, UniqueConstraint,
                        select)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.accounts.models import Member
from exchange.core.panelstate import track_for_panels
from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class ThreadState(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ReportReason(StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"


class Thread(db.Model):
    """A conversation about one listing (or, for a service request, one expert entry of the
    directory) between the inquiring business and the owner.

    The inquirer is the buyer for an offer and the seller for a request, so the sides are
    named by their role in the conversation rather than by who pays.
    """

    __tablename__ = "inquiry_threads"
    __table_args__ = (
        Index("ix_inquiry_threads_inquirer_listing", "inquirer_business_id", "listing_id",
              "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # exactly one of listing_id and expert_id names what the conversation is about
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"), index=True)
    expert_id: Mapped[int | None] = mapped_column(ForeignKey("experts.id"), index=True)
    # the title the inquirer saw; later revisions (maybe unapproved) must not leak through
    listing_title: Mapped[str] = mapped_column(String(200))
    inquirer_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    owner_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"), index=True)
    started_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    state: Mapped[ThreadState] = mapped_column(String(10), default=ThreadState.OPEN)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    archived_by_inquirer: Mapped[bool] = mapped_column(default=False)
    archived_by_owner: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # contact details of both sides are shown only once the owner has answered
    owner_replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    listing = relationship("Listing")
    expert = relationship("Expert")
    inquirer_business = relationship("Business", foreign_keys=[inquirer_business_id])
    owner_business = relationship("Business", foreign_keys=[owner_business_id])
    started_by = relationship("Member", foreign_keys=[started_by_id])
    closed_by = relationship("Member", foreign_keys=[closed_by_id])
    messages: Mapped[list["Message"]] = relationship(
        back_populates="thread", order_by="Message.id", cascade="all, delete-orphan"
    )

    @property
    def is_open(self) -> bool:
        return self.state == ThreadState.OPEN

    @property
    def contacts_revealed(self) -> bool:
        return self.owner_replied_at is not None

    def involves(self, business_id) -> bool:
        return business_id is not None and business_id in (
            self.inquirer_business_id, self.owner_business_id)

    def is_owner_side(self, business_id) -> bool:
        return business_id == self.owner_business_id

    def other_business(self, business_id):
        return self.inquirer_business if self.is_owner_side(business_id) else self.owner_business

    def is_archived_for(self, business_id) -> bool:
        if self.is_owner_side(business_id):
            return self.archived_by_owner
        return self.archived_by_inquirer

    def __repr__(self):
        return f"<Thread {self.id} listing={self.listing_id} {self.state}>"


class Message(db.Model):
    """One message in a thread; plain text, escaped wherever it is shown."""

    __tablename__ = "inquiry_messages"
    __table_args__ = (
        # a form posted twice (a double click, a resend after a timeout) carries the same
        # key: the second post finds the first message instead of making another
        UniqueConstraint("author_id", "idempotency_key",
                         name="uq_inquiry_messages_author_idempotency_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("inquiry_threads.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    # the side that wrote it, kept even if the member later leaves the business
    author_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # what the inquirer asks for; set on the first message only
    quantity: Mapped[int | None] = mapped_column()
    budget_vnd: Mapped[int | None] = mapped_column(BigInteger)
    delivery_date: Mapped[date | None] = mapped_column(Date)
    wants_site_visit: Mapped[bool] = mapped_column(default=False)
    wants_demo: Mapped[bool] = mapped_column(default=False)
    # generated when the form is rendered; None for messages sent without a form
    idempotency_key: Mapped[str | None] = mapped_column(String(64))

    thread: Mapped[Thread] = relationship(back_populates="messages")
    author = relationship("Member")

    @property
    def has_request_details(self) -> bool:
        return bool(self.quantity or self.budget_vnd or self.delivery_date
                    or self.wants_site_visit or self.wants_demo)


class ThreadRead(db.Model):
    """How far a member has read a thread; messages after it count as unread."""

    __tablename__ = "inquiry_thread_reads"
    __table_args__ = (UniqueConstraint("member_id", "thread_id",
                                       name="uq_inquiry_thread_reads_member_thread"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    thread_id: Mapped[int] = mapped_column(ForeignKey("inquiry_threads.id"), index=True)
    last_read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Report(db.Model):
    """A member's report of a thread or a listing as spam or abuse."""

    __tablename__ = "inquiry_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    reporter_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("inquiry_threads.id"), index=True)
    listing_id: Mapped[int | None] = mapped_column(ForeignKey("listings.id"), index=True)
    reported_business_id: Mapped[int] = mapped_column(ForeignKey("businesses.id"))
    reason: Mapped[ReportReason] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    queue_item_id: Mapped[int | None] = mapped_column(ForeignKey("queue_items.id"))

    reporter = relationship("Member")
    thread = relationship("Thread")
    queue_item = relationship("QueueItem")


class InquiryMailSetting(db.Model):
    """A member's choice about inquiry mail; no row means mail is sent."""

    __tablename__ = "inquiry_mail_settings"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    notify_by_email: Mapped[bool] = mapped_column(default=True)


def _sides(thread_id: int) -> tuple[int, int]:
    thread = db.session.get(Thread, thread_id)
    return thread.inquirer_business_id, thread.owner_business_id


def _reader_business(read: "ThreadRead") -> tuple[int | None]:
    return (db.session.scalar(select(Member.business_id).where(Member.id == read.member_id)),)


# what the inquiry panels show (the unread count, "already contacted") moves with these
track_for_panels(Thread, lambda thread: (thread.inquirer_business_id, thread.owner_business_id))
track_for_panels(Message, lambda message: _sides(message.thread_id))
track_for_panels(ThreadRead, _reader_business)
track_for_panels(Report, lambda report: (report.reporter_business_id,))
