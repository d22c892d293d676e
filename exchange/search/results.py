"""Runs a validated query on Meilisearch (or the database when it is down) into hits."""
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from flask import current_app
from markupsafe import Markup, escape

from exchange.core.pagecache import do_not_keep
from exchange.search import freshness, index
from exchange.search.query import (
    FACETS, HIGHLIGHT_POST, HIGHLIGHT_PRE, SearchQuery, search_requests,
)


@dataclass
class SearchResult:
    query: SearchQuery
    hits: list[dict]
    total: int
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    limited: bool = False  # answered by the database because Meilisearch was unreachable

    @property
    def page(self) -> int:
        return self.query.page

    @property
    def per_page(self) -> int:
        return self.query.per_page

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def highlighted(text: str | None) -> Markup:
    """Escape the text first, then turn only our own markers into <mark> tags."""
    safe = str(escape(text or ""))
    return Markup(safe.replace(HIGHLIGHT_PRE, "<mark>").replace(HIGHLIGHT_POST, "</mark>"))


def hit_from_document(doc: dict, formatted: dict | None = None) -> dict:
    """The shape the listing card macro and the API take."""
    formatted = formatted or {}
    published = doc.get("published_at")
    now = datetime.now(timezone.utc).timestamp()
    return {
        "id": doc["id"],
        "url": f"/listings/{doc['id']}",
        "kind": doc["kind"],
        "title": doc["title"],
        "summary": doc["summary"],
        "highlight": {
            "title": highlighted(formatted.get("title", doc["title"])),
            "summary": highlighted(formatted.get("summary", doc["summary"])),
        },
        "category": doc["category"],
        "sector": doc["sector"],
        "province": doc["province"],
        "trl": doc.get("trl"),
        "transfer_modes": doc.get("transfer_modes") or [],
        "price": doc.get("price"),
        "price_vnd": doc.get("price_vnd"),
        "budget_min_vnd": doc.get("budget_min_vnd"),
        "budget_max_vnd": doc.get("budget_max_vnd"),
        "price_negotiable": bool(doc.get("price_negotiable")),
        "quantity": doc.get("quantity"),
        "unit": doc.get("unit"),
        "business_id": doc["business_id"],
        "business_name": doc.get("business_name", ""),
        "image": doc.get("image"),
        "published_at": datetime.fromtimestamp(published, timezone.utc) if published else None,
        "featured": bool(doc.get("featured")) and (doc.get("featured_until") or 0) > now,
    }


def _facets(distribution: dict, wanted) -> dict[str, list[tuple[str, int]]]:
    facets = {}
    for param in wanted:
        attribute, allowed = FACETS[param]
        counts = distribution.get(attribute, {})
        facets[param] = [(value, counts[value]) for value in allowed() if counts.get(value)]
    return facets


def run_search(query: SearchQuery) -> SearchResult:
    """Search the index; fall back to a plain database query when Meilisearch is down."""
    try:
        return meili_search(query)
    except index.SearchUnavailable as exc:
        current_app.logger.warning("search unavailable, using the database: %s", exc)
        from exchange.search.fallback import database_search
        do_not_keep()  # the full answer is back as soon as Meilisearch is
        return database_search(query)


def meili_search(query: SearchQuery) -> SearchResult:
    client = index.search_client()
    searches = search_requests(query, index.index_name(), hidden_ids=freshness.current().hidden)
    if len(searches) == 1:  # no facet counts asked for: one plain search is enough
        search = {key: value for key, value in searches[0].items() if key != "indexUid"}
        results = [client.post(f"/indexes/{index.index_name()}/search", search)]
    else:
        results = client.post("/multi-search", {"queries": searches})["results"]
    main = results[0]
    distribution = dict(main.get("facetDistribution") or {})
    for extra in results[1:]:
        distribution.update(extra.get("facetDistribution") or {})
    hits = [hit_from_document(hit, hit.get("_formatted")) for hit in main["hits"]]
    return SearchResult(query=query, hits=hits, total=main.get("totalHits", len(hits)),
                        facets=_facets(distribution, query.facets))


def run_lists(queries: list[SearchQuery]) -> list[SearchResult]:
    """Several hit lists without facets in one round trip (home page, sidebars)."""
    try:
        client = index.search_client()
        searches = []
        hidden = freshness.current().hidden
        for query in queries:
            searches.append(search_requests(replace(query, facets=()), index.index_name(),
                                            hidden_ids=hidden)[0])
        results = client.post("/multi-search", {"queries": searches})["results"]
    except index.SearchUnavailable as exc:
        current_app.logger.warning("search unavailable, using the database: %s", exc)
        from exchange.search.fallback import database_search
        do_not_keep()
        return [database_search(query) for query in queries]
    return [
        SearchResult(query=query, hits=[hit_from_document(h) for h in result["hits"]],
                     total=result.get("totalHits", 0))
        for query, result in zip(queries, results)
    ]
