"""Precision and recall of the app's matcher on the labelled pairs of matching_pairs.py.

The offers and requests are imported (CSV importer, published, their own business each)
into a second app on the bench's Meilisearch and indexed with the app's settings. Each
listing's searches run through the matcher (exchange.matching.matcher) exactly as
find_counterparts runs them; a pair's score is the better of its two directions, as there.
Nothing is tuned: the figures are reported at the matcher's MATCH_THRESHOLD and, for
reference, at the threshold with the best F1 on the tuning half. Pairs are split by
request: all pairs of a request fall in the same half (sha256 of its key, even = tuning).
"""
import csv
import hashlib
import io
from pathlib import Path

from bench.relevance.matching_pairs import EASY_NEGATIVES, OFFERS, REQUESTS


def half_of(request_key: str) -> str:
    return "tuning" if hashlib.sha256(request_key.encode()).digest()[0] % 2 == 0 else "heldout"


def labelled_pairs() -> list[dict]:
    """Every labelled pair: the hand-written ones, then the easy negatives (offers of
    another sector, the EASY_NEGATIVES with the smallest sha256 of "request:offer")."""
    pairs = []
    for request, (fields, matches, hard) in REQUESTS.items():
        for offer in matches:
            pairs.append({"offer": offer, "request": request, "label": 1, "kind": "match"})
        for offer in hard:
            pairs.append({"offer": offer, "request": request, "label": 0, "kind": "hard"})
        sector = fields[4]
        others = sorted((o for o, f in OFFERS.items()
                         if f[4] != sector and o not in matches and o not in hard),
                        key=lambda o: hashlib.sha256(f"{request}:{o}".encode()).hexdigest())
        for offer in others[:EASY_NEGATIVES]:
            pairs.append({"offer": offer, "request": request, "label": 0, "kind": "easy"})
    for pair in pairs:
        pair["half"] = half_of(pair["request"])
    return pairs


def _csv() -> str:
    from bench.importer import tax_code
    from exchange.transfer.csv_format import COLUMNS

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    rows = [("offer", f"mo-{key}", fields) for key, fields in OFFERS.items()]
    rows += [("request", f"mr-{key}", spec[0]) for key, spec in REQUESTS.items()]
    for number, (kind, external_id, fields) in enumerate(rows):
        title, summary, keywords, category, sector, province = fields
        cells = {"external_id": external_id, "kind": kind, "title": title, "summary": summary,
                 "description": summary, "keywords": keywords, "category": category,
                 "sector": sector, "province": province,
                 "business_tax_code": tax_code(5000 + number),
                 "business_name": f"Doanh nghiệp thử {number}",
                 "contact_email": f"lienhe{number}@example.vn"}
        writer.writerow([cells.get(name, "") for name in COLUMNS])
    return out.getvalue()


def pair_scores() -> dict[tuple[str, str], float]:
    """(offer key, request key) -> the matcher's score of the pair, 0 when not found."""
    from sqlalchemy import select

    from exchange.accounts.models import Member, Role
    from exchange.extensions import db
    from exchange.listings.models import Listing
    from exchange.matching import matcher
    from exchange.search.rebuild import reindex
    from exchange.transfer.importer import Importer

    moderator = Member(full_name="Bench moderator", email="matching@sangiaodich.vn",
                       role=Role.MODERATOR, password_hash="-")
    db.session.add(moderator)
    db.session.commit()
    report = Importer(status="published", moderator_id=moderator.id).run(io.StringIO(_csv()))
    assert report.rejected == 0, report
    reindex()
    listings = list(db.session.scalars(select(Listing).where(Listing.external_id.is_not(None))))
    ids = {listing.external_id: listing.id for listing in listings}
    profiles = [matcher.Profile.of(listing) for listing in listings]
    scores: dict[int, dict[int, float]] = {}
    # the matcher's own passes: every listing's searches, scored as find_counterparts does
    for start in range(0, len(profiles), matcher.PROFILES_PER_PASS):
        found, _refused = matcher._run(profiles[start:start + matcher.PROFILES_PER_PASS])
        scores.update(found)
    result = {}
    for offer in OFFERS:
        for request in REQUESTS:
            o, r = ids[f"mo-{offer}"], ids[f"mr-{request}"]
            result[(offer, request)] = max(scores.get(o, {}).get(r, 0.0),
                                           scores.get(r, {}).get(o, 0.0))
    return result


def precision_recall(pairs: list[dict], threshold: float) -> dict:
    tp = sum(1 for p in pairs if p["label"] and p["score"] >= threshold)
    fp = sum(1 for p in pairs if not p["label"] and p["score"] >= threshold)
    fn = sum(1 for p in pairs if p["label"] and p["score"] < threshold)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": threshold, "precision": precision, "recall": recall, "f1": f1,
            "tp": tp, "fp": fp, "fn": fn, "pairs": len(pairs)}


def best_threshold(pairs: list[dict]) -> float:
    """The threshold with the best F1 (then precision) on `pairs`."""
    candidates = sorted({p["score"] for p in pairs if p["score"] > 0})
    return max(candidates, key=lambda t: (precision_recall(pairs, t)["f1"],
                                          precision_recall(pairs, t)["precision"]),
               default=1.0)


def evaluate_matching(meili, workdir: Path) -> dict:
    from config import TestConfig
    from exchange import create_app
    from exchange.extensions import db
    from exchange.matching import matcher

    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=f"sqlite:///{workdir}/matching.db",
                     MEILI_URL=meili.url, MEILI_MASTER_KEY=meili.master_key,
                     MEILI_INDEX_PREFIX="relevance_matching_", MEILI_TIMEOUT=30.0,
                     DRAIN_AFTER_COMMIT=False)
    with app.app_context():
        db.create_all()
        scores = pair_scores()
    pairs = labelled_pairs()
    for pair in pairs:
        pair["score"] = scores[(pair["offer"], pair["request"])]
    halves = {half: [p for p in pairs if p["half"] == half] for half in ("tuning", "heldout")}
    current = matcher.MATCH_THRESHOLD
    tuned = best_threshold(halves["tuning"])
    return {
        "pairs": len(pairs), "offers": len(OFFERS), "requests": len(REQUESTS),
        "kinds": {kind: sum(1 for p in pairs if p["kind"] == kind)
                  for kind in ("match", "hard", "easy")},
        "current_threshold": current, "tuned_threshold": tuned,
        "figures": {f"{half}@{name}": precision_recall(halves[half], threshold)
                    for half in ("tuning", "heldout")
                    for name, threshold in (("current", current), ("tuned", tuned))},
        "pair_scores": pairs,
    }


def report_lines(matching: dict) -> str:
    kinds, figures = matching["kinds"], matching["figures"]
    lines = [
        "### Matching: labelled offer-request pairs",
        "",
        f"{matching['pairs']} labelled pairs (bench/relevance/matching_pairs.py) between "
        f"{matching['offers']} offers and {matching['requests']} requests written from "
        f"real-looking needs: {kinds['match']} matches, {kinds['hard']} hard negatives "
        f"(same sector with the wrong technology, or the same words with another meaning) and "
        f"{kinds['easy']} easy negatives (offers of another sector). Scored by the app's "
        "matcher (each pair's better direction, as `find_counterparts` keeps it); split by "
        "request into a tuning and a held-out half. Targets: precision ≥ 0.85 and recall "
        "≥ 0.7 held out.",
        "",
        "| half | threshold | pairs | precision | recall | F1 | true / false matches, missed |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for half in ("heldout", "tuning"):
        for name, label in (("current", "current"), ("tuned", "best F1 on tuning half")):
            f = figures[f"{half}@{name}"]
            lines.append(f"| {'held-out' if half == 'heldout' else 'tuning'} | "
                         f"{f['threshold']:.3f} ({label}) | {f['pairs']} | "
                         f"{f['precision']:.3f} | {f['recall']:.3f} | {f['f1']:.3f} | "
                         f"{f['tp']} / {f['fp']}, {f['fn']} |")
    return "\n".join(lines) + "\n"
