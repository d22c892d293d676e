"""Staff set the listing lifetimes of a category: validated and audited."""
from flask_babel import lazy_gettext as _l

from exchange import taxonomy
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings.lifetimes import (DEFAULT_DAYS, LONGEST_DAYS, MAX_DAYS, CategoryLifetime,
                                         lifetime_for)
from exchange.moderation.models import record_audit
from exchange.timeutil import utcnow


def set_lifetime(category: str, default_days: int, max_days: int, actor_id) -> bool:
    """Staff set a category's lifetimes; audited. True when something changed."""
    if taxonomy.by_code(taxonomy.CATEGORIES, category) is None:
        raise DomainError(_l("Unknown category."), code="unknown_category")
    if not (1 <= default_days <= max_days <= LONGEST_DAYS):
        raise DomainError(_l("The default lifetime must be at least one day and not longer "
                             "than the maximum, which may be at most five years."),
                          code="bad_lifetime")
    before = lifetime_for(category) or (DEFAULT_DAYS, MAX_DAYS)
    if lifetime_for(category) == (default_days, max_days):
        return False
    row = db.session.get(CategoryLifetime, category)
    if row is None:
        row = CategoryLifetime(category=category)
        db.session.add(row)
    row.default_days, row.max_days = default_days, max_days
    row.updated_at, row.updated_by_id = utcnow(), actor_id
    record_audit("lifetime_changed", actor_id=actor_id, category=category,
                 default_days=default_days, max_days=max_days,
                 previous_default_days=before[0], previous_max_days=before[1])
    db.session.flush()
    return True
