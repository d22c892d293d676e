"""Request arguments -> a validated search query -> Meilisearch search parameters."""
import re
from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l

from exchange import taxonomy
from exchange.core.messages import lazy_message
from exchange.errors import DomainError
from exchange.listings.rules import MAX_VND
from exchange.search.names import query_words
from exchange.timeutil import utcnow

PER_PAGE = 20
MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_QUERY_LENGTH = 200
MAX_PRICE = MAX_VND  # no listing carries more (listings.rules); the API documents it
MAX_VALUES = 20
MAX_ID = 2**31 - 1  # ids are 32-bit columns on PostgreSQL
SORTS = {
    "relevance": [],
    "newest": ["published_at:desc"],
    "price_asc": ["price:asc"],
    "price_desc": ["price:desc"],
}
# request parameter -> (index attribute, allowed values)
FACETS = {
    "kind": ("kind", lambda: taxonomy.codes(taxonomy.KINDS)),
    "category": ("category", lambda: taxonomy.codes(taxonomy.CATEGORIES)),
    "sector": ("sector", lambda: taxonomy.codes(taxonomy.SECTORS)),
    "province": ("province", lambda: taxonomy.codes(taxonomy.PROVINCES)),
    "trl": ("trl", lambda: tuple(str(level) for level, _vi, _en in taxonomy.TRL_LEVELS)),
    "transfer_mode": ("transfer_modes", lambda: taxonomy.codes(taxonomy.TRANSFER_MODES)),
}
TERMS = {
    "kind": taxonomy.KINDS, "category": taxonomy.CATEGORIES, "sector": taxonomy.SECTORS,
    "province": taxonomy.PROVINCES, "transfer_mode": taxonomy.TRANSFER_MODES,
}
# what the API highlights when `attributes_to_highlight` is not given (both are cheap: short
# fields); facets are counted only when asked for, they were most of a search's cost
HIGHLIGHTABLE = ("title", "summary")
DEFAULT_HIGHLIGHT = HIGHLIGHTABLE
HIGHLIGHT_PRE = "\ue000"
HIGHLIGHT_POST = "\ue001"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ue000\ue001]")
_SPACE = re.compile(r"\s+")


# `verified`: only listings of businesses the staff verified (a checkbox sends "1")
VERIFIED_VALUES = {"": False, "0": False, "false": False, "1": True, "true": True, "on": True}


class QueryError(DomainError):
    """A search parameter that cannot be used; the message names it."""

    def __init__(self, param: str, message):
        super().__init__(message, code="invalid_parameter")
        self.param = param


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    selected: dict[str, tuple[str, ...]] = field(default_factory=dict)
    price_min: int | None = None
    price_max: int | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = PER_PAGE
    business_id: int | None = None
    featured_only: bool = False
    verified_only: bool = False
    # output only, never part of a saved search's arguments: facets to count, fields to mark
    facets: tuple[str, ...] = ()
    highlight: tuple[str, ...] = DEFAULT_HIGHLIGHT

    @property
    def has_filters(self) -> bool:
        return bool(any(self.selected.values()) or self.price_min is not None
                    or self.price_max is not None or self.verified_only)

    def to_args(self, **changes) -> dict:
        """Query-string arguments for this query (page reset unless given)."""
        query = replace(self, **changes) if changes else self
        args: dict = {}
        if query.q:
            args["q"] = query.q
        for param, values in query.selected.items():
            if values:
                args[param] = list(values)
        if query.price_min is not None:
            args["price_min"] = query.price_min
        if query.price_max is not None:
            args["price_max"] = query.price_max
        if query.sort != "relevance":
            args["sort"] = query.sort
        if query.page != 1:
            args["page"] = query.page
        if query.per_page != PER_PAGE:
            args["per_page"] = query.per_page
        if query.verified_only:
            args["verified"] = 1
        return args

    def toggled(self, param: str, value: str) -> dict:
        values = self.selected.get(param, ())
        values = tuple(v for v in values if v != value) if value in values else values + (value,)
        return self.to_args(selected={**self.selected, param: values}, page=1)

    def without_filters(self) -> dict:
        return self.to_args(selected={}, price_min=None, price_max=None, verified_only=False,
                            page=1)


def _clean_text(param: str, value: str, limit: int) -> str:
    if len(value) > limit:
        raise QueryError(param, lazy_message(
            _l("The search text is too long (at most %(n)d characters)."), n=limit))
    if _CONTROL.search(value):
        raise QueryError(param, _l("The search contains characters that cannot be searched."))
    return _SPACE.sub(" ", value).strip()


def _int(param: str, value: str, low: int, high: int) -> int:
    value = value.strip()
    if not re.fullmatch(r"\d{1,16}", value):
        raise QueryError(param, lazy_message(_l("“%(param)s” must be a whole number."),
                                             param=param))
    number = int(value)
    if not low <= number <= high:
        raise QueryError(param, lazy_message(
            _l("“%(param)s” must be between %(low)d and %(high)d."),
            param=param, low=low, high=high))
    return number


def _facet_values(param: str, raw: list[str]) -> tuple[str, ...]:
    allowed = FACETS[param][1]()
    values: list[str] = []
    for value in raw:
        value = value.strip()
        if not value:
            continue
        if value not in allowed and param in TERMS:
            term = taxonomy.resolve(TERMS[param], value)
            value = term.code if term is not None else value
        if value not in allowed:
            raise QueryError(param, lazy_message(_l("Unknown value for “%(param)s”."), param=param))
        if value not in values:
            values.append(value)
    if len(values) > MAX_VALUES:
        raise QueryError(param, lazy_message(_l("Too many values for “%(param)s”."), param=param))
    return tuple(values)


def _names(param: str, raw: list[str], allowed) -> tuple[str, ...]:
    """A comma list (or repeated parameter) of names, each one of `allowed`."""
    names: list[str] = []
    for value in raw:
        for name in value.split(","):
            name = name.strip()
            if not name:
                continue
            if name not in allowed:
                raise QueryError(param, lazy_message(_l("Unknown value for “%(param)s”."),
                                                     param=param))
            if name not in names:
                names.append(name)
    return tuple(names)


def parse_output(args) -> dict:
    """The API's `facets=` and `attributes_to_highlight=` as SearchQuery fields."""
    output = {"facets": _names("facets", args.getlist("facets"), FACETS)}
    if "attributes_to_highlight" in args:
        output["highlight"] = _names("attributes_to_highlight",
                                     args.getlist("attributes_to_highlight"), HIGHLIGHTABLE)
    return output


def parse_query(args, *, allow_per_page: bool = False) -> SearchQuery:
    """Validate request arguments (a MultiDict); raise QueryError for anything unusable."""
    for name in args:
        for value in args.getlist(name):
            if len(value) > 10 * MAX_QUERY_LENGTH and name != "q":
                raise QueryError(name, lazy_message(_l("“%(param)s” is too long."), param=name))
    q = _clean_text("q", args.get("q", ""), MAX_QUERY_LENGTH)
    selected = {param: _facet_values(param, args.getlist(param)) for param in FACETS}
    selected = {param: values for param, values in selected.items() if values}
    price_min = price_max = None
    if args.get("price_min", "").strip():
        price_min = _int("price_min", args["price_min"], 0, MAX_PRICE)
    if args.get("price_max", "").strip():
        price_max = _int("price_max", args["price_max"], 0, MAX_PRICE)
    if price_min is not None and price_max is not None and price_min > price_max:
        raise QueryError("price_min", _l("The minimum price is above the maximum price."))
    sort = args.get("sort", "").strip() or "relevance"
    if sort not in SORTS:
        raise QueryError("sort", _l("Unknown sort order."))
    page = _int("page", args["page"], 1, MAX_PAGE) if args.get("page", "").strip() else 1
    per_page = PER_PAGE
    if allow_per_page and args.get("per_page", "").strip():
        per_page = _int("per_page", args["per_page"], 1, MAX_PER_PAGE)
    business_id = None
    if args.get("business", "").strip():
        business_id = _int("business", args["business"], 1, MAX_ID)
    verified = args.get("verified", "").strip().lower()
    if verified not in VERIFIED_VALUES:
        raise QueryError("verified", _l("“verified” must be 1 or 0."))
    return SearchQuery(q=q, selected=selected, price_min=price_min, price_max=price_max,
                       sort=sort, page=page, per_page=per_page, business_id=business_id,
                       verified_only=VERIFIED_VALUES[verified])


def quote(value) -> str:
    """A Meilisearch filter string literal: backslashes and double quotes escaped."""
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def published_restriction(now=None) -> list[str]:
    now = now or utcnow()
    return ['status = "published"', f"expires_at > {int(now.timestamp())}"]


def build_filter(query: SearchQuery, exclude: str | None = None, now=None,
                 hidden_ids=()) -> list:
    """Meilisearch filter (AND of the items, OR inside nested lists), every value quoted."""
    expression: list = published_restriction(now)
    if hidden_ids:
        expression.append(f"id NOT IN [{', '.join(str(int(i)) for i in hidden_ids)}]")
    for param, values in query.selected.items():
        if param == exclude or not values:
            continue
        attribute = FACETS[param][0]
        expression.append([f"{attribute} = {quote(value)}" for value in values])
    if query.price_min is not None:
        expression.append(f"price >= {int(query.price_min)}")
    if query.price_max is not None:
        expression.append(f"price <= {int(query.price_max)}")
    if query.business_id is not None:
        # a business's anonymous listings are not found through its name or number
        expression.append(f"business_id = {int(query.business_id)}")
        expression.append("anonymous != true")
    if query.verified_only:
        expression.append("business_verified = true")
    if query.featured_only:
        expression.append("featured = true")
        expression.append(f"featured_until > {int((now or utcnow()).timestamp())}")
    return expression


# what a hit shows (results.hit_from_document): descriptions, up to 5,000 characters each,
# are searched but never shown in a list, so Meilisearch need not send them
HIT_ATTRIBUTES = [
    "id", "kind", "title", "summary", "category", "sector", "province", "trl", "transfer_modes",
    "price", "price_vnd", "budget_min_vnd", "budget_max_vnd", "price_negotiable", "quantity",
    "unit", "business_id", "business_name", "image", "published_at", "featured",
    "featured_until", "anonymous", "business_verified",
]


def search_requests(query: SearchQuery, index_uid: str, now=None, hidden_ids=()) -> list[dict]:
    """The multi-search payload: the main search, then one count-only search per facet with
    a selection, without that facet's own filter, so its other values keep their counts."""
    main = {
        "indexUid": index_uid,
        "q": query_words(query.q),
        "filter": build_filter(query, now=now, hidden_ids=hidden_ids),
        "page": query.page,
        "hitsPerPage": query.per_page,
        "attributesToRetrieve": HIT_ATTRIBUTES,
    }
    if query.facets:
        main["facets"] = [FACETS[param][0] for param in query.facets]
    if query.q and query.highlight:
        main.update(attributesToHighlight=list(query.highlight),
                    highlightPreTag=HIGHLIGHT_PRE, highlightPostTag=HIGHLIGHT_POST)
    if SORTS[query.sort]:
        main["sort"] = SORTS[query.sort]
    searches = [main]
    for param, values in query.selected.items():
        if values and param in query.facets:
            searches.append({
                "indexUid": index_uid,
                "q": query_words(query.q),
                "filter": build_filter(query, exclude=param, now=now, hidden_ids=hidden_ids),
                "facets": [FACETS[param][0]],
                "page": 1,
                "hitsPerPage": 0,
            })
    return searches
