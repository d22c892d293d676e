"""Helpers shared by the feature tests: one definition each, imported where needed."""
import re
import threading
import time
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event
from werkzeug.serving import WSGIRequestHandler, make_server

from exchange import timeutil
from exchange.extensions import db
from exchange.search.outbox import sync
from tests.services import free_port


def extract_csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html)
    assert match, "no csrf_token in the page"
    return match.group(1)


@contextmanager
def counted_statements():
    """The SQL statements the app's engine runs inside the block, in order."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def altered_signature(token: str) -> str:
    """`token` (itsdangerous: payload.signature) with its signature's first character
    changed: every bit of that one counts, while the last character's low bits are base64
    padding, so changing it may leave the signature valid."""
    payload, signature = token.rsplit(".", 1)
    return payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]


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


BODY = "tests.served_body"  # environ: the body the app returned, closed exactly once


class _Body:
    """The app's answer, closed once: by the server when it has sent it, or by the handler
    below when the client dropped the connection first."""

    def __init__(self, body, done):
        self.body = body
        self.done = done
        self.closed = False

    def __iter__(self):
        return iter(self.body)

    def close(self):
        if self.closed:
            return
        self.closed = True
        try:
            if hasattr(self.body, "close"):
                self.body.close()  # runs what the answer does once sent: the drain
        finally:
            self.done()


class _InFlight:
    """Counts the requests a served app has not finished, until their body is closed: the
    drain an answer starts when it is closed belongs to the test that sent the request."""

    def __init__(self, app):
        self.app = app
        self.paths = []
        self.changed = threading.Condition()

    def _done(self, path):
        with self.changed:
            self.paths.remove(path)
            self.changed.notify_all()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO")
        with self.changed:
            self.paths.append(path)
        try:
            body = self.app(environ, start_response)
        except BaseException:
            self._done(path)
            raise
        environ[BODY] = _Body(body, lambda: self._done(path))
        return environ[BODY]

    def wait(self, timeout):
        with self.changed:
            return self.changed.wait_for(lambda: not self.paths, timeout)


class _Handler(WSGIRequestHandler):
    """Werkzeug's handler skips the body's close() when the client drops the connection
    after reading the answer (a browser leaving for a redirect's target): a gunicorn worker
    closes it in any case, and so does this one."""

    def connection_dropped(self, error, environ=None):
        body = (environ or {}).get(BODY)
        if body is not None:
            body.close()


@contextmanager
def serve(app, port=None):
    """The app on loopback in a threaded server, as gunicorn's threads would serve it. On
    the way out it waits for the answers still being sent (and the drains they start), so
    none of them runs into the next test's database."""
    port = port or free_port()
    in_flight = _InFlight(app)
    server = make_server("127.0.0.1", port, in_flight, threaded=True, request_handler=_Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(5)
        assert in_flight.wait(60), f"answers of the served app did not finish: {in_flight.paths}"
