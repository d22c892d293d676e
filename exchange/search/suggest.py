"""Search as you type: a few listing titles for what has been typed so far."""
from flask import current_app

from exchange.search import freshness, index
from exchange.search.query import HIGHLIGHT_POST, HIGHLIGHT_PRE, build_filter, SearchQuery
from exchange.search.hits import highlighted

LIMIT = 6
MIN_LENGTH = 2


def suggest_titles(q: str) -> list[dict]:
    """Up to LIMIT titles of public listings matching `q` (a validated query text), best
    first; nothing while the text is too short or Meilisearch does not answer."""
    if len(q) < MIN_LENGTH:
        return []
    payload = {
        "q": q,
        "filter": build_filter(SearchQuery(q=q), hidden_ids=freshness.current().hidden),
        "limit": LIMIT,
        # titles only: a suggestion is a title, and one attribute keeps each keystroke cheap
        "attributesToSearchOn": ["title"],
        "attributesToRetrieve": ["id", "title"],
        "attributesToHighlight": ["title"],
        "highlightPreTag": HIGHLIGHT_PRE,
        "highlightPostTag": HIGHLIGHT_POST,
    }
    try:
        hits = index.search_client().post(f"/indexes/{index.index_name()}/search", payload)["hits"]
    except index.SearchUnavailable as exc:
        current_app.logger.warning("suggestions unavailable: %s", exc)
        return []
    return [{"id": hit["id"], "title": hit["title"],
             "highlight": highlighted((hit.get("_formatted") or hit).get("title"))}
            for hit in hits]
