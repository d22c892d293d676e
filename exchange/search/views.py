"""The /search page and category pages, both read from the index."""
from dataclasses import replace

from flask import Blueprint, abort, render_template, request
from werkzeug.datastructures import MultiDict

from exchange import taxonomy
from exchange.core.pagecache import note_shown, public_page
from exchange.search.query import (FACETS, MAX_QUERY_LENGTH, SORTS, QueryError, SearchQuery,
                                   _clean_text, parse_query)
from exchange.search.results import run_search
from exchange.search.spelling import did_you_mean
from exchange.search.suggest import suggest_titles

bp = Blueprint("search", __name__)


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
    context = {
        "query": query, "result": result, "error": error, "heading": heading,
        "category": category, "facet_params": list(FACETS), "sorts": list(SORTS),
        "did_you_mean": respelled,
    }
    return render_template(template, **context), 400 if error else 200


@bp.route("/search")
@public_page
def search():
    return _render(request.args)


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
