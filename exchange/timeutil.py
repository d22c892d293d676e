"""Timezone-aware UTC timestamps, stored naive-free on every database."""
from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


# what utcnow() reads; tests move time forward by replacing it (tests/helpers.py Clock)
# instead of sleeping until an expiry passes
clock = system_clock


def utcnow() -> datetime:
    return clock()


class UTCDateTime(TypeDecorator):
    """A DateTime that always returns aware UTC values (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given; use timeutil.utcnow()")
        if value is not None:
            value = value.astimezone(timezone.utc)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value
