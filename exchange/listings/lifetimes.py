"""How long a listing may run, per category: the default and the maximum staff set."""
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column

from exchange import taxonomy
from exchange.extensions import db
from exchange.timeutil import UTCDateTime, utcnow

# what the admin page shows for a category staff have not set; such a category keeps the
# standing rule of calendar months (12 by default, at most 24: see listings.forms)
DEFAULT_DAYS = 365
MAX_DAYS = 731
# bounds on what staff may set, so a typo cannot publish a listing for a century
LONGEST_DAYS = 5 * 366


class CategoryLifetime(db.Model):
    """Staff's choice of default and longest lifetime for the listings of one category."""

    __tablename__ = "category_lifetimes"

    category: Mapped[str] = mapped_column(String(40), primary_key=True)
    default_days: Mapped[int] = mapped_column()
    max_days: Mapped[int] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"))


def lifetimes() -> dict[str, tuple[int, int]]:
    """(default days, longest days) for every category, set or not."""
    chosen = {row.category: (row.default_days, row.max_days)
              for row in db.session.scalars(select(CategoryLifetime))}
    return {term.code: chosen.get(term.code, (DEFAULT_DAYS, MAX_DAYS))
            for term in taxonomy.CATEGORIES}


def lifetime_for(category: str | None) -> tuple[int, int] | None:
    """(default days, longest days) staff set for `category`; None: the standing rule."""
    row = db.session.get(CategoryLifetime, category) if category else None
    return (row.default_days, row.max_days) if row else None
