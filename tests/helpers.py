"""Helpers shared by the feature tests: one definition each, imported where needed."""
import re
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from werkzeug.serving import make_server

from exchange import timeutil
from exchange.search.outbox import sync
from tests.services import free_port


def extract_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)


def settle(meili):
    """Push what is pending to Meilisearch and wait until it has applied every task."""
    # bounded, not a stopwatch: Meilisearch on a loaded, shared machine can take its time
    left = sync(timeout=30)
    assert not any(left.values()), left
    meili.wait_idle()


def api_ids(client, **params) -> list[int]:
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [hit["id"] for hit in response.get_json()["hits"]]


def index_ids(meili, app) -> set[int]:
    """Ids of the documents Meilisearch holds in the app's listings index."""
    uid = app.config["MEILI_INDEX_PREFIX"] + "listings"
    response = meili.request("GET", f"/indexes/{uid}/documents",
                             params={"limit": 10_000, "fields": "id"})
    if response.status_code == 404:
        return set()
    return {doc["id"] for doc in response.json()["results"]}


def eventually(check, timeout=10.0, interval=0.05, what="the condition"):
    """Bounded polling: call `check` until it returns something true; fail after `timeout`.
    The bound is there so a broken promise fails the test instead of hanging it — it is
    not a measure of speed (that belongs to bench/)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not hold within {timeout} s")
        time.sleep(interval)


class Clock:
    """The clock utcnow() reads, moved forward by the test instead of sleeping."""

    def __init__(self, monkeypatch):
        self.offset = timedelta(0)
        monkeypatch.setattr(timeutil, "clock", lambda: timeutil.system_clock() + self.offset)

    def advance(self, **delta):
        self.offset += timedelta(**delta)


@contextmanager
def serve(app, port=None):
    """The app on loopback in a threaded server, as gunicorn's threads would serve it."""
    port = port or free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(5)
