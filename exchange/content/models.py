"""Articles and events written by the department's editors, and event registrations."""
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow


class State(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"   # public from `publish_at` on, without anything flipping it
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ArticleCategory(StrEnum):
    NEWS = "news"
    POLICY = "policy"
    GUIDE = "guide"
    SUCCESS_STORY = "success_story"


class EventKind(StrEnum):
    TECHMART = "techmart"
    WORKSHOP = "workshop"
    TRAINING = "training"


class _Publishable:
    """What articles and events share: the two language versions and the publishing state."""

    state: Mapped[State] = mapped_column(String(20), default=State.DRAFT)
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title_vi: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # what the index was last told (see content/indexing.py): a scheduled item whose time
    # has come is sent by `flask exchange tick`, not flipped by it
    indexed_public: Mapped[bool] = mapped_column(default=False)

    @classmethod
    def public_clause(cls, now: datetime):
        """Public now: published or scheduled, and its time has come (compared in SQL)."""
        return and_(cls.state.in_((State.PUBLISHED, State.SCHEDULED)),
                    cls.publish_at.is_not(None), cls.publish_at <= now)

    def is_public(self, now: datetime | None = None) -> bool:
        now = now or utcnow()
        return (self.state in (State.PUBLISHED, State.SCHEDULED)
                and self.publish_at is not None and self.publish_at <= now)

    def shown_state(self, now: datetime | None = None) -> State:
        """A scheduled item whose time has passed reads as published."""
        if self.state == State.SCHEDULED and self.is_public(now):
            return State.PUBLISHED
        return State(self.state)

    def has_english(self) -> bool:
        return bool(self.title_en)

    def localized(self, name: str, locale: str) -> str:
        """The English text where the editor wrote the English version, else Vietnamese."""
        if locale == "en" and self.has_english():
            return getattr(self, f"{name}_en") or ""
        return getattr(self, f"{name}_vi") or ""


class Article(_Publishable, db.Model):
    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_state_publish_at", "state", "publish_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[ArticleCategory] = mapped_column(String(20), default=ArticleCategory.NEWS,
                                                      index=True)
    lead_vi: Mapped[str] = mapped_column(Text, default="")
    lead_en: Mapped[str] = mapped_column(Text, default="")
    body_vi: Mapped[str] = mapped_column(Text, default="")
    body_en: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(String(300), default="")  # comma-separated
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))
    author_name: Mapped[str] = mapped_column(String(120), default="")
    cover_sha256: Mapped[str | None] = mapped_column(ForeignKey("stored_files.sha256"))
    # imported news: the feed's guid (or the CSV's id) makes a re-run create nothing
    external_id: Mapped[str | None] = mapped_column(String(500), unique=True)
    source_image_url: Mapped[str] = mapped_column(String(1000), default="")

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class Event(_Publishable, db.Model):
    __tablename__ = "events"
    __table_args__ = (Index("ix_events_state_publish_at", "state", "publish_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(String(20), default=EventKind.WORKSHOP)
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    organiser: Mapped[str] = mapped_column(String(200), default="")
    registration_url: Mapped[str] = mapped_column(String(500), default="")
    # a capacity opens the registration form on the event page; None: no form
    capacity: Mapped[int | None] = mapped_column()
    # raised only by a conditional UPDATE (see content/registrations.py), never read-then-written
    registered_count: Mapped[int] = mapped_column(default=0)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))

    shown_listings: Mapped[list["EventListing"]] = relationship(
        order_by="EventListing.position", cascade="all, delete-orphan")

    @property
    def has_form(self) -> bool:
        return self.capacity is not None

    @property
    def places_left(self) -> int:
        return max(0, (self.capacity or 0) - self.registered_count)


class EventListing(db.Model):
    """A listing shown at an event (only public ones are displayed)."""

    __tablename__ = "event_listings"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), primary_key=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), primary_key=True)
    position: Mapped[int] = mapped_column(default=0)


class EventRegistration(db.Model):
    __tablename__ = "event_registrations"
    __table_args__ = (UniqueConstraint("event_id", "email",
                                       name="uq_event_registrations_event_id_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
