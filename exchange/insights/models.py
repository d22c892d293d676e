"""Daily counters per listing: page views and search impressions, nothing about who."""
from datetime import date

from sqlalchemy import Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from exchange.extensions import db


class ListingDayCount(db.Model):
    """How often a listing's page was viewed and how often it appeared in search results on
    one (Vietnamese) day. One row per listing and day, added to, never per visitor."""

    __tablename__ = "listing_day_counts"

    listing_id: Mapped[int] = mapped_column(ForeignKey("listings.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    views: Mapped[int] = mapped_column(default=0)
    impressions: Mapped[int] = mapped_column(default=0)
