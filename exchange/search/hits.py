"""What a search answers, whichever backend answered it: the result and the hit of one listing."""
from dataclasses import dataclass, field
from datetime import datetime, timezone

from markupsafe import Markup, escape

from exchange.search.query import HIGHLIGHT_POST, HIGHLIGHT_PRE, SearchQuery
from exchange.timeutil import utcnow


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
    now = utcnow().timestamp()
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
        "business_id": None if doc.get("anonymous") else doc["business_id"],
        "business_name": doc.get("business_name", ""),
        "anonymous": bool(doc.get("anonymous")),
        "business_verified": bool(doc.get("business_verified")),
        "image": doc.get("image"),
        "published_at": datetime.fromtimestamp(published, timezone.utc) if published else None,
        "featured": bool(doc.get("featured")) and (doc.get("featured_until") or 0) > now,
    }
