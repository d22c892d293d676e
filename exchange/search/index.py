"""Meilisearch client: index settings, the search-only key, document writes and swaps."""
import hashlib
import hmac
import json as jsonlib
import threading
import time
import uuid
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlencode, urlsplit

import orjson
from flask import current_app

from exchange import taxonomy
from exchange.search import glossary

# the listing's own text first; then where it is (current and former province names); the
# business only through the distinctive part of its name (search/names.py)
SEARCHABLE = ["title", "keywords", "summary", "description", "province_names",
              "business_distinctive"]
FILTERABLE = [
    "id", "kind", "category", "sector", "province", "price", "trl", "transfer_modes", "featured",
    "featured_until", "business_id", "business_verified", "published_at", "expires_at",
    "status", "anonymous",
]
SORTABLE = ["published_at", "price"]
# featured listings go on top of the results that match every word
RANKING_RULES = [
    "words", "featured:desc", "typo", "proximity", "attribute", "sort", "exactness",
    # then the newest; a bulk import gives a whole batch one timestamp, and there the
    # order of its file decides (the id), so equal answers never come out at random. A
    # shorter-title-first rule before recency ranked known items and queries without
    # diacritics worse on the relevance bench's tuning half (docs/benchmarks.md): left out
    "published_at:desc", "id:asc",
]
# Vietnamese words are short: with one typo allowed from 4 letters, `tien` matched viên,
# điện, tiền… across the catalogue. Codes and numbers (QCVN 11, 5 trục) are meant exactly.
TYPO_TOLERANCE = {
    "enabled": True,
    "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
    "disableOnNumbers": True,
}
# offsets up to MAX_PAGE * per_page must be reachable and counted exactly
MAX_TOTAL_HITS = 100_000
KEY_NAMESPACE = uuid.UUID("5b1f3c52-0c3e-4d0e-9a55-3f6c1e0b9a11")

_ready: set[tuple[str, str]] = set()
_ready_lock = threading.Lock()


class SearchUnavailable(Exception):
    """Meilisearch could not be reached, timed out or refused the request."""


def settings() -> dict:
    return {
        "searchableAttributes": SEARCHABLE,
        "filterableAttributes": FILTERABLE,
        "sortableAttributes": SORTABLE,
        "rankingRules": RANKING_RULES,
        "displayedAttributes": ["*"],
        "typoTolerance": TYPO_TOLERANCE,
        "synonyms": glossary.synonyms(taxonomy.province_synonyms()),
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "faceting": {"maxValuesPerFacet": 100},
    }


def index_name(suffix: str = "") -> str:
    return current_app.config["MEILI_INDEX_PREFIX"] + "listings" + suffix


class Meili:
    """A thin client over Meilisearch's HTTP API with bounded timeouts.

    Each call opens its own connection: Meilisearch writes a response in several segments,
    and on a kept-alive connection its Nagle algorithm meets the client's delayed ACK, so
    most searches stalled ~40 ms. A fresh loopback connection costs ~0.1 ms and never stalls;
    plain http.client also keeps the app's own overhead per search small.
    """

    def __init__(self, url: str, key: str | None, timeout: float):
        self.url = url.rstrip("/")
        parts = urlsplit(self.url)
        self._connection = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        self._host = parts.hostname or "127.0.0.1"
        self._port = parts.port
        self._base = parts.path.rstrip("/")
        self.key = key or None
        self.timeout = timeout
        self.headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        self.headers["Connection"] = "close"

    def request(self, method: str, path: str, json=None, params=None, timeout=None) -> dict:
        target = self._base + path + (f"?{urlencode(params)}" if params else "")
        headers = dict(self.headers)
        body = None
        if json is not None:
            body = orjson.dumps(json)
            headers["Content-Type"] = "application/json"
        connection = self._connection(self._host, self._port, timeout=timeout or self.timeout)
        try:
            connection.request(method, target, body=body, headers=headers)
            response = connection.getresponse()
            data = response.read()
        except (OSError, HTTPException) as exc:  # refused, reset, timed out, garbled
            raise SearchUnavailable(f"{method} {path}: {exc.__class__.__name__}") from exc
        finally:
            connection.close()
        if response.status >= 400:
            raise MeiliError(response.status, data)
        return orjson.loads(data) if data else {}

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def wait_for_task(self, uid: int, timeout: float = 30.0, interval: float = 0.01) -> dict:
        """Block until a task has finished (or `timeout` seconds have passed)."""
        deadline = time.monotonic() + timeout
        while True:
            task = self.get(f"/tasks/{uid}")
            if task["status"] in ("succeeded", "failed", "canceled"):
                return task
            if time.monotonic() > deadline:
                raise SearchUnavailable(f"task {uid} still {task['status']} after {timeout}s")
            time.sleep(interval)
            interval = min(interval * 2, 0.25)


class MeiliError(SearchUnavailable):
    """Meilisearch answered with an error status."""

    def __init__(self, status: int, data: bytes):
        try:
            body = jsonlib.loads(data)
        except ValueError:
            body = {"message": data[:200].decode(errors="replace")}
        self.status = status
        self.code = body.get("code", "")
        super().__init__(f"{self.status} {self.code}: {body.get('message', '')}")


def admin_client() -> Meili:
    """Client with the master key: index writes and settings, server-side only."""
    cfg = current_app.config
    return Meili(cfg["MEILI_URL"], cfg["MEILI_MASTER_KEY"], cfg["MEILI_TIMEOUT"])


def search_key_uid() -> str:
    return str(uuid.uuid5(KEY_NAMESPACE, index_name()))


def search_key() -> str | None:
    """The search-only key; Meilisearch derives a key's value as HMAC-SHA256(uid, master)."""
    master = current_app.config["MEILI_MASTER_KEY"]
    if not master:
        return None
    return hmac.new(master.encode(), search_key_uid().encode(), hashlib.sha256).hexdigest()


def search_client(background: bool = False) -> Meili:
    """Client holding only a key that can search the listings index. Pages use the short
    MEILI_TIMEOUT; `background` work (matching, alerts), whose multi-searches carry hundreds
    of queries, waits up to MEILI_BATCH_TIMEOUT."""
    ensure_ready()
    cfg = current_app.config
    timeout = cfg["MEILI_BATCH_TIMEOUT"] if background else cfg["MEILI_TIMEOUT"]
    return Meili(cfg["MEILI_URL"], search_key(), timeout)


def ensure_ready() -> None:
    """Create the index, its settings and the search key once per process (idempotent)."""
    marker = (current_app.config["MEILI_URL"], index_name())
    if marker in _ready:
        return
    with _ready_lock:
        if marker in _ready:
            return
        client = admin_client()
        apply_settings(client, index_name(), wait=None)
        _ensure_search_key(client)
        _ready.add(marker)


def forget_ready() -> None:
    """Make the next use re-check the index (after it was deleted or swapped)."""
    _ready.clear()


def apply_settings(client: Meili, uid: str, wait: float | None = 30.0) -> None:
    """Create `uid` if needed and bring its settings to what the code says.

    With `wait=None` a settings change on an existing index is only enqueued: on a large
    index Meilisearch re-indexes for minutes, and searches keep working meanwhile. A new,
    empty index always waits, so the first search already has its filters.
    """
    try:
        current = client.get(f"/indexes/{uid}/settings")
    except MeiliError as exc:
        if exc.code != "index_not_found":
            raise
        task = client.post("/indexes", {"uid": uid, "primaryKey": "id"})
        client.wait_for_task(task["taskUid"], timeout=wait or 30.0)
        current = client.get(f"/indexes/{uid}/settings")
        wait = wait or 30.0
    wanted = settings()
    if any(_differs(name, current.get(name), value) for name, value in wanted.items()):
        task = client.patch(f"/indexes/{uid}/settings", wanted)
        if wait is None:
            return
        result = client.wait_for_task(task["taskUid"], timeout=wait)
        if result["status"] != "succeeded":
            raise SearchUnavailable(f"settings task failed: {result.get('error')}")


def _differs(name: str, current, wanted) -> bool:
    if name in ("filterableAttributes", "sortableAttributes"):
        return sorted(map(str, current or [])) != sorted(map(str, wanted))
    if name == "synonyms":
        return {k: sorted(v) for k, v in (current or {}).items()} != \
            {k: sorted(v) for k, v in wanted.items()}
    if isinstance(wanted, dict):
        current = current or {}
        return any(_differs(key, current.get(key), value) for key, value in wanted.items())
    return current != wanted


def _ensure_search_key(client: Meili) -> None:
    if not current_app.config["MEILI_MASTER_KEY"]:
        return
    try:
        client.post("/keys", {
            "uid": search_key_uid(),
            "name": f"search {index_name()}",
            "description": "search-only key used by the web app",
            "actions": ["search"],
            "indexes": [index_name()],
            "expiresAt": None,
        })
    except MeiliError as exc:
        if exc.code != "api_key_already_exists":
            raise


def upsert_documents(client: Meili, documents: list[dict], uid: str | None = None) -> int:
    task = client.post(f"/indexes/{uid or index_name()}/documents", documents,
                       params={"primaryKey": "id"})
    return task["taskUid"]


def delete_documents(client: Meili, ids: list[int], uid: str | None = None) -> int:
    task = client.post(f"/indexes/{uid or index_name()}/documents/delete-batch", ids)
    return task["taskUid"]


def search_health() -> bool:
    # the lean client: load balancers call /healthz often, and a requests Session per
    # call cost ~2 ms of CPU
    cfg = current_app.config
    try:
        Meili(cfg["MEILI_URL"], None, min(1.0, cfg["MEILI_TIMEOUT"])).get("/health")
    except SearchUnavailable:
        return False
    return True
