"""Counting listing views and search impressions cheaply: in memory, written in batches.

Why this way. Public listing pages and search answers are kept by the page cache
(exchange.core.pagecache) and served again without Flask running, so counting in the view
alone would miss most anonymous visits. A view instead notes what its response shows
(`pagecache.note_shown`); the counters below hear it once when Flask answers and again
every time the page cache replays that answer. A beacon image would also survive the
cache, but costs every visitor a second request and is lost to image blockers; counting at
the one place every answer passes is simpler and exact.

Nothing personal is kept: no address, cookie or user agent, only a number per listing and
day. Visitors whose user agent names a robot are not counted. Counts gather in this
process's memory and are written in one upsert per INSIGHTS_FLUSH_SECONDS (so a search
results page costs a dictionary update, not a database write); a worker that dies loses at
most that many seconds of counts, which a statistic can afford."""
import functools
import re
import threading
import time
from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from exchange.core.bulk import dialect_insert
from exchange.extensions import db
from exchange.insights.models import ListingDayCount

# crawlers, link previews, uptime monitors and scripts; an empty user agent is a script too
ROBOT = re.compile(
    r"bot|crawl|spider|slurp|archiver|fetch|preview|monitor|scan|lighthouse|headless|"
    r"facebookexternalhit|curl|wget|python|httpclient|okhttp|go-http|java/|libwww|scrapy|"
    r"axios|node-fetch|insomnia|postman")
KINDS = ("views", "impressions")

_lock = threading.Lock()
_pending: Counter = Counter()  # (listing_id, day, kind) -> count
_last_flush = time.monotonic()


@functools.lru_cache(maxsize=4096)
def is_robot(user_agent: str | None) -> bool:
    # a few user agents make most of the traffic: each is matched once per process
    return not user_agent or bool(ROBOT.search(user_agent.lower()))


def record(app, environ, shown) -> None:
    """Count what one answer showed (a list of (kind, listing ids)); write when due."""
    global _last_flush
    if not shown or is_robot(environ.get("HTTP_USER_AGENT")):
        return
    zone = ZoneInfo(app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Ho_Chi_Minh"))
    day = datetime.now(zone).date()
    with _lock:
        for kind, ids in shown:
            if kind in KINDS:
                _pending.update((listing_id, day, kind) for listing_id in ids)
        due = time.monotonic() - _last_flush >= app.config["INSIGHTS_FLUSH_SECONDS"]
        if due:
            _last_flush = time.monotonic()
    if due:
        with app.app_context():
            flush()


def flush() -> int:
    """Write the counts gathered so far, in one statement on a connection of its own (never
    inside a request's unit of work). Returns the number of rows written."""
    with _lock:
        taken = dict(_pending)
        _pending.clear()
    rows = {}
    for (listing_id, day, kind), count in taken.items():
        row = rows.setdefault((listing_id, day), {"listing_id": listing_id, "day": day,
                                                  "views": 0, "impressions": 0})
        row[kind] += count
    if not rows:
        return 0
    table = ListingDayCount.__table__
    statement = dialect_insert(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.listing_id, table.c.day],
        set_={"views": table.c.views + statement.excluded.views,
              "impressions": table.c.impressions + statement.excluded.impressions})
    try:
        with db.engine.begin() as conn:
            conn.execute(statement, list(rows.values()))
    except SQLAlchemyError:
        # a statistic is not worth failing a page for; these counts are lost
        current_app.logger.warning("listing counts not written", exc_info=True)
        return 0
    return len(rows)


def pending_count() -> int:
    with _lock:
        return sum(_pending.values())
