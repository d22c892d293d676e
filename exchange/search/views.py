"""The /search page and category pages, both read from the index."""
from flask import Blueprint, abort, render_template, request
from werkzeug.datastructures import MultiDict

from exchange import taxonomy
from exchange.core.pagecache import public_page
from exchange.search.query import FACETS, SORTS, QueryError, SearchQuery, parse_query
from exchange.search.results import run_search
from exchange.search.tabs import TABS

bp = Blueprint("search", __name__)


def _render(query_args, heading=None, category=None):
    error = None
    try:
        query = parse_query(query_args)
    except QueryError as exc:
        error, query = exc.message, SearchQuery()
        result = None
    else:
        result = run_search(query)
    template = "search/_body.html" if request.headers.get("HX-Request") else "search/index.html"
    context = {
        "query": query, "result": result, "error": error, "heading": heading,
        "category": category, "facet_params": list(FACETS), "sorts": list(SORTS),
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


@bp.route("/categories/<code>")
@public_page
def category(code):
    term = taxonomy.by_code(taxonomy.CATEGORIES, code)
    if term is None:
        abort(404)
    args = MultiDict(request.args)
    args.setlist("category", [code])
    return _render(args, heading=term.label(), category=code)
