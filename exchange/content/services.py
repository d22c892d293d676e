"""Writing, scheduling and archiving articles and events; the only writer of their state."""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.content.indexing import record_change
from exchange.content.models import Article, Event, EventListing, State
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.timeutil import utcnow

ARTICLE_FIELDS = ("category", "title_vi", "title_en", "lead_vi", "lead_en", "body_vi",
                  "body_en", "tags", "author_name")
EVENT_FIELDS = ("kind", "title_vi", "title_en", "description_vi", "description_en",
                "starts_at", "ends_at", "place", "online_url", "organiser",
                "registration_url", "capacity")


class ContentError(DomainError):
    """A refused change to an article or event."""


def _apply(item, fields, values: dict) -> None:
    for name in fields:
        if name in values:
            setattr(item, name, values[name])


def save_article(article: Article | None, values: dict, author_id: int,
                 cover_sha256: str | None = None) -> Article:
    """Create or update an article's text (its state is left as it is)."""
    if article is None:
        article = Article(author_id=author_id, state=State.DRAFT, indexed_public=False)
        db.session.add(article)
    _apply(article, ARTICLE_FIELDS, values)
    if cover_sha256 is not None:
        article.cover_sha256 = cover_sha256
    db.session.flush()
    record_change(article, "edited")
    return article


def save_event(event: Event | None, values: dict, author_id: int,
               listing_ids: list[int] | None = None) -> Event:
    if values.get("ends_at") and values.get("starts_at") and values["ends_at"] < values["starts_at"]:
        raise ContentError(_l("An event cannot end before it starts."), code="ends_before")
    if not values.get("place") and not values.get("online_url"):
        raise ContentError(_l("Give the event's place or its online link."), code="no_place")
    if event is None:
        event = Event(author_id=author_id, state=State.DRAFT, registered_count=0)
        db.session.add(event)
    capacity = values.get("capacity")
    if capacity is not None and capacity < event.registered_count:
        raise ContentError(_l("The capacity cannot be below the number already registered."),
                           code="capacity_below")
    _apply(event, EVENT_FIELDS, values)
    db.session.flush()
    if listing_ids is not None:
        set_event_listings(event, listing_ids)
    record_change(event, "edited")
    return event


def set_event_listings(event: Event, listing_ids: list[int]) -> None:
    """Which listings the event shows, by id; ids naming no listing are ignored (whether a
    listing is public is checked when the page is shown, as it can change)."""
    wanted = list(dict.fromkeys(listing_ids))[:50]
    existing = set(db.session.scalars(select(Listing.id).where(Listing.id.in_(wanted))))
    event.shown_listings = [EventListing(listing_id=listing_id, position=position)
                            for position, listing_id in enumerate(
                                i for i in wanted if i in existing)]
    db.session.flush()


def publish(item, at: datetime | None = None) -> None:
    """Publish now, or schedule for `at` (a future time): the item becomes public at that
    time by itself, since every public query compares it with the clock."""
    now = utcnow()
    if at is not None and at > now:
        item.state, item.publish_at = State.SCHEDULED, at
    else:
        item.state = State.PUBLISHED
        if at is not None:  # a date in the past (an import, a correction) is kept
            item.publish_at = at
        elif item.publish_at is None or item.publish_at > now:
            item.publish_at = now
    db.session.flush()
    record_change(item, "published")


def archive(item) -> None:
    item.state = State.ARCHIVED
    db.session.flush()
    record_change(item, "archived")


def back_to_draft(item) -> None:
    item.state = State.DRAFT
    db.session.flush()
    record_change(item, "unpublished")
