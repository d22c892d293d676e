"""Bench: the sitemap index and its listing files at 100,000 listings, on PostgreSQL.

    .venv/bin/python -m bench.sitemap
    BENCH_SITEMAP_LISTINGS=20000 .venv/bin/python -m bench.sitemap

A fresh PostgreSQL database (BENCH_PG_URL's server) gets the demo generator's listings.
Timed through the whole Flask stack: GET /sitemap.xml, then every file it names; the
Python memory allocated at the peak while one 50,000-address file is streamed is measured
with tracemalloc (what keyset batches keep small).
"""
import os
import sys
import time
import tracemalloc
from datetime import datetime
from pathlib import Path

import psycopg

from bench.data import seed_demo
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
LISTINGS = int(os.environ.get("BENCH_SITEMAP_LISTINGS", 100_000))
DATABASE = "exchange_bench_sitemap"
MARK_START = "<!-- bench:sitemap:start -->"
MARK_END = "<!-- bench:sitemap:end -->"


def _admin_url() -> str:
    return PG_URL.replace("postgresql+psycopg://", "postgresql://")


def _database(drop_only=False) -> str:
    with psycopg.connect(_admin_url(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
    return PG_URL.rsplit("/", 1)[0] + "/" + DATABASE


def _get(client, url):
    started = time.perf_counter()
    response = client.get(url)
    body = response.get_data()
    assert response.status_code == 200, (url, response.status_code)
    return (time.perf_counter() - started) * 1000, body


def main() -> dict:
    from config import Config
    from exchange import create_app

    url = _database()
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=url, DRAIN_AFTER_COMMIT=False,
                     MAIL_SERVER="", PAGE_CACHE_SECONDS=0, SITE_URL="https://san.example.vn")
    try:
        with app.app_context():
            print(f"seeding {LISTINGS:,} listings…", flush=True)
            started = time.perf_counter()
            seed_demo(LISTINGS)
            seed_seconds = time.perf_counter() - started
            from exchange.extensions import db
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(db.text("VACUUM ANALYZE"))
        client = app.test_client()
        index_ms, index = _get(client, "/sitemap.xml")
        files = [loc.split(b"</loc>")[0].decode() for loc in index.split(b"<loc>")[1:]]
        rows, addresses, peak = [], 0, 0
        for loc in files:
            path = loc.split("https://san.example.vn", 1)[1]
            tracemalloc.start()
            ms, body = _get(client, path)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
            count = body.count(b"<url>")
            addresses += count
            rows.append((path, count, ms, len(body)))
    finally:
        _database(drop_only=True)
    figures = {"index_ms": index_ms, "rows": rows, "addresses": addresses, "peak": peak,
               "seed_seconds": seed_seconds, "cpus": os.cpu_count(),
               "load": os.getloadavg()[0], "when": datetime.now().strftime("%Y-%m-%d")}
    table = "\n".join(f"| `{path}` | {count:,} | {ms:.0f} ms | {size / 1e6:.1f} MB |"
                      for path, count, ms, size in rows)
    section = f"""{MARK_START}
## Sitemap (`/sitemap.xml` and its files)

{LISTINGS:,} demo listings on PostgreSQL, through the whole Flask stack; {figures['cpus']}
CPU(s), 1-minute load average {figures['load']:.1f} (the machine is shared),
{figures['when']}. The index answered in {index_ms:.0f} ms; {addresses:,} addresses in all.

| file | addresses | time | size |
|---|---|---|---|
{table}

Peak Python memory allocated while one file was written: {peak / 1e6:.1f} MB (rows are read
in keyset batches of 1,000 and streamed; the body itself is kept by the test client here,
not by the app). At this load a full file takes longer than is comfortable under
gunicorn's 30 s timeout; `SITEMAP_CHUNK_SIZE` makes files smaller, and writing the
files ahead from `tick` is the next step if a quiet server is as slow. Seeding took {seed_seconds:.0f} s.
{MARK_END}"""
    print(write_section(MARK_START, MARK_END, section), flush=True)
    print(section, flush=True)
    return figures


if __name__ == "__main__":
    main()
