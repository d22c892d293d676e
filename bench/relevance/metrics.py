"""Ranking metrics of the relevance bench: MRR@k, nDCG@k and success@k over graded judgments.

Grades run 0-3. A result "answers" the query when its grade is at least RELEVANT (2):
MRR and success count only those; nDCG uses every grade, with gain 2^grade - 1.
"""
import math

RELEVANT = 2
K = 10


def reciprocal_rank(ranked: list, grades: dict, k: int = K) -> float:
    """1/position of the first answer among the first k results, 0 when there is none."""
    for position, item in enumerate(ranked[:k], start=1):
        if grades.get(item, 0) >= RELEVANT:
            return 1.0 / position
    return 0.0


def success(ranked: list, grades: dict, k: int = K) -> float:
    """1 when an answer is among the first k results."""
    return 1.0 if reciprocal_rank(ranked, grades, k) > 0 else 0.0


def dcg(gains: list[int], k: int = K) -> float:
    return sum((2 ** grade - 1) / math.log2(position + 1)
               for position, grade in enumerate(gains[:k], start=1))


def ndcg(ranked: list, grades: dict, k: int = K) -> float:
    """DCG of the first k results over the DCG of the best possible order of the judged."""
    ideal = dcg(sorted(grades.values(), reverse=True), k)
    if ideal == 0:
        return 0.0
    return dcg([grades.get(item, 0) for item in ranked], k) / ideal


def evaluate(ranked: list, grades: dict, k: int = K) -> dict:
    return {"mrr": reciprocal_rank(ranked, grades, k), "ndcg": ndcg(ranked, grades, k),
            "success": success(ranked, grades, k)}


def mean(rows: list[dict]) -> dict:
    if not rows:
        return {"mrr": 0.0, "ndcg": 0.0, "success": 0.0, "queries": 0}
    return {**{name: sum(row[name] for row in rows) / len(rows)
               for name in ("mrr", "ndcg", "success")}, "queries": len(rows)}
