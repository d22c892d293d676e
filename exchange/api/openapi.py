"""The OpenAPI 3.1 document of /api/v1; tests validate every response against it."""
from exchange import taxonomy
from exchange.search.query import (_CONTROL, DEFAULT_HIGHLIGHT, FACETS, HIGHLIGHTABLE, MAX_ID,
                                   MAX_PAGE, MAX_PER_PAGE, MAX_QUERY_LENGTH, MAX_PRICE,
                                   MAX_VALUES, PER_PAGE, SORTS)

NULLABLE_INT = {"type": ["integer", "null"]}


def _enum(terms) -> dict:
    return {"type": "string", "enum": list(taxonomy.codes(terms))}


def _array_param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "style": "form", "explode": True,
            "schema": {"type": "array", "items": schema, "maxItems": MAX_VALUES}}


def _hit_properties() -> dict:
    return {
        "id": {"type": "integer"},
        "url": {"type": "string"},
        "kind": _enum(taxonomy.KINDS),
        "title": {"type": "string"},
        "summary": {"type": "string"},
        "highlight": {
            "type": "object",
            "description": "HTML-escaped title and summary with matches wrapped in <mark>.",
            "properties": {"title": {"type": "string"}, "summary": {"type": "string"}},
            "required": ["title", "summary"],
        },
        "category": _enum(taxonomy.CATEGORIES),
        "sector": _enum(taxonomy.SECTORS),
        "province": _enum(taxonomy.PROVINCES),
        "trl": {"type": ["integer", "null"], "minimum": 1, "maximum": 9},
        "transfer_modes": {"type": "array", "items": _enum(taxonomy.TRANSFER_MODES)},
        "price": NULLABLE_INT,
        "price_vnd": NULLABLE_INT,
        "budget_min_vnd": NULLABLE_INT,
        "budget_max_vnd": NULLABLE_INT,
        "price_negotiable": {"type": "boolean"},
        "quantity": NULLABLE_INT,
        "unit": {"type": ["string", "null"]},
        "business_id": {"type": ["integer", "null"],
                        "description": "null for a listing published anonymously"},
        "business_name": {"type": "string",
                          "description": "empty for a listing published anonymously"},
        "anonymous": {"type": "boolean",
                      "description": "published anonymously: the publisher is not named"},
        "business_verified": {"type": "boolean"},
        "image": {"type": ["string", "null"], "description": "SHA-256 of the first image"},
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "featured": {"type": "boolean"},
    }


def openapi_document() -> dict:
    hit = {"type": "object", "properties": _hit_properties(),
           "required": list(_hit_properties()), "additionalProperties": False}
    listing_properties = {
        **_hit_properties(),
        "description": {"type": "string",
                        "description": "Markdown source; empty when the owner keeps it "
                                       "confidential"},
        "keywords": {"type": "array", "items": {"type": "string"}},
        "ip_status": _enum(taxonomy.IP_STATUSES),
        "expires_at": {"type": "string", "format": "date-time"},
    }
    facet_values = {"type": "array", "items": {
        "type": "object", "required": ["value", "count"], "additionalProperties": False,
        "properties": {"value": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
    }}
    error = {"description": "Error", "content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/Error"}}}}
    search_params = [
        {"name": "q", "in": "query", "required": False,
         # control characters (and the private-use highlight markers) are refused with 400
         "schema": {"type": "string", "maxLength": MAX_QUERY_LENGTH,
                    "pattern": f"^[^{_CONTROL.pattern[1:-1]}]*$"},
         "description": "Words to search for; diacritics are optional."},
        _array_param("kind", _enum(taxonomy.KINDS), "Offers and/or requests."),
        _array_param("category", _enum(taxonomy.CATEGORIES), "Category codes."),
        _array_param("sector", _enum(taxonomy.SECTORS), "Sector codes."),
        _array_param("province", _enum(taxonomy.PROVINCES), "Province codes (current, 2025)."),
        _array_param("trl", {"type": "integer", "minimum": 1, "maximum": 9},
                     "Technology readiness levels."),
        _array_param("transfer_mode", _enum(taxonomy.TRANSFER_MODES), "Transfer modes."),
        {"name": "price_min", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_PRICE},
         "description": "Lowest price in VND."},
        {"name": "price_max", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 0, "maximum": MAX_PRICE},
         "description": "Highest price in VND; not below price_min."},
        {"name": "sort", "in": "query", "required": False,
         "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"}},
        {"name": "page", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1}},
        {"name": "per_page", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE,
                    "default": PER_PAGE}},
        {"name": "business", "in": "query", "required": False,
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
         "description": "Only this business."},
        {"name": "verified", "in": "query", "required": False,
         "schema": {"type": "string", "enum": ["0", "1", "true", "false", "on"]},
         "description": "1: only listings of businesses verified by the exchange staff."},
        {"name": "facets", "in": "query", "required": False, "style": "form",
         "explode": False,
         "schema": {"type": "array", "items": {"type": "string", "enum": list(FACETS)},
                    "uniqueItems": True, "default": []},
         "description": "Comma-separated facets to count, e.g. `kind,province`; by default "
                        "none is counted and `facets` is an empty object."},
        {"name": "attributes_to_highlight", "in": "query", "required": False,
         "style": "form", "explode": False,
         "schema": {"type": "array", "items": {"type": "string", "enum": list(HIGHLIGHTABLE)},
                    "uniqueItems": True, "default": list(DEFAULT_HIGHLIGHT)},
         "description": "Comma-separated fields whose matches are wrapped in <mark> in "
                        "`highlight`; empty for none (the fields are then plain escaped "
                        "text)."},
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Technology & Equipment Exchange API",
            "version": "1.0.0",
            "description": "Read-only access to published offers and requests.",
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/search": {"get": {
                "operationId": "search",
                "summary": "Search published listings",
                "parameters": search_params,
                "responses": {
                    "200": {"description": "A page of results", "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/SearchResponse"}}}},
                    "400": error,
                },
            }},
            "/listings/{listing_id}": {"get": {
                "operationId": "getListing",
                "summary": "One published listing",
                "parameters": [{"name": "listing_id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "The listing", "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Listing"}}}},
                    "404": error,
                },
            }},
            "/listings/{listing_id}/matches": {"get": {
                "operationId": "getListingMatches",
                "summary": "Published counterparts of a published listing, best first",
                "parameters": [{"name": "listing_id", "in": "path", "required": True,
                                "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "Matches with scores", "content": {
                        "application/json": {"schema": {
                            "$ref": "#/components/schemas/Matches"}}}},
                    "404": error,
                },
            }},
            "/stats": {"get": {
                "operationId": "getStats",
                "summary": "Headline counters",
                "responses": {"200": {"description": "Counters", "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Stats"}}}}},
            }},
            "/openapi.json": {"get": {
                "operationId": "getOpenAPI",
                "summary": "This document",
                "responses": {"200": {"description": "OpenAPI 3.1 document"}},
            }},
        },
        "components": {"schemas": {
            "Hit": hit,
            "Listing": {"type": "object", "properties": listing_properties,
                        "required": list(listing_properties), "additionalProperties": False},
            "SearchResponse": {
                "type": "object",
                "required": ["hits", "total", "page", "per_page", "facets", "limited"],
                "additionalProperties": False,
                "properties": {
                    "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                    "total": {"type": "integer", "minimum": 0},
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
                    "facets": {
                        "type": "object",
                        "description": "Counts per value of each facet asked for with `facets`; "
                                       "empty while search is limited.",
                        "additionalProperties": False,
                        "properties": {name: facet_values for name in (
                            "kind", "category", "sector", "province", "trl", "transfer_mode")},
                    },
                    "limited": {"type": "boolean", "description":
                                "True when the search engine was unreachable and the "
                                "database answered (title match, newest first)."},
                },
            },
            "Matches": {
                "type": "object", "required": ["listing_id", "matches"],
                "additionalProperties": False,
                "properties": {
                    "listing_id": {"type": "integer"},
                    "matches": {"type": "array", "items": {
                        "type": "object", "required": ["score", "listing"],
                        "additionalProperties": False,
                        "properties": {
                            "score": {"type": "number", "description":
                                      "Text match plus sector/category/province preference; "
                                      "matches score at least 0.5."},
                            "listing": {"$ref": "#/components/schemas/Hit"},
                        },
                    }},
                },
            },
            "Stats": {
                "type": "object",
                "required": ["businesses", "offers", "requests", "deals", "categories"],
                "additionalProperties": False,
                "properties": {
                    "businesses": {"type": "integer", "minimum": 0},
                    "offers": {"type": "integer", "minimum": 0},
                    "requests": {"type": "integer", "minimum": 0},
                    "deals": {"type": "integer", "minimum": 0,
                              "description": "Deals concluded on the exchange and confirmed "
                                             "by both businesses (or recorded by staff)."},
                    "categories": {"type": "object", "additionalProperties": {
                        "type": "integer", "minimum": 0}},
                },
            },
            "Error": {
                "type": "object", "required": ["error"], "additionalProperties": False,
                "properties": {"error": {
                    "type": "object", "required": ["code", "message"],
                    "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
                }},
            },
        }},
    }
