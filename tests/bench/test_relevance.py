"""The relevance bench's metrics on hand-computed rankings, and its data files well-formed."""
import csv
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest

from bench.relevance import metrics
from bench.relevance.build_judgments import split_of
from bench.relevance.matching_eval import labelled_pairs
from bench.relevance.matching_pairs import OFFERS, REQUESTS

DATA = Path(__file__).resolve().parents[2] / "bench" / "relevance"
TYPES = {"known_item", "no_diacritics", "typo", "generic_company", "former_province",
         "descriptive", "english"}


def test_reciprocal_rank_counts_only_grades_two_and_three():
    grades = {"b": 3, "c": 1, "d": 2}
    assert metrics.reciprocal_rank(["a", "b", "c"], grades) == 0.5
    assert metrics.reciprocal_rank(["c", "a", "d"], grades) == pytest.approx(1 / 3)
    assert metrics.reciprocal_rank(["c", "a"], grades) == 0.0  # grade 1 is not an answer
    assert metrics.reciprocal_rank([], grades) == 0.0


def test_cut_off_at_ten():
    ranked = [f"x{n}" for n in range(10)] + ["d"]
    grades = {"d": 3}
    assert metrics.reciprocal_rank(ranked, grades) == 0.0
    assert metrics.success(ranked, grades) == 0.0
    assert metrics.ndcg(ranked, grades) == 0.0
    assert metrics.reciprocal_rank(ranked[1:], grades) == 0.1
    assert metrics.success(ranked[1:], grades) == 1.0


def test_ndcg_against_a_hand_computed_value():
    # ranked a(0) b(3) c(1): DCG = 7/log2(3) + 1/log2(4) = 4.91651
    # ideal b(3) d(2) c(1):  DCG = 7 + 3/log2(3) + 1/2 = 9.39279
    grades = {"b": 3, "c": 1, "d": 2}
    assert metrics.ndcg(["a", "b", "c"], grades) == pytest.approx(0.523434, abs=1e-6)
    assert metrics.ndcg(["b", "d", "c"], grades) == pytest.approx(1.0)
    assert metrics.ndcg(["a"], {}) == 0.0


def test_evaluate_and_mean():
    first = metrics.evaluate(["b"], {"b": 2})
    second = metrics.evaluate(["a", "a2"], {"b": 2})
    assert first == {"mrr": 1.0, "ndcg": 1.0, "success": 1.0}
    assert second == {"mrr": 0.0, "ndcg": 0.0, "success": 0.0}
    assert metrics.mean([first, second]) == {"mrr": 0.5, "ndcg": 0.5, "success": 0.5,
                                             "queries": 2}
    assert metrics.mean([])["queries"] == 0


@pytest.fixture(scope="module")
def corpus_ids():
    with gzip.open(DATA / "corpus.csv.gz", "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) >= 3000
    ids = [row["external_id"] for row in rows]
    assert len(set(ids)) == len(ids)
    return set(ids)


def test_judgments_are_well_formed(corpus_ids):
    queries = json.loads((DATA / "judgments.json").read_text())["queries"]
    assert len(queries) >= 400
    assert len({q["id"] for q in queries}) == len(queries)
    kinds = Counter(q["type"] for q in queries)
    assert set(kinds) == TYPES
    assert kinds["descriptive"] + kinds["english"] >= 60
    for half in ("tuning", "heldout"):
        assert {q["type"] for q in queries if q["split"] == half} == TYPES
    for query in queries:
        assert query["q"].strip()
        assert query["split"] == split_of(query["id"])
        assert set(query["judgments"]) <= corpus_ids, query["id"]
        assert set(query["judgments"].values()) <= {0, 1, 2, 3}
        assert max(query["judgments"].values()) >= 2, query["id"]
        if query["source"]:
            assert query["source"] in corpus_ids
            assert query["judgments"][query["source"]] >= 2


def test_matching_pairs_are_well_formed():
    pairs = labelled_pairs()
    assert len(pairs) >= 200
    assert {(p["offer"], p["request"]) for p in pairs}.__len__() == len(pairs)
    assert all(p["offer"] in OFFERS and p["request"] in REQUESTS for p in pairs)
    for half in ("tuning", "heldout"):
        kinds = Counter((p["kind"], p["label"]) for p in pairs if p["half"] == half)
        assert kinds[("match", 1)] and kinds[("hard", 0)] and kinds[("easy", 0)]
    for request, (_fields, matches, hard) in REQUESTS.items():
        assert matches and hard and not set(matches) & set(hard), request
        assert len({p["half"] for p in pairs if p["request"] == request}) == 1
