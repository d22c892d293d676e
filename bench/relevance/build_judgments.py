"""Builds bench/relevance/judgments.json: queries with graded judgments (0-3) over the corpus.

    .venv/bin/python -m bench.relevance.build_judgments

Reproducible: it reads only corpus.csv.gz and hand_queries.py, draws with a fixed seed,
and writes the same file every time. The rules:

Text is compared after folding (lowercase, no diacritics, đ -> d) and turning every run of
other characters than letters and digits into one space; a phrase "occurs" in a text when
its words occur in a row as whole words (the last one may take an English plural -s/-es;
a phrase written with a final "*" lets its last word be the start of a longer one).

Derived from a source listing L (drawn at random):
- known_item: 2-3 consecutive words of L's title (no number-only word, at least one word
  found in at most 30 titles, and the words together in at most 10 titles): what a buyer
  remembers of a listing they saw.
- no_diacritics: the same from a Vietnamese title, at least one word with diacritics,
  typed folded.
- typo: a known-item query with one edit (a letter swapped with its neighbour, dropped,
  doubled or replaced by a neighbour key) in its longest word of at least 5 letters.
- generic_company: a known-item query after generic company words (công ty, TNHH, thương
  mại, cổ phần, dịch vụ, cty, xuất nhập khẩu), with or without diacritics.
  Judgments of these four: L = 3; any other listing whose title has every query word
  (before the typo) = 2 when its title shares at least half of its words with L's title
  (Jaccard of the title word sets >= 0.5: a near-duplicate such as the same model in
  another size or colour), else 1.
- former_province: L's product line (the first two words of a Vietnamese title, the
  category of an English one, singular) when its title has it, else two words in a row of
  L's title, found together in 5-300 titles; and a former (pre-2025) province merged into L's province, with or without diacritics.
  Judgments: a listing whose title has the phrase and whose province is L's = 3; with the
  phrase elsewhere = 1.

Written by hand (hand_queries.py): descriptive needs and English words for Vietnamese
listings, each with concept groups (alternative phrases, Vietnamese and English) and
optional "plus" and "none" groups. Judgments, over every listing (the pool is the whole
corpus): every group occurs in the title, no "none" phrase does, and every plus group occurs
anywhere = 3; every group in the title and no "none" phrase = 2; every group somewhere in
title, summary, description or keywords = 1.

A query with no listing graded 2 or 3 is dropped. The split: a query goes to the tuning
half when the first byte of sha256(query id) is even, else to the held-out half.
"""
import csv
import gzip
import hashlib
import io
import json
import random
import re
import sys
import unicodedata
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus.csv.gz"
OUT = HERE / "judgments.json"
SEED = 19
COUNTS = {"known_item": 100, "no_diacritics": 70, "typo": 80, "generic_company": 60,
          "former_province": 60}
GENERIC_WORDS = ["công ty", "công ty TNHH", "cty", "thương mại", "cổ phần", "dịch vụ",
                 "TNHH thương mại", "xuất nhập khẩu", "công ty cổ phần"]
# words a buyer does not remember a listing by (shop suffixes, joiners)
NOT_REMEMBERED = {"memoryzone", "chinh", "hang", "gia", "tot", "in", "with", "and", "for",
                  "the", "of", "x", "w", "to", "ft", "cu", "a", "or", "only", "tool", "pack"}
# former (pre-2025) provinces merged into a current one: current label -> [(vi, ascii)]
FORMER = {
    "An Giang": [("Kiên Giang", "Kien Giang")], "Bắc Ninh": [("Bắc Giang", "Bac Giang")],
    "Cà Mau": [("Bạc Liêu", "Bac Lieu")],
    "Cần Thơ": [("Sóc Trăng", "Soc Trang"), ("Hậu Giang", "Hau Giang")],
    "Đà Nẵng": [("Quảng Nam", "Quang Nam")], "Đắk Lắk": [("Phú Yên", "Phu Yen")],
    "Đồng Nai": [("Bình Phước", "Binh Phuoc")], "Đồng Tháp": [("Tiền Giang", "Tien Giang")],
    "Gia Lai": [("Bình Định", "Binh Dinh")], "Hải Phòng": [("Hải Dương", "Hai Duong")],
    "TP. Hồ Chí Minh": [("Bình Dương", "Binh Duong"), ("Bà Rịa - Vũng Tàu", "Vung Tau")],
    "Hưng Yên": [("Thái Bình", "Thai Binh")], "Khánh Hòa": [("Ninh Thuận", "Ninh Thuan")],
    "Lâm Đồng": [("Đắk Nông", "Dak Nong"), ("Bình Thuận", "Binh Thuan")],
    "Lào Cai": [("Yên Bái", "Yen Bai")],
    "Ninh Bình": [("Hà Nam", "Ha Nam"), ("Nam Định", "Nam Dinh")],
    "Phú Thọ": [("Vĩnh Phúc", "Vinh Phuc"), ("Hòa Bình", "Hoa Binh")],
    "Quảng Ngãi": [("Kon Tum", "Kon Tum")], "Quảng Trị": [("Quảng Bình", "Quang Binh")],
    "Tây Ninh": [("Long An", "Long An")], "Thái Nguyên": [("Bắc Kạn", "Bac Kan")],
    "Tuyên Quang": [("Hà Giang", "Ha Giang")],
    "Vĩnh Long": [("Bến Tre", "Ben Tre"), ("Trà Vinh", "Tra Vinh")],
}
NEIGHBOURS = {
    "a": "sq", "b": "vn", "c": "xv", "d": "sf", "e": "wr", "f": "dg", "g": "fh", "h": "gj",
    "i": "uo", "j": "hk", "k": "jl", "l": "k", "m": "n", "n": "bm", "o": "ip", "p": "o",
    "q": "w", "r": "et", "s": "ad", "t": "ry", "u": "yi", "v": "cb", "w": "qe", "x": "zc",
    "y": "tu", "z": "x",
}
_OTHER = re.compile(r"[^a-z0-9]+")


def fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return text.replace("đ", "d").replace("Đ", "D").lower()


def norm(text: str) -> str:
    return " " + _OTHER.sub(" ", fold(text)).strip() + " "


def words(text: str) -> list[str]:
    return norm(text).split()


def occurs(phrase: str, text_norm: str) -> bool:
    """The phrase's words in a row in the text, whole words (the last one may take an
    English plural -s/-es); a phrase ending in "*" lets its last word start a longer one."""
    words_of = norm(phrase).strip()
    if phrase.endswith("*"):
        return " " + words_of in text_norm
    return any(f" {words_of}{plural} " in text_norm for plural in ("", "s", "es"))


def has_all(query_words, title_words: set) -> bool:
    return all(word in title_words for word in query_words)


def load_corpus() -> list[dict]:
    with gzip.open(CORPUS, "rt", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["title_words"] = set(words(row["title"]))
        row["title_norm"] = norm(row["title"])
        row["all_norm"] = norm(" ".join(row[c] for c in ("title", "summary", "description",
                                                          "keywords")))
        row["vietnamese"] = row["external_id"].startswith("mz-")
    return rows


def raw_words(title: str) -> list[str]:
    """The title's words as typed: split on spaces, outer punctuation removed."""
    return [w.strip("()[],;:+/\"'") for w in title.split() if w.strip("()[],;:+/\"'")]


class Builder:
    def __init__(self, rows):
        self.rows = rows
        self.df = Counter(w for row in rows for w in row["title_words"])
        self.rng = random.Random(SEED)
        self.queries: list[dict] = []
        self.seen: set[str] = set()

    def matching_titles(self, query_words) -> list[dict]:
        return [row for row in self.rows if has_all(query_words, row["title_words"])]

    def remembered_window(self, row, need_diacritics=False) -> str | None:
        tokens = raw_words(row["title"])
        windows = []
        for size in (2, 3):
            for start in range(0, len(tokens) - size + 1):
                window = tokens[start:start + size]
                folded = [words(w) for w in window]
                if any(len(f) != 1 for f in folded):
                    continue  # a word with inner punctuation: not typed as one word
                folded = [f[0] for f in folded]
                if any(f.isdigit() or f in NOT_REMEMBERED or len(f) < 2 for f in folded):
                    continue
                if min(self.df[f] for f in folded) > 30:
                    continue
                if need_diacritics and all(fold(w) == w.lower() for w in window):
                    continue
                if len(self.matching_titles(folded)) > 10:
                    continue
                windows.append(" ".join(window))
        return self.rng.choice(windows) if windows else None

    def title_judgments(self, source, query_words) -> dict[str, int]:
        judged = {}
        for row in self.matching_titles(query_words):
            if row is source:
                continue
            union = row["title_words"] | source["title_words"]
            jaccard = len(row["title_words"] & source["title_words"]) / len(union)
            judged[row["external_id"]] = 2 if jaccard >= 0.5 else 1
        judged[source["external_id"]] = 3
        return judged

    def add(self, kind, q, judged, source=None, lang=None):
        key = f"{kind}:{q.lower()}"
        if key in self.seen or not any(g >= 2 for g in judged.values()):
            return False
        self.seen.add(key)
        number = sum(1 for query in self.queries if query["type"] == kind) + 1
        self.queries.append({"id": f"{kind}-{number:03d}", "type": kind, "q": q,
                             "lang": lang or ("vi" if source is None or source["vietnamese"]
                                              else "en"),
                             "source": source["external_id"] if source else None,
                             "judgments": dict(sorted(judged.items()))})
        return True

    def draw(self, kind, make):
        order = list(self.rows)
        self.rng.shuffle(order)
        made = 0
        for row in order:
            if made == COUNTS[kind]:
                break
            made += bool(make(row))

    def known_item(self, row):
        window = self.remembered_window(row)
        return window and self.add("known_item", window,
                                   self.title_judgments(row, words(window)), row)

    def no_diacritics(self, row):
        if not row["vietnamese"]:
            return False
        window = self.remembered_window(row, need_diacritics=True)
        return window and self.add("no_diacritics", " ".join(words(window)),
                                   self.title_judgments(row, words(window)), row)

    def typo(self, row):
        window = self.remembered_window(row)
        if not window:
            return False
        tokens = window.split()
        longest = max(range(len(tokens)), key=lambda i: (len(tokens[i]), -i))
        word = tokens[longest]
        if len(word) < 5 or not word.isalpha():
            return False
        at = self.rng.randrange(1, len(word) - 1)
        edit = self.rng.choice(("swap", "drop", "double", "neighbour"))
        if edit == "swap":
            typed = word[:at] + word[at + 1] + word[at] + word[at + 2:]
        elif edit == "drop":
            typed = word[:at] + word[at + 1:]
        elif edit == "double":
            typed = word[:at] + word[at] + word[at:]
        else:
            keys = NEIGHBOURS.get(fold(word[at]), "")
            if not keys:
                return False
            typed = word[:at] + self.rng.choice(keys) + word[at + 1:]
        if typed.lower() == word.lower():
            return False
        tokens[longest] = typed
        return self.add("typo", " ".join(tokens), self.title_judgments(row, words(window)),
                        row)

    def generic_company(self, row):
        window = self.remembered_window(row)
        if not window:
            return False
        generic = self.rng.choice(GENERIC_WORDS)
        if self.rng.random() < 0.5:
            generic = fold(generic)
        return self.add("generic_company", f"{generic} {window}",
                        self.title_judgments(row, words(window)), row)

    def former_province(self, row):
        if row["province"] not in FORMER:
            return False
        phrases = []
        # the product line first (the first two words of a Vietnamese title, the category
        # of an English one, singular), else two title words in a row
        line = " ".join(raw_words(row["title"])[:2]) if row["vietnamese"] else \
            " ".join(w.rstrip("s") for w in row["keywords"].split())
        if occurs(line, row["title_norm"]) and \
                5 <= len(self.matching_titles(words(line))) <= 300:
            phrases.append(line.lower())
        tokens = [t for t in raw_words(row["title"]) if len(words(t)) == 1]
        for start in range(0, len(tokens) - 1):
            folded = [words(t)[0] for t in tokens[start:start + 2]]
            if phrases or any(f.isdigit() or f in NOT_REMEMBERED or len(f) < 3
                              for f in folded):
                continue
            if 5 <= len(self.matching_titles(folded)) <= 300:
                phrases.append(" ".join(tokens[start:start + 2]).lower())
        if not phrases:
            return False
        phrase = self.rng.choice(phrases)
        vi_name, ascii_name = self.rng.choice(FORMER[row["province"]])
        name = vi_name if row["vietnamese"] and self.rng.random() < 0.5 else ascii_name
        judged = {}
        for other in self.matching_titles(words(phrase)):
            judged[other["external_id"]] = 3 if other["province"] == row["province"] else 1
        return self.add("former_province", f"{phrase} {name}", judged, row)

    def hand(self, kind, spec):
        groups = spec["all"]
        plus = spec.get("plus", [])
        excluded = spec.get("none", [])

        def any_in(group, text):
            return any(occurs(phrase, text) for phrase in group)
        judged = {}
        for row in self.rows:
            if all(any_in(g, row["title_norm"]) for g in groups) and \
                    not any_in(excluded, row["title_norm"]):
                judged[row["external_id"]] = 3 if all(any_in(g, row["all_norm"])
                                                      for g in plus) else 2
            elif all(any_in(g, row["all_norm"]) for g in groups):
                judged[row["external_id"]] = 1
        added = self.add(kind, spec["q"], judged, lang=spec.get("lang", "vi"))
        if not added:
            print(f"dropped (nothing graded 2-3): {spec['q']}", file=sys.stderr)


def split_of(query_id: str) -> str:
    return "tuning" if hashlib.sha256(query_id.encode()).digest()[0] % 2 == 0 else "heldout"


def build() -> dict:
    from bench.relevance.hand_queries import DESCRIPTIVE, ENGLISH

    builder = Builder(load_corpus())
    for kind in COUNTS:
        builder.draw(kind, getattr(builder, kind))
    for spec in DESCRIPTIVE:
        builder.hand("descriptive", spec)
    for spec in ENGLISH:
        builder.hand("english", {**spec, "lang": "en"})
    for query in builder.queries:
        query["split"] = split_of(query["id"])
    return {"corpus": CORPUS.name, "seed": SEED, "queries": builder.queries}


def main() -> None:
    sys.path.insert(0, str(HERE.parents[1]))
    data = build()
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n")
    kinds = Counter(q["type"] for q in data["queries"])
    halves = Counter(q["split"] for q in data["queries"])
    print(f"{len(data['queries'])} queries {dict(kinds)} {dict(halves)} -> {OUT}")


if __name__ == "__main__":
    main()
