"""The /search page and category pages, both read from the index."""
from dataclasses import replace

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from exchange import taxonomy
from exchange.core.pagecache import note_shown, public_page, share_with_members
from exchange.core.urls import site_url
from exchange.search import listeners
from exchange.search.feeds import atom_feed, feed_query
from exchange.search.query import (FACETS, MAX_QUERY_LENGTH, SORTS, QueryError, SearchQuery,
                                   _clean_text, parse_query)
from exchange.search.results import run_search
from exchange.search.spelling import did_you_mean
from exchange.search.suggest import suggest_titles
from exchange.search.tabs import TABS

bp = Blueprint("search", __name__)
bp.record_once(listeners.connect)  # index jobs, the drain step, the page cache's state


def _render(query_args, heading=None, category=None):
    error = None
    try:
        # the page shows every facet and marks matches in titles and summaries
        query = replace(parse_query(query_args), facets=tuple(FACETS),
                        highlight=("title", "summary"))
    except QueryError as exc:
        error, query = exc.message, SearchQuery()
        result = None
    else:
        result = run_search(query)
        note_shown("impressions", [hit["id"] for hit in result.hits])
    respelled = None
    if result is not None and query.q and not result.total and not result.limited:
        respelled = did_you_mean(query)
    template = "search/_body.html" if request.headers.get("HX-Request") else "search/index.html"
    share_with_members()  # the results are everyone's; "save this search" is a panel
    context = {
        "query": query, "result": result, "error": error, "heading": heading,
        "category": category, "facet_params": list(FACETS), "sorts": list(SORTS),
        "did_you_mean": respelled,
        "search_tabs": list(TABS.values()),
    }
    return render_template(template, **context), 400 if error else 200


@bp.route("/search")
@public_page
def search():
    tab = TABS.get(request.args.get("tab", ""))
    if tab is not None:
        return tab.view()
    return _render(request.args)


def page_query() -> SearchQuery | None:
    """The search the current /search or category page shows (None: not a valid one)."""
    args = MultiDict(request.args)
    code = (request.view_args or {}).get("code")
    if code:
        args.setlist("category", [code])
    try:
        return parse_query(args)
    except QueryError:
        return None


@bp.route("/categories/<code>")
@public_page
def category(code):
    term = taxonomy.by_code(taxonomy.CATEGORIES, code)
    if term is None:
        abort(404)
    args = MultiDict(request.args)
    args.setlist("category", [code])
    return _render(args, heading=term.label(), category=code)


@bp.route("/search/suggest")
@public_page
def suggest():
    """The options of a search box's suggestion list (an htmx fragment)."""
    try:
        q = _clean_text("q", request.args.get("q", ""), MAX_QUERY_LENGTH)
    except QueryError:
        return "", 400
    # the box's name keeps option ids unique when a page has two boxes
    box = request.args.get("box", "")
    box = box if box in ("header", "home") else "box"
    return render_template("search/_suggest.html", suggestions=suggest_titles(q), q=q,
                           box=box)


def _feed(query_args, title, page_endpoint, feed_endpoint, **values):
    try:
        query = parse_query(query_args)
    except QueryError as exc:
        return Response(str(exc.message), status=400, mimetype="text/plain")
    # the feed's own address: the parameters asked for, without what the path already says
    args = {key: value for key, value in query.to_args().items()
            if key != "page" and not (key == "category" and "code" in values)}
    result = run_search(feed_query(query, explicit_sort=bool(query_args.get("sort"))))
    body = atom_feed(title, site_url(feed_endpoint, **values, **args),
                     site_url(page_endpoint, **values, **args), result.hits)
    return Response(body, mimetype="application/atom+xml")


@bp.route("/search.atom")
@public_page
def search_feed():
    text = request.args.get("q", "").strip()[:200]
    # plain text for XML (ElementTree escapes it), so the value stays outside the message
    title = f"{_('Search')}: {text}" if text else _("Latest listings")
    return _feed(request.args, title, "search.search", "search.search_feed")


@bp.route("/categories/<code>/feed.atom")
@public_page
def category_feed(code):
    term = taxonomy.by_code(taxonomy.CATEGORIES, code)
    if term is None:
        abort(404)
    args = MultiDict(request.args)
    args.setlist("category", [code])
    return _feed(args, term.label(), "search.category", "search.category_feed", code=code)
