"""“Did you mean”: a near spelling, from the words of public titles and keywords, for a
query that finds nothing."""
import difflib
import re
import time
from collections import Counter
from dataclasses import replace

from flask import current_app
from sqlalchemy import select

from exchange import taxonomy
from exchange.extensions import db
from exchange.listings.models import Listing, Revision, Status
from exchange.search import index
from exchange.search.query import SearchQuery, search_requests
from exchange.timeutil import utcnow

# the vocabulary is rebuilt at most this often per process; it is read only for queries
# that found nothing, so the newest listings' words may wait a few minutes
VOCABULARY_SECONDS = 300
VOCABULARY_LISTINGS = 50_000
_WORD = re.compile(r"\w+")


def _vocabulary() -> dict[str, str]:
    """Folded word -> its most common spelling, over the titles and keywords of the newest
    public listings."""
    held = current_app.extensions.get("search_vocabulary")
    if held and held[0] == index.index_name() and time.monotonic() - held[1] < VOCABULARY_SECONDS:
        return held[2]
    spellings: Counter = Counter()
    rows = db.session.execute(
        select(Revision.title, Revision.keywords)
        .join(Listing, Listing.approved_revision_id == Revision.id)
        .where(Listing.status == Status.PUBLISHED, Revision.expires_at > utcnow())
        .order_by(Listing.id.desc()).limit(VOCABULARY_LISTINGS)
    )
    for title, keywords in rows:
        for text in (title, *(keywords or ())):
            for word in _WORD.findall((text or "").lower()):
                if len(word) > 1 and not word.isdigit():
                    spellings[word] += 1
    words: dict[str, tuple[str, int]] = {}
    for spelling, count in spellings.items():
        key = taxonomy.fold(spelling)
        if key not in words or count > words[key][1]:
            words[key] = (spelling, count)
    vocabulary = {key: spelling for key, (spelling, _count) in words.items()}
    current_app.extensions["search_vocabulary"] = (index.index_name(), time.monotonic(),
                                                   vocabulary)
    return vocabulary


def _nearest(word: str, vocabulary: dict[str, str]) -> str | None:
    key = taxonomy.fold(word)
    if key in vocabulary or len(key) < 3 or key.isdigit():
        return None
    candidates = [known for known in vocabulary if abs(len(known) - len(key)) <= 2]
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.7)
    return vocabulary[close[0]] if close else None


def did_you_mean(query: SearchQuery) -> str | None:
    """A respelling of `query.q` that finds listings under the same filters, or None."""
    words = query.q.split()
    if not words or len(words) > 10:
        return None
    try:
        vocabulary = _vocabulary()
        changed = False
        respelled = []
        for word in words:
            near = _nearest(word, vocabulary)
            respelled.append(near or word)
            changed = changed or near is not None
        if not changed:
            return None
        suggestion = " ".join(respelled)
        probe = search_requests(replace(query, q=suggestion, facets=(), highlight=()),
                                index.index_name())[0]
        probe.update(page=1, hitsPerPage=0)
        probe.pop("indexUid")
        found = index.search_client().post(f"/indexes/{index.index_name()}/search", probe)
    except index.SearchUnavailable as exc:
        current_app.logger.warning("no spelling suggestion: %s", exc)
        return None
    return suggestion if found.get("totalHits") else None
