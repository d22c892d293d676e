"""The Vietnamese–English glossary of technical terms (glossary.tsv) as search synonyms."""
from functools import lru_cache
from pathlib import Path

from exchange import taxonomy

GLOSSARY = Path(__file__).with_name("glossary.tsv")


@lru_cache(maxsize=1)
def pairs() -> tuple[tuple[str, str], ...]:
    """(Vietnamese, English) term pairs, in file order, without duplicates."""
    found: dict[tuple[str, str], None] = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        vi, en = (part.strip() for part in line.split("\t"))
        found[(vi, en)] = None
    return tuple(found)


def _forms(term: str) -> list[str]:
    # the spelling and its folded form: a buyer may type either
    return list(dict.fromkeys((term.lower(), taxonomy.fold(term))))


def synonyms(into: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """Two-way synonyms for every pair, merged into `into` (e.g. the province synonyms)."""
    merged = {key: list(values) for key, values in (into or {}).items()}

    def add(key: str, values: list[str]) -> None:
        bucket = merged.setdefault(key, [])
        bucket.extend(value for value in values if value != key and value not in bucket)

    for vi, en in pairs():
        vi_forms, en_forms = _forms(vi), _forms(en)
        for form in vi_forms:
            add(form, en_forms)
        for form in en_forms:
            add(form, vi_forms)
    return merged
