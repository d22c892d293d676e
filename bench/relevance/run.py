"""Relevance bench: the app's search against a default-settings Meilisearch index.

    .venv/bin/python -m bench.relevance            # also run by `make bench`

One Meilisearch process, one temporary SQLite database. The corpus (corpus.csv.gz, real
listings, see SOURCES.md) is imported through the app's CSV importer, published, and
indexed twice:
- app: the app's own index, rebuilt with `reindex` (exchange.search.index settings and
  exchange.search.documents documents, whatever they are at the time of the run);
- default: a second index holding the same documents (public_documents) with Meilisearch's
  default settings.
Every query of judgments.json goes through the app's query path (parse_query and
run_search, as the search page runs it: whatever the app does before or after Meilisearch
counts) and, as it is, to the default index. The first ten results of each are scored
(metrics.py) and the means are reported per query type and half (tuning / held-out),
with the number of listings generic company words typed alone find on each side.
The labelled offer-request pairs (matching_pairs.py) are scored by the app's matcher in a
second app on the same Meilisearch (matching_eval.py).
"""
import gzip
import io
import json
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.harness import bench_app
from bench.relevance.metrics import K, evaluate, mean
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
JSON_REPORT = ROOT / "docs" / "relevance.json"
MARK_START = "<!-- bench:relevance:start -->"
MARK_END = "<!-- bench:relevance:end -->"
TYPES = ("known_item", "no_diacritics", "typo", "generic_company", "former_province",
         "descriptive", "english")
SYSTEMS = ("app", "default")
# generic company words alone: how many listings each side says match (of the whole corpus)
DEFAULT_MAX_TOTAL_HITS = 1000
GENERIC_ALONE = ("tn", "tnhh", "cong ty", "công ty", "thuong mai", "cổ phần", "dich vu")


def import_corpus(app) -> dict[str, int]:
    """The corpus through the importer, published; external id -> listing id."""
    from sqlalchemy import select

    from exchange.accounts.models import Member, Role
    from exchange.extensions import db
    from exchange.listings.models import Listing
    from exchange.transfer.importer import Importer

    moderator = Member(full_name="Bench moderator", email="relevance@sangiaodich.vn",
                       role=Role.MODERATOR, password_hash="-")
    db.session.add(moderator)
    db.session.commit()
    with gzip.open(HERE / "corpus.csv.gz", "rb") as raw:
        stream = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        report = Importer(status="published", moderator_id=moderator.id,
                          batch_size=1000).run(stream)
    assert report.rejected == 0, report
    return dict(db.session.execute(
        select(Listing.external_id, Listing.id).where(Listing.external_id.is_not(None))).all())


def default_index(uid: str) -> int:
    """The public documents, as the app builds them, in an index with default settings."""
    from exchange.search import index
    from exchange.search.documents import public_documents, public_listing_ids

    client = index.admin_client()
    task = client.post("/indexes", {"uid": uid, "primaryKey": "id"})
    client.wait_for_task(task["taskUid"], timeout=60)
    ids = public_listing_ids()
    tasks = [index.upsert_documents(client, public_documents(ids[i:i + 1000]), uid=uid)
             for i in range(0, len(ids), 1000)]
    for task in tasks:
        result = client.wait_for_task(task, timeout=600)
        assert result["status"] == "succeeded", result
    return len(ids)


def app_ranking(q: str) -> list[int]:
    from werkzeug.datastructures import MultiDict

    from exchange.search.query import parse_query
    from exchange.search.results import run_search

    result = run_search(parse_query(MultiDict({"q": q, "per_page": str(K)}),
                                    allow_per_page=True))
    assert not result.limited, "the app answered from the database: Meilisearch failed"
    return [hit["id"] for hit in result.hits[:K]]


def totals(client, uid: str) -> dict[str, dict[str, int]]:
    """Hits found by each side for generic company words typed alone."""
    from werkzeug.datastructures import MultiDict

    from exchange.search.query import parse_query
    from exchange.search.results import run_search

    found = {}
    for q in GENERIC_ALONE:
        app_total = run_search(parse_query(MultiDict({"q": q}))).total
        default_total = client.post(f"/indexes/{uid}/search",
                                    {"q": q, "limit": 0})["estimatedTotalHits"]
        found[q] = {"app": app_total, "default": default_total}
    return found


def default_ranking(client, uid: str, q: str) -> list[int]:
    body = client.post(f"/indexes/{uid}/search",
                       {"q": q, "limit": K, "attributesToRetrieve": ["id"]})
    return [hit["id"] for hit in body["hits"]]


def score(queries: list[dict], listing_ids: dict[str, int], rankings: dict) -> dict:
    """Means per system, half and query type (and "all")."""
    rows = defaultdict(list)
    for query in queries:
        grades = {listing_ids[ext]: grade for ext, grade in query["judgments"].items()}
        for system in SYSTEMS:
            figures = evaluate(rankings[system][query["id"]], grades)
            for half in (query["split"], "both"):
                rows[(system, half, query["type"])].append(figures)
                rows[(system, half, "all")].append(figures)
    return {f"{system}/{half}/{kind}": mean(rows[(system, half, kind)])
            for system in SYSTEMS for half in ("heldout", "tuning", "both")
            for kind in (*TYPES, "all")}


def table(figures: dict, half: str) -> str:
    lines = ["| query type | queries | MRR@10 app | MRR@10 default | nDCG@10 app | "
             "nDCG@10 default | success@10 app | success@10 default |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for kind in (*TYPES, "all"):
        app, default = figures[f"app/{half}/{kind}"], figures[f"default/{half}/{kind}"]
        name = f"**{kind}**" if kind == "all" else kind.replace("_", " ")
        lines.append(
            f"| {name} | {app['queries']} | {app['mrr']:.3f} | {default['mrr']:.3f} | "
            f"{app['ndcg']:.3f} | {default['ndcg']:.3f} | {app['success']:.3f} | "
            f"{default['success']:.3f} |")
    return "\n".join(lines)


def write_report(result: dict) -> Path:
    figures, matching = result["figures"], result.get("matching")
    held = figures["app/heldout/all"]["mrr"] - figures["default/heldout/all"]["mrr"]
    section = f"""{MARK_START}
## Search relevance: the app against a default Meilisearch index

`make bench` (`python -m bench.relevance`), {result['run_at']}, Meilisearch
{result['meili_version']}, {os.cpu_count()} CPUs ({platform.machine()}). Corpus:
{result['listings']:,} real listings (bench/relevance/corpus.csv.gz, {result['vietnamese']:,}
Vietnamese computer-hardware listings and {result['listings'] - result['vietnamese']:,}
English tools/appliances/equipment listings; sources and licences in
bench/relevance/SOURCES.md), imported with the app's CSV importer and indexed twice in the
same Meilisearch: **app** = the app's index (its settings and documents at the time of the
run) queried through the app's query path (`parse_query` + `run_search`); **default** = the
same documents in an index with Meilisearch's default settings, queried with the plain `q`.
{result['queries']} queries with graded judgments 0-3 (bench/relevance/judgments.json, built
by `build_judgments.py`; the rules are in its docstring): known-item, without diacritics,
one typo, generic company words + known item, former province names, descriptive needs and
English words for Vietnamese listings (the last two written by hand,
bench/relevance/hand_queries.py). MRR@10 and success@10 count results graded 2 or 3;
nDCG@10 uses gain 2^grade − 1. The figures per query are in docs/relevance.json.

**Held-out half** ({figures['app/heldout/all']['queries']} queries): app − default MRR@10 =
**{held:+.3f}**.

{table(figures, 'heldout')}

Tuning half ({figures['app/tuning/all']['queries']} queries):

{table(figures, 'tuning')}

Generic company words typed alone: listings found, of {result['listings']:,}.

{totals_table(result['generic_totals'])}
{matching_section(matching) if matching else ''}{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


def totals_table(found: dict) -> str:
    # a default index counts no further than its maxTotalHits (1,000)
    lines = ["| query | app | default |", "|---|---:|---:|"]
    lines += [f"| `{q}` | {n['app']:,} | "
              f"{'≥ ' if n['default'] >= DEFAULT_MAX_TOTAL_HITS else ''}{n['default']:,} |"
              for q, n in found.items()]
    return "\n".join(lines)


def matching_section(matching: dict) -> str:
    from bench.relevance.matching_eval import report_lines
    return "\n" + report_lines(matching) + "\n"


def main() -> dict:
    from exchange.search import index
    from exchange.search.rebuild import reindex

    queries = json.loads((HERE / "judgments.json").read_text())["queries"]
    with bench_app("relevance", MEILI_INDEX_PREFIX="relevance_") as bench:
        with bench.app.app_context(), bench.app.test_request_context("/search"):
            started = time.monotonic()
            listing_ids = import_corpus(bench.app)
            reindex()
            uid = index.index_name("__default")
            documents = default_index(uid)
            print(f"{len(listing_ids):,} listings imported, {documents:,} documents in both "
                  f"indexes ({time.monotonic() - started:.0f} s)", flush=True)
            client = index.admin_client()
            rankings = {"app": {}, "default": {}}
            for query in queries:
                rankings["app"][query["id"]] = app_ranking(query["q"])
                rankings["default"][query["id"]] = default_ranking(client, uid, query["q"])
            generic_totals = totals(client, uid)
            version = bench.meili_version()
        figures = score(queries, listing_ids, rankings)
        from bench.relevance.matching_eval import evaluate_matching
        matching = evaluate_matching(bench.meili, bench.workdir)
    by_id = {v: k for k, v in listing_ids.items()}
    result = {
        "run_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "meili_version": version, "listings": len(listing_ids),
        "vietnamese": sum(1 for ext in listing_ids if ext.startswith("mz-")),
        "queries": len(queries), "figures": figures, "generic_totals": generic_totals,
        "matching": matching,
        "per_query": [{"id": q["id"], "type": q["type"], "split": q["split"], "q": q["q"],
                       **{system: [by_id[i] for i in rankings[system][q["id"]]]
                          for system in SYSTEMS}} for q in queries],
    }
    JSON_REPORT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    path = write_report(result)
    for half in ("heldout", "tuning"):
        print(f"{half} half:")
        print(table(figures, half))
    print(totals_table(generic_totals))
    if matching:
        print(matching_section(matching))
    print(f"written to {path.relative_to(ROOT)} and {JSON_REPORT.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
