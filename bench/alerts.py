"""Bench: `flask exchange send-alerts` with 10,000 saved searches over a day's new listings.

    .venv/bin/python -m bench.alerts
    BENCH_SAVED_SEARCHES=2000 BENCH_ALERT_LISTINGS=5000 .venv/bin/python -m bench.alerts

A temporary SQLite database gets the demo generator's listings (a share of them published
in the last day), 5 saved searches per member, and one Meilisearch process on loopback.
The timed part is the real send_alerts(): batched multi-searches, AlertSent rows, and one
digest per member rendered into the mail outbox (sending the mail is not timed).
"""
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.data import seed_demo
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAVED_SEARCHES = int(os.environ.get("BENCH_SAVED_SEARCHES", 10_000))
LISTINGS = int(os.environ.get("BENCH_ALERT_LISTINGS", 20_000))
NEW_TODAY = int(os.environ.get("BENCH_NEW_TODAY", 500))
PER_MEMBER = 5
MARK_START = "<!-- bench:alerts:start -->"
MARK_END = "<!-- bench:alerts:end -->"


def build_data() -> dict:
    from sqlalchemy import bindparam, insert, select, update

    from exchange.accounts.models import Member
    from exchange.extensions import db
    from exchange.listings.demo_data import BULK_PRODUCTS
    from exchange.listings.models import Listing
    from exchange.matching.models import SavedSearch
    from exchange.search.query import FACETS
    from exchange.search.rebuild import reindex
    from exchange.timeutil import utcnow

    people = seed_demo(LISTINGS)
    now = utcnow()
    rng = random.Random(7)
    ids = db.session.scalars(select(Listing.id).where(Listing.external_id.like("bench-%"))).all()
    table = Listing.__table__
    db.session.execute(update(table).where(table.c.id == bindparam("lid")).values(
        published_at=bindparam("at")),
        [{"lid": i, "at": now - timedelta(minutes=rng.randrange(1, 23 * 60))}
         for i in rng.sample(ids, min(NEW_TODAY, len(ids)))])
    db.session.commit()
    reindex(batch_size=5000)

    members = SAVED_SEARCHES // PER_MEMBER
    business = people["businesses"][0]
    db.session.execute(insert(Member.__table__), [{
        "business_id": business.id, "full_name": f"Bench {n}", "email": f"bench{n}@bench.vn",
        "password_hash": "x", "role": "member", "email_verified_at": now,
        "is_active_account": True, "can_send_inquiries": True, "match_mail_mode": "daily",
        "locale": "vi", "phone": "", "created_at": now} for n in range(members)])
    member_ids = db.session.scalars(select(Member.id).where(Member.email.like("bench%"))).all()
    sectors = FACETS["sector"][1]()
    provinces = FACETS["province"][1]()
    rows = []
    for member_id in member_ids:
        for k in range(PER_MEMBER):
            product = rng.choice(BULK_PRODUCTS)[0].lower()
            choice = k % 3
            query = (f"q={product}" if choice == 0 else
                     f"q={product.split()[0]}&sector={rng.choice(sectors)}" if choice == 1 else
                     f"kind=offer&province={rng.choice(provinces)}")
            rows.append({"member_id": member_id, "name": f"search {k}",
                         "query": query,
                         "created_at": now - timedelta(days=2),
                         "last_alerted_at": now - timedelta(days=1)})
    # duplicate queries of one member are not allowed: keep the first of each
    seen, unique = set(), []
    for row in rows:
        key = (row["member_id"], row["query"])
        if key not in seen:
            seen.add(key)
            unique.append(row)
    db.session.execute(insert(SavedSearch.__table__), unique)
    db.session.commit()
    return {"members": len(member_ids), "saved": len(unique)}


def write_report(figures: dict) -> Path:
    section = f"""{MARK_START}
## Saved-search alerts (`flask exchange send-alerts`)

{figures['saved']:,} saved searches of {figures['members']:,} members over
{figures['listings']:,} public listings, {figures['new_today']:,} of them published in the
last day; SQLite, one Meilisearch {figures['meili_version']} process on loopback,
{figures['cpus']} CPU(s), 1-minute load average {figures['load_before']:.1f} before the run
and {figures['load_after']:.1f} at its end (the machine is shared), {figures['when']}. Timed:
the whole send_alerts() run (multi-search batches of 250 queries, AlertSent rows, digests
rendered into the mail outbox).

| figure | value |
|---|---|
| run time | {figures['seconds']:.1f} s |
| saved searches per second | {figures['saved'] / figures['seconds']:,.0f} |
| digests queued | {figures['mails']:,} |
| listings announced | {figures['announced']:,} |

Target: 10,000 saved searches in about a minute on this machine.
{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


def main() -> dict:
    from config import Config
    from exchange import create_app
    from exchange.matching.alerts import send_alerts
    from tests.services import MeiliServer

    workdir = tempfile.mkdtemp(prefix="exchange-bench-alerts-")
    meili = MeiliServer(master_key="bench-master-key-0123456789").start()
    app = create_app(Config, SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir}/bench.db",
                     MEILI_URL=meili.url, MEILI_MASTER_KEY=meili.master_key,
                     MEILI_INDEX_PREFIX="bench_", MEILI_TIMEOUT=30.0, DRAIN_AFTER_COMMIT=False,
                     MAIL_SERVER="")
    try:
        with app.app_context():
            print(f"generating {LISTINGS:,} listings and {SAVED_SEARCHES:,} saved searches…",
                  flush=True)
            data = build_data()
            load_before = os.getloadavg()[0]
            started = time.perf_counter()
            run = send_alerts()
            seconds = time.perf_counter() - started
            load_after = os.getloadavg()[0]
            version = meili.request("GET", "/version").json()["pkgVersion"]
        figures = {**data, "listings": LISTINGS, "new_today": NEW_TODAY, "seconds": seconds,
                   "mails": run["mails"], "announced": run["listings"],
                   "meili_version": version, "cpus": os.cpu_count(),
                   "load_before": load_before, "load_after": load_after,
                   "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        path = write_report(figures)
        print(f"send-alerts: {figures['saved']:,} saved searches in {seconds:.1f}s "
              f"({figures['saved'] / seconds:,.0f}/s), {run['mails']:,} digests; "
              f"written to {path.relative_to(ROOT)}")
        return figures
    finally:
        meili.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
