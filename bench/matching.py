"""Bench: matching throughput from scratch, and the after-response drain while a bulk
import's matching is pending.

    .venv/bin/python -m bench.matching
    BENCH_MATCH_LISTINGS=10000 BENCH_MATCH_BACKLOG=20000 .venv/bin/python -m bench.matching

A PostgreSQL database made for the run (BENCH_PG_URL, as bench/load.py; SQLite when the
server cannot be reached) gets the demo generator's listings, indexed in one Meilisearch
process on loopback, and is dropped afterwards. Timed:
1. `rematch` from scratch: a match job for every public listing, then run_match_jobs() as
   `flask exchange tick` runs it (batches of MATCH_BATCH), stores and notices included.
2. The drain a web request runs once its response is sent (budget DRAIN_BUDGET_SECONDS,
   cap DRAIN_MAX_JOBS), BENCH_DRAINS times from BENCH_DRAIN_THREADS threads side by side,
   while BENCH_MATCH_BACKLOG listings' match jobs wait (as after a 20,000-row import).
   The drains run in threads of this process, as a gunicorn worker's threads run them.
"""
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.data import seed_demo
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# the demo's 100,000 listings (set fewer for a quicker run)
LISTINGS = int(os.environ.get("BENCH_MATCH_LISTINGS", 100_000))
BACKLOG = int(os.environ.get("BENCH_MATCH_BACKLOG", 20_000))
DRAINS = int(os.environ.get("BENCH_DRAINS", 150))
DRAIN_THREADS = int(os.environ.get("BENCH_DRAIN_THREADS", 2))
MARK_START = "<!-- bench:matching:start -->"
MARK_END = "<!-- bench:matching:end -->"


def from_scratch() -> dict:
    from sqlalchemy import func, select

    from exchange.extensions import db
    from exchange.matching.models import Match
    from exchange.matching.services import match_all_public, pending_match_jobs, run_match_jobs

    from exchange.matching import matcher

    queued = match_all_public(batch=5000)
    sent = {"calls": 0, "searches": 0}
    lock = threading.Lock()
    call = matcher._call

    def counted(client, searches, budget):  # what the run asks Meilisearch
        with lock:
            sent["calls"] += 1
            sent["searches"] += len(searches)
        return call(client, searches, budget)

    matcher._call = counted
    try:
        started = time.perf_counter()
        matched = run_match_jobs(force=True)
        seconds = time.perf_counter() - started
    finally:
        matcher._call = call
    assert pending_match_jobs() == 0
    return {"queued": queued, "matched": matched, "match_seconds": seconds,
            "calls": sent["calls"], "searches": sent["searches"],
            "pairs": db.session.scalar(select(func.count()).select_from(Match))}


def drains_with_backlog(app) -> dict:
    from sqlalchemy import select, update

    from exchange.effects import drain_in_context
    from exchange.extensions import db
    from exchange.listings.models import Listing
    from exchange.matching.models import record_match_job
    from exchange.matching.services import pending_match_jobs
    from exchange.search.models import IndexJob

    # as many jobs as a 20,000-row import leaves (several per listing when there are fewer)
    ids = db.session.scalars(select(Listing.id).order_by(Listing.id)).all()
    for n in range(BACKLOG):
        record_match_job(ids[n % len(ids)], "import")
    db.session.commit()
    # as after the import's own wait: the index has every listing
    db.session.execute(update(IndexJob).values(state="done"))
    db.session.commit()
    before = pending_match_jobs()
    members, within, mails_before = notice_figures()
    durations: list[float] = []
    lock = threading.Lock()
    per_thread = DRAINS // DRAIN_THREADS

    load = os.getloadavg()[0]

    def worker():
        for _ in range(per_thread):
            started = time.perf_counter()
            drain_in_context(app)
            with lock:
                durations.append(time.perf_counter() - started)

    db.session.close()
    threads = [threading.Thread(target=worker) for _ in range(DRAIN_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    after = pending_match_jobs()
    mails_after = notice_figures()[2]
    durations.sort()
    budget = app.config["DRAIN_BUDGET_SECONDS"]
    return {"backlog": before, "backlog_after": after, "drains": len(durations),
            "drain_load": (load + os.getloadavg()[0]) / 2,
            "over_budget": sum(1 for seconds in durations if seconds > budget),
            "drain_threads": DRAIN_THREADS, "jobs_done_by_drains": before - after,
            "notice_members": members, "notice_members_within": within,
            "mails_by_drains": mails_after - mails_before,
            "drain_p50": statistics.median(durations),
            "drain_p99": durations[max(0, int(len(durations) * 0.99) - 1)],
            "drain_max": durations[-1],
            "budget": app.config["DRAIN_BUDGET_SECONDS"], "cap": app.config["DRAIN_MAX_JOBS"]}


def notice_figures() -> tuple[int, int, int]:
    """Members with match notices to be told, those of them a drain mails (a digest no
    larger than its size), and the mails in the outbox."""
    from sqlalchemy import func, select

    from exchange.extensions import db
    from exchange.mail import OutboxMail
    from exchange.matching.models import NoticeBacklog
    from exchange.matching.notices import BUDGETED_DIGEST_NOTICES

    def members(*conditions):
        return db.session.scalar(select(func.count()).select_from(NoticeBacklog)
                                 .where(NoticeBacklog.unsent > 0, *conditions))

    figures = (members(), members(NoticeBacklog.unsent <= BUDGETED_DIGEST_NOTICES),
               db.session.scalar(select(func.count()).select_from(OutboxMail)))
    db.session.commit()
    return figures


def write_report(f: dict) -> Path:
    rate = f["matched"] / f["match_seconds"]
    section = f"""{MARK_START}
## Matching (`rematch` / `tick`) and the after-response drain

{f['listings']:,} demo listings ({f['queued']:,} public), {f['database']}, one Meilisearch
{f['meili_version']} process on loopback, {f['cpus']} CPU(s), 1-minute load average
{f['load_before']:.1f} before and {f['load_after']:.1f} after (the machine is shared),
{f['when']}.

| figure | value |
|---|---|
| matching from scratch: a job for each of {f['queued']:,} public listings, `tick`'s batches (MATCH_BATCH {f['match_batch']:,}) | {f['match_seconds']:.1f} s |
| listings matched per second | {rate:,.1f} |
| searches sent to Meilisearch, in multi-search calls | {f['searches']:,}, {f['calls']:,} |
| pairs stored | {f['pairs']:,} |
| after-response drains timed, threads side by side | {f['drains']:,}, {f['drain_threads']} |
| match jobs waiting when they started / when they ended | {f['backlog']:,} / {f['backlog_after']:,} |
| match jobs the drains did | {f['jobs_done_by_drains']:,} |
| members with match notices to be told / of them with at most a drain's digest (50) | {f['notice_members']:,} / {f['notice_members_within']:,} |
| match mails the drains queued | {f['mails_by_drains']:,} |
| drain time p50 / p99 / max | {f['drain_p50'] * 1000:,.0f} / {f['drain_p99'] * 1000:,.0f} / {f['drain_max'] * 1000:,.0f} ms |
| drains longer than the budget | {f['over_budget']:,} of {f['drains']:,} |
| 1-minute load average while the drains ran | {f['drain_load']:.1f} |
| drain budget / job cap | {f['budget'] * 1000:,.0f} ms / {f['cap']} |

BENCH_MATCH_LISTINGS sets how many demo listings (100,000 unless set; each listing's
searches cost more as the index grows). The drains run in threads of this process, as a
gunicorn worker's threads run them, while BENCH_MATCH_BACKLOG match jobs wait (several per
listing when there are fewer listings). Targets: at least 50 listings matched per second;
no drain longer than its budget (a drain checks its time between its Meilisearch calls and
gives a call no longer than the time left, so one call may overrun it a little).

What the rate rests on: a run scores a pair found with a listing matched earlier or later
in the same run from that listing's own searches, so it sends no reverse searches; a
listing's searches leave its own business in, so listings of every business asking the
same words share one answer, kept for the whole run. The demo generator's listings repeat
16 products with 10 qualifiers in 34 provinces, so most of their searches are shared (the
searches row against about three per listing); listings that share no words ask their own,
and each has many counterparts, more than a real exchange's listings would.
{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


def main() -> dict:
    from bench.load import Database
    from config import Config
    from exchange import create_app
    from exchange.search.rebuild import reindex
    from tests.services import MeiliServer

    workdir = tempfile.mkdtemp(prefix="exchange-bench-matching-")
    database = Database(workdir, prefix="bench_matching")
    meili = MeiliServer(master_key="bench-master-key-0123456789").start()
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=database.url,
                     MEILI_URL=meili.url, MEILI_MASTER_KEY=meili.master_key,
                     MEILI_INDEX_PREFIX="bench_", MEILI_TIMEOUT=30.0, DRAIN_AFTER_COMMIT=False,
                     MAIL_SERVER="")
    try:
        with app.app_context():
            print(f"generating and indexing {LISTINGS:,} listings…", flush=True)
            seed_demo(LISTINGS)
            reindex(batch_size=5000)
            from sqlalchemy import text, update

            from exchange.extensions import db
            from exchange.search.models import IndexJob
            db.session.execute(update(IndexJob).values(state="done"))  # reindex covered them
            db.session.commit()
            if db.engine.dialect.name == "postgresql":
                db.session.execute(text("ANALYZE"))  # as an import does at its end
                db.session.commit()
            load_before = os.getloadavg()[0]
            figures = from_scratch()
            print(f"matching from scratch: {figures['matched']:,} listings in "
                  f"{figures['match_seconds']:.1f}s", flush=True)
            figures.update(drains_with_backlog(app))
            load_after = os.getloadavg()[0]
            version = meili.request("GET", "/version").json()["pkgVersion"]
            figures.update(match_batch=app.config["MATCH_BATCH"])
        figures.update(listings=LISTINGS, meili_version=version, cpus=os.cpu_count(),
                       database=database.kind,
                       load_before=load_before, load_after=load_after,
                       when=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
        path = write_report(figures)
        print(f"matching: {figures['matched'] / figures['match_seconds']:,.1f} listings/s; "
              f"drain p99 {figures['drain_p99'] * 1000:,.0f} ms with "
              f"{figures['backlog']:,} jobs waiting; written to {path.relative_to(ROOT)}")
        return figures
    finally:
        meili.close()
        with app.app_context():
            from exchange.extensions import db
            db.session.remove()
            db.engine.dispose()
        database.drop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
