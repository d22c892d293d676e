"""Bench: what counting listing views and search impressions costs a request.

    .venv/bin/python -m bench.insights

The part every answer pays (`counting.record`: a robot check and a dictionary update) and
the part paid once per INSIGHTS_FLUSH_SECONDS (`counting.flush`: one upsert of every
listing and day counted since), on SQLite in a temporary directory.
"""
import os
import tempfile
import time
from statistics import median

from bench.report import write_section

MARK_START = "<!-- bench:insights:start -->"
MARK_END = "<!-- bench:insights:end -->"
BROWSER = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/131.0 Safari/537.36"


def main():
    from config import TestConfig
    from exchange import create_app
    from exchange.extensions import db
    from exchange.insights import counting

    folder = tempfile.mkdtemp()
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder}/bench.db",
                     INSIGHTS_FLUSH_SECONDS=3600.0)
    environ = {"HTTP_USER_AGENT": BROWSER}
    with app.app_context():
        db.create_all()
        counting.flush()
        page = [("impressions", tuple(range(1, 21)))]  # one search results page of 20
        rounds = 20_000
        started = time.perf_counter()
        for n in range(rounds):
            counting.record(app, environ, page if n % 2 else [("views", (n % 1000 + 1,))])
        per_answer = (time.perf_counter() - started) / rounds
        flushes = []
        for _ in range(5):
            for listing_id in range(1, 2001):
                counting.record(app, environ, [("views", (listing_id,))])
            started = time.perf_counter()
            written = counting.flush()
            flushes.append(time.perf_counter() - started)
        db.session.remove()
    load = os.getloadavg()[0]
    section = f"""{MARK_START}
## Listing views and search impressions (`exchange/insights/counting.py`)

`python -m bench.insights`, SQLite, {os.cpu_count()} CPU(s), load average {load:.1f}.

| figure | value |
|---|---:|
| cost per answer (`record`: robot check + in-memory count; a 20-hit search page or a view) | {per_answer * 1e6:.1f} µs |
| one flush of {written:,} listing-day rows (one upsert, rows already there) | {median(flushes) * 1e3:.1f} ms (median of 5) |

A flush runs at most once per `INSIGHTS_FLUSH_SECONDS` (default 10) per worker, in the
request that finds it due or in `tick`.
{MARK_END}"""
    print(section)
    write_section(MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
