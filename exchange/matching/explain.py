"""Why two listings were matched: the words they share in the fields the matcher searches
with, and the preferences that added to the score (shown beside each match)."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from exchange.matching.matcher import REGION_OF, content_words
from exchange.taxonomy import fold

# the matcher searches with these fields of each listing (matcher.field_queries)
FIELDS = (("title", _l("title")), ("keywords", _l("keywords")), ("summary", _l("summary")))
WORDS_PER_FIELD = 6
MANY = 1000  # every content word of a field, not only the first ten a query carries


@dataclass(frozen=True)
class Explanation:
    """`fields`: (field label, shared words) in the matcher's order; `preferences`: the
    labels of the bonuses that applied (same sector, category, province or region)."""

    fields: tuple[tuple[str, tuple[str, ...]], ...]
    preferences: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.fields or self.preferences)


def _field_text(revision, name: str) -> str:
    if name == "keywords":
        return " ".join(revision.keywords or [])
    return getattr(revision, name) or ""


def _words(text: str) -> list[str]:
    return content_words(text, limit=MANY).split()


def _everything(revision) -> set[str]:
    """The folded words of what a counterpart search looks at (never a confidential
    description: only what the index holds)."""
    parts = [revision.title, " ".join(revision.keywords or []), revision.summary or ""]
    if not revision.description_confidential:
        parts.append(revision.description or "")
    return {fold(word) for word in _words(" ".join(parts))}


def explainer(own):
    """`why(other)` for many counterparts of one revision: its own words are folded once."""
    own_words = _everything(own)
    own_fields = {name: _words(_field_text(own, name)) for name, _label in FIELDS}

    def why(other) -> Explanation:
        return _explain(own, own_words, own_fields, other)

    return why


def why_matched(own, other) -> Explanation:
    """What two revisions (the approved ones of a matched pair) have in common. A pair is
    scored both ways (each listing's fields searched in the other's text), so a field
    lists the words of either listing's field found in the other listing."""
    return explainer(own)(other)


def _explain(own, own_words, own_fields, other) -> Explanation:
    other_words = _everything(other)
    fields = []
    for name, label in FIELDS:
        shared: dict[str, str] = {}
        for words, against in ((_words(_field_text(other, name)), own_words),
                               (own_fields[name], other_words)):
            for word in words:
                key = fold(word)
                if key in against and key not in shared:
                    shared[key] = word
        if shared:
            fields.append((str(label), tuple(list(shared.values())[:WORDS_PER_FIELD])))
    preferences = []
    if own.sector and own.sector == other.sector:
        preferences.append(str(_l("same sector")))
    if own.category and own.category == other.category:
        preferences.append(str(_l("same category")))
    if own.province and own.province == other.province:
        preferences.append(str(_l("same province")))
    elif REGION_OF.get(own.province) and REGION_OF.get(own.province) == REGION_OF.get(
            other.province):
        preferences.append(str(_l("same region")))
    return Explanation(fields=tuple(fields), preferences=tuple(preferences))
