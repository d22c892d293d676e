"""Runs a validated query on Meilisearch (or the database when it is down) into hits."""
from dataclasses import replace

from flask import current_app

from exchange.core.pagecache import do_not_keep
from exchange.search import freshness, index
from exchange.search.fallback import database_search
from exchange.search.hits import SearchResult, hit_from_document
from exchange.search.query import FACETS, SearchQuery, search_requests


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
        do_not_keep()
        return [database_search(query) for query in queries]
    return [
        SearchResult(query=query, hits=[hit_from_document(h) for h in result["hits"]],
                     total=result.get("totalHits", 0))
        for query, result in zip(queries, results)
    ]
