"""Responses of public pages kept for anonymous visitors.

A page is served from the cache only to a visitor who is not signed in and has no message
waiting, and only while the public content is the same generation it was rendered in (see
`exchange.search.freshness`) and no job is still in flight; entries also expire after
PAGE_CACHE_SECONDS, which bounds what the generation does not track (the clock passing a
listing's expiry or a featuring's end, business counts). Responses that set a cookie, are
not 200, or are large are never kept. PAGE_CACHE_SECONDS = 0 turns the cache off.

The entries are files under PAGE_CACHE_DIR, shared by the workers of one instance, so a
page is rendered once per instance rather than once per worker.
"""
import functools

from cachelib import FileSystemCache
from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user

from exchange.search import freshness

MAX_BODY = 512 * 1024


def _store(app) -> FileSystemCache:
    store = app.extensions.get("page_cache")
    if store is None:
        store = app.extensions["page_cache"] = FileSystemCache(
            app.config["PAGE_CACHE_DIR"], threshold=app.config["PAGE_CACHE_ENTRIES"],
            default_timeout=app.config["PAGE_CACHE_SECONDS"])
    return store


def _cacheable_request() -> bool:
    return (request.method == "GET" and not current_user.is_authenticated
            and "_flashes" not in session)


def _key(generation) -> str:
    return repr((request.host, request.full_path, str(get_locale()),
                 bool(request.headers.get("HX-Request")), generation))


def _keepable(response) -> bool:
    return (response.status_code == 200 and not response.direct_passthrough
            and not response.is_streamed and "Set-Cookie" not in response.headers
            and not session.modified and not g.get("page_not_cacheable")
            and (response.content_length or 0) <= MAX_BODY)


def do_not_keep() -> None:
    """Keep this request's response out of the cache (say, a degraded answer)."""
    g.page_not_cacheable = True


def public_page(view):
    """Cache the view's response for anonymous visitors (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        app = current_app._get_current_object()
        if not app.config["PAGE_CACHE_SECONDS"] or not _cacheable_request():
            return view(*args, **kwargs)
        state = freshness.current()
        if not state.settled:
            return view(*args, **kwargs)
        store, key = _store(app), _key(state.generation)
        kept = store.get(key)
        if kept is not None:
            body, status, headers = kept
            return app.response_class(body, status=status, headers=headers)
        response = app.make_response(view(*args, **kwargs))
        if _keepable(response):
            headers = [(name, value) for name, value in response.headers.items()
                       if name.lower() not in ("set-cookie", "content-length")]
            store.set(key, (response.get_data(), response.status_code, headers))
        return response

    return wrapper
