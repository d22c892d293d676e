"""Bench: what one answer costs the app, in-process, for a signed-in member and for an
anonymous visitor, kept pages and first reads alike.

    .venv/bin/python -m bench.members                       # 600 demo listings
    BENCH_MEMBERS_LISTINGS=3000 .venv/bin/python -m bench.members

The production configuration on a temporary SQLite database with a Meilisearch process of
its own; three demo business members sign in through the sign-in form. Each answer is the
app called as a WSGI application (no HTTP server, no client), timed one by one; medians are
reported. The load bench (bench.load) measures the same pages under gunicorn.
"""
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LISTINGS = int(os.environ.get("BENCH_MEMBERS_LISTINGS", "600"))
REPEAT = int(os.environ.get("BENCH_MEMBERS_REPEAT", "2000"))
COLD = 100  # listing pages read once each for the first reads
MARK_START, MARK_END = "<!-- bench:members:start -->", "<!-- bench:members:end -->"


def _timed(app, environs) -> list[float]:
    times = []
    for environ in environs:
        started = time.perf_counter()
        statuses = []
        body = b"".join(app(dict(environ), lambda status, headers, exc=None:
                            statuses.append(status)))
        times.append((time.perf_counter() - started) * 1000)
        if not statuses[0].startswith("200") or not body:
            raise RuntimeError(f"{environ['PATH_INFO']}: {statuses[0]}")
    return times


def main() -> dict:
    os.environ.setdefault("EXCHANGE_ENV", "production")
    from sqlalchemy import select
    from werkzeug.test import EnvironBuilder

    import bench.load as load
    from config import ProductionConfig
    from exchange import create_app
    from exchange.extensions import db
    from exchange.listings.models import Listing, Status
    from tests.services import MeiliServer

    workdir = tempfile.mkdtemp(prefix="exchange-members-")
    meili = MeiliServer(master_key="bench-master-key-0123456789").start()
    try:
        app = create_app(ProductionConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir}/b.db",
                         MEILI_URL=meili.url, MEILI_MASTER_KEY=meili.master_key,
                         MEILI_INDEX_PREFIX="members_", UPLOAD_DIR=f"{workdir}/uploads",
                         SECRET_KEY=load.BENCH_SECRET_KEY, PAGE_CACHE_DIR=f"{workdir}/pages",
                         TRUSTED_HOSTS=["127.0.0.1", "localhost"], PAGE_CACHE_SECONDS=0,
                         RATELIMIT_STORAGE_URI="memory://")
        load.LISTINGS = LISTINGS
        with app.app_context():
            db.create_all()
            load.build_data()
            public = db.session.scalars(select(Listing.id).where(
                Listing.status == Status.PUBLISHED).order_by(Listing.id)).all()
        cookies = load.member_cookies(app, 3)
        app.config["PAGE_CACHE_SECONDS"] = 300  # nothing expires during the run

        def environ(path, cookie=None):
            headers = {"Host": "127.0.0.1", "User-Agent": load.MEMBER_AGENT}
            if cookie:
                headers["Cookie"] = cookie
            return EnvironBuilder(path=path, headers=headers,
                                  environ_base={"REMOTE_ADDR": "127.0.0.1"}).get_environ()

        rows = {}
        # first reads: pages nobody read yet (a visitor's; a member's, then a second
        # member's of the same standing once the first one's render is kept)
        first, second = public[:COLD], public[COLD:2 * COLD]
        rows["listing page, first read by an anonymous visitor (rendered)"] = \
            _timed(app, [environ(f"/listings/{i}") for i in first])
        rows["listing page, first read by a member (rendered, with their cards)"] = \
            _timed(app, [environ(f"/listings/{i}", cookies[0]) for i in second])
        rows["listing page, a second member's first read (the kept page, the kept cards)"] = \
            _timed(app, [environ(f"/listings/{i}", cookies[1]) for i in second])
        # kept pages read again
        pages = {"home page": ["/"], "`/search?q=may`": ["/search?q=may"],
                 "listing page": [f"/listings/{i}" for i in public[:20]]}
        for name, paths in pages.items():
            for who, cookie in (("an anonymous visitor", None), ("a member", cookies[2])):
                environs = [environ(path, cookie) for path in paths]
                _timed(app, environs * 2)  # kept, and the member's panels too
                rows[f"{name}, read again by {who}"] = _timed(
                    app, (environs * (REPEAT // len(environs) + 1))[:REPEAT])
        results = {"listings": LISTINGS, "rows": {name: statistics.median(times)
                                                  for name, times in rows.items()},
                   "counts": {name: len(times) for name, times in rows.items()}}
        for name, value in results["rows"].items():
            print(f"{name}: {value:.3f} ms", flush=True)
        write_report(results)
        return results
    finally:
        meili.close()
        shutil.rmtree(workdir, ignore_errors=True)


def write_report(results: dict) -> Path:
    table = "\n".join(f"| {name} | {value:.2f} | {results['counts'][name]:,} |"
                      for name, value in results["rows"].items())
    section = f"""{MARK_START}
## One answer, in-process: members and visitors

`python -m bench.members`: the production configuration on SQLite with
{results['listings']:,} demo listings, the app called as a WSGI application (no server, no
client), each answer timed apart; run on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
on {os.cpu_count()} CPU(s). First reads are pages nobody had read; "read again" answers come
from the page cache (a member's with their kept panels). The load bench (`bench.load`)
measures the same pages under gunicorn.

| answer | ms, median | answers |
|---|---:|---:|
{table}
{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


if __name__ == "__main__":
    main()
