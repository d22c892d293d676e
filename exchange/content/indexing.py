"""The `content` index: news and events as search documents, sent through the index outbox."""
import hashlib
import hmac
import threading
import uuid

from flask import current_app
from sqlalchemy import or_, select

from exchange.content.models import Article, Event
from exchange.extensions import db
from exchange.listings.markdown import plain_text
from exchange.search import index
from exchange.search.models import record_document_job
from exchange.search.outbox import Source, register_source
from exchange.timeutil import utcnow

SOURCE = "content"
BODY_LIMIT = 5000
SETTINGS = {
    "searchableAttributes": ["title", "title_alt", "tags", "lead", "body", "place"],
    "filterableAttributes": ["type", "category", "published_at"],
    "sortableAttributes": ["published_at"],
    "typoTolerance": {"enabled": True,
                      "minWordSizeForTypos": {"oneTypo": 4, "twoTypos": 8}},
}
KEY_NAMESPACE = uuid.UUID("2c0a4c3e-51c5-4f5e-8a39-7d4e6c1b2f10")
_ready: set[tuple[str, str]] = set()
_lock = threading.Lock()


def index_uid() -> str:
    return current_app.config["MEILI_INDEX_PREFIX"] + "content"


def _key_uid() -> str:
    return str(uuid.uuid5(KEY_NAMESPACE, index_uid()))


def _search_key() -> str | None:
    master = current_app.config["MEILI_MASTER_KEY"]
    if not master:
        return None
    return hmac.new(master.encode(), _key_uid().encode(), hashlib.sha256).hexdigest()


def prepare() -> str:
    """Create the index, its settings and a search-only key once per process."""
    uid = index_uid()
    marker = (current_app.config["MEILI_URL"], uid)
    if marker in _ready:
        return uid
    with _lock:
        if marker in _ready:
            return uid
        client = index.admin_client()
        try:
            client.get(f"/indexes/{uid}")
        except index.MeiliError as exc:
            if exc.code != "index_not_found":
                raise
            client.wait_for_task(client.post("/indexes", {"uid": uid, "primaryKey": "id"})
                                 ["taskUid"])
        client.wait_for_task(client.patch(f"/indexes/{uid}/settings", SETTINGS)["taskUid"])
        if current_app.config["MEILI_MASTER_KEY"]:
            try:
                client.post("/keys", {"uid": _key_uid(), "name": f"search {uid}",
                                      "actions": ["search"], "indexes": [uid],
                                      "expiresAt": None})
            except index.MeiliError as exc:
                if exc.code != "api_key_already_exists":
                    raise
        _ready.add(marker)
    return uid


def article_document(article: Article) -> dict:
    return {
        "id": f"article-{article.id}", "type": "article", "category": str(article.category),
        "title": article.title_vi, "title_alt": article.title_en,
        "lead": " ".join(filter(None, (article.lead_vi, article.lead_en))),
        "body": plain_text(article.body_vi)[:BODY_LIMIT],
        "tags": article.tag_list(), "place": "",
        "published_at": int(article.publish_at.timestamp()),
    }


def event_document(event: Event) -> dict:
    return {
        "id": f"event-{event.id}", "type": "event", "category": str(event.kind),
        "title": event.title_vi, "title_alt": event.title_en,
        "lead": event.organiser,
        "body": plain_text(event.description_vi)[:BODY_LIMIT],
        "tags": [], "place": event.place,
        "published_at": int(event.publish_at.timestamp()),
        "starts_at": int(event.starts_at.timestamp()),
    }


def public_documents(ids: set[str]) -> dict[str, dict]:
    """Documents of the items among `ids` that are public now (the rest leave the index)."""
    now = utcnow()
    wanted = {"article": set(), "event": set()}
    for document_id in ids:
        kind, _, number = document_id.partition("-")
        if kind in wanted and number.isdigit():
            wanted[kind].add(int(number))
    found = {}
    for model, kind, build in ((Article, "article", article_document),
                               (Event, "event", event_document)):
        if not wanted[kind]:
            continue
        for item in db.session.scalars(select(model).where(
                model.id.in_(wanted[kind]), model.public_clause(now))):
            found[f"{kind}-{item.id}"] = build(item)
    return found


def record_change(item, reason: str) -> None:
    """An item's public state may have changed: the index learns it through the outbox.
    `indexed_public` says whether the document sent will be public, so the tick below only
    has to find the scheduled items whose time came since."""
    kind = "article" if isinstance(item, Article) else "event"
    item.indexed_public = item.is_public()
    record_document_job(f"{SOURCE}:{kind}-{item.id}", reason)


def index_due() -> int:
    """Scheduled items whose time has come and which the index does not have yet: one job
    each, through the outbox (run by `flask exchange tick`). Visitors already see them, since
    pages compare the publish time in their queries."""
    now = utcnow()
    count = 0
    for model in (Article, Event):
        due = db.session.scalars(select(model).where(
            model.public_clause(now), model.indexed_public.is_(False))).all()
        for item in due:
            record_change(item, "scheduled_time")
            count += 1
    return count


def reindex_all() -> int:
    """Every article and event gets a job (after the index was lost)."""
    count = 0
    for model in (Article, Event):
        for item in db.session.scalars(select(model).where(or_(
                model.indexed_public.is_(True), model.public_clause(utcnow())))):
            record_change(item, "reindex")
            count += 1
    return count


def search(q: str, page: int = 1, per_page: int = 20, kind: str | None = None) -> dict:
    """Hits of the content index for `q`, newest first among equals; items whose time has
    not come are never shown even if the index has them."""
    prepare()
    cfg = current_app.config
    client = index.Meili(cfg["MEILI_URL"], _search_key(), cfg["MEILI_TIMEOUT"])
    filters = [f"published_at <= {int(utcnow().timestamp())}"]
    if kind in ("article", "event"):
        filters.append(f"type = {kind}")
    return client.post(f"/indexes/{index_uid()}/search", {
        "q": q, "page": page, "hitsPerPage": per_page, "filter": filters,
        "attributesToRetrieve": ["id", "type"],
    })


register_source(SOURCE, Source(prepare=prepare, documents=public_documents))

