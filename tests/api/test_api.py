"""/api/v1: responses match the OpenAPI document; bad input is a 400 JSON, never a 500."""
import jsonschema
import pytest

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.search.query import quote
from tests.factories import make_listing

INJECTIONS = [
    '"', "\\", '\\"', "' OR 1=1", 'x" OR kind = "request', "OR", "AND", "NOT", "TO",
    "(", ")", "a) OR (b", "EXISTS", "IS NULL", "IN [1,2]", "_geoRadius(0,0,1)", "*", "%",
    "<script>", "\u202e", "é" * 3,
]
PARAMS = ["q", "kind", "category", "sector", "province", "trl", "transfer_mode", "price_min",
          "price_max", "sort", "page", "per_page", "business", "facets",
          "attributes_to_highlight"]


@pytest.fixture(scope="module")
def spec():
    from exchange.api.openapi import openapi_document
    document = openapi_document()
    jsonschema.Draft202012Validator.check_schema(
        {"$defs": document["components"]["schemas"]})
    return document


def validate(spec, path, status, body):
    operation = spec["paths"][path]["get"]
    schema = operation["responses"][str(status)]["content"]["application/json"]["schema"]
    jsonschema.validate(body, {**schema, "components": spec["components"]},
                        cls=jsonschema.Draft202012Validator,
                        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def published(post):
    return post(title="Công nghệ ủ phân hữu cơ vi sinh", category="technology", trl=6,
                transfer_modes=["licence"])


def test_openapi_document_is_served(client, spec):
    body = client.get("/api/v1/openapi.json").get_json()
    assert body["openapi"].startswith("3.1")
    assert set(body["paths"]) >= {"/search", "/listings/{listing_id}", "/stats"}


def test_search_response_matches_the_document(client, spec, published, post):
    post(kind="request", title="Cần chuyển giao công nghệ phân bón", price_vnd=None,
         budget_min_vnd=100_000_000, trl=None)
    for params in ({}, {"q": "phan huu co"}, {"kind": "offer", "per_page": 1},
                   {"sector": "agriculture", "sort": "price_desc"}):
        response = client.get("/api/v1/search", query_string=params)
        assert response.status_code == 200
        validate(spec, "/search", 200, response.get_json())
    body = client.get("/api/v1/search?per_page=100").get_json()
    assert body["per_page"] == 100 and body["total"] == 2


def test_listing_response_matches_the_document(client, spec, published):
    response = client.get(f"/api/v1/listings/{published.id}")
    assert response.status_code == 200
    validate(spec, "/listings/{listing_id}", 200, response.get_json())
    assert response.get_json()["title"] == "Công nghệ ủ phân hữu cơ vi sinh"


def test_stats_match_the_document(client, spec, published, owner):
    make_listing(owner.business, owner, title="Chưa duyệt")
    body = client.get("/api/v1/stats").get_json()
    validate(spec, "/stats", 200, body)
    assert body == {"businesses": 1, "offers": 1, "requests": 0, "deals": 0,
                    "categories": {"technology": 1}}


@pytest.mark.parametrize("state", ["draft", "pending", "rejected", "withdrawn", "suspended",
                                   "missing", "beyond_32_bits", "huge"])
def test_anything_not_public_is_a_404(client, spec, owner, post, state):
    listing_id = {"missing": 12345, "beyond_32_bits": 3_000_000_000, "huge": 10 ** 30}.get(state)
    if listing_id is None:
        listing = (post(title="Công khai") if state in ("withdrawn", "suspended")
                   else make_listing(owner.business, owner, submit=state != "draft"))
        if state == "rejected":
            lifecycle.reject_revision(listing.latest_revision, "Không phù hợp")
        elif state == "withdrawn":
            lifecycle.withdraw(listing, owner.id)
        elif state == "suspended":
            lifecycle.suspend(listing, owner.id, "Vi phạm")
        db.session.commit()
        listing_id = listing.id
    response = client.get(f"/api/v1/listings/{listing_id}")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"]
    validate(spec, "/listings/{listing_id}", 404, response.get_json())


@pytest.mark.parametrize("query", [
    "price_min=abc", "price_max=-5", "price_min=1e9", "page=-1", "page=0", "page=1000000000",
    "page=abc", "per_page=10000", "per_page=0", "sort=random", "sort=price:asc",
    "kind=auction", "sector=space", "trl=0", "trl=x", "q=" + "a" * 10_240, "q=%00",
    "q=abc%1b[31m", "province=%07", "business=-1", "business=3000000000",
    "price_min=10&price_max=1", "facets=colour", "facets=kind,price", "facets=kind;sector",
    "attributes_to_highlight=description", "attributes_to_highlight=title,*",
])
def test_bad_parameters_are_400_json(client, spec, query):
    response = client.get("/api/v1/search?" + query)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    body = response.get_json()
    validate(spec, "/search", 400, body)
    assert body["error"]["code"] == "invalid_parameter"


def test_filter_syntax_in_any_parameter_never_reaches_meilisearch(client, published):
    for param in PARAMS:
        for value in INJECTIONS:
            response = client.get("/api/v1/search", query_string={param: value})
            case = (param, value, response.get_data(as_text=True)[:200])
            assert response.status_code in (200, 400), case
            body = response.get_json()
            if response.status_code == 200:
                # only free text is taken as typed, and it can only narrow published results
                assert param == "q", case
                assert body["limited"] is False, case
                assert all(hit["id"] == published.id for hit in body["hits"]), case
            else:
                assert body["error"]["code"] == "invalid_parameter", case


def test_quote_escapes_filter_values():
    assert quote('a" OR kind = "request') == '"a\\" OR kind = \\"request"'
    assert quote("back\\slash") == '"back\\\\slash"'
    assert quote("\\\"") == '"\\\\\\""'


def test_escaped_values_stay_literal_in_meilisearch(app, published):
    from exchange.search import index
    from exchange.search.query import published_restriction
    client = index.search_client()
    for value in ['x" OR status = "published', "x\\", '\\" OR 1 = 1 OR "', "a) OR (b"]:
        result = client.post(f"/indexes/{index.index_name()}/search", {
            "q": "", "filter": published_restriction() + [f"sector = {quote(value)}"]})
        assert result["hits"] == [], value


def test_facets_are_counted_only_when_asked_for(client, spec, published, post):
    post(kind="request", title="Cần mua máy ủ phân", price_vnd=None, trl=None,
         budget_min_vnd=100_000_000)
    plain = client.get("/api/v1/search").get_json()
    assert plain["facets"] == {} and plain["total"] == 2
    validate(spec, "/search", 200, plain)
    body = client.get("/api/v1/search?facets=kind,trl&facets=kind").get_json()
    validate(spec, "/search", 200, body)
    assert body["facets"] == {"kind": [{"value": "offer", "count": 1},
                                       {"value": "request", "count": 1}],
                              "trl": [{"value": "6", "count": 1}]}
    # a selected facet keeps the counts of its other values
    chosen = client.get("/api/v1/search?facets=kind&kind=offer").get_json()
    assert {v["value"] for v in chosen["facets"]["kind"]} == {"offer", "request"}


def test_highlights_follow_attributes_to_highlight(client, spec, published):
    default = client.get("/api/v1/search?q=phan+huu+co").get_json()["hits"][0]["highlight"]
    assert "<mark>" in default["title"]
    only_summary = client.get(
        "/api/v1/search?q=phan+huu+co&attributes_to_highlight=summary").get_json()
    validate(spec, "/search", 200, only_summary)
    assert "<mark>" not in only_summary["hits"][0]["highlight"]["title"]
    none = client.get("/api/v1/search?q=phan+huu+co&attributes_to_highlight=").get_json()
    assert none["hits"][0]["highlight"]["title"] == "Công nghệ ủ phân hữu cơ vi sinh"


def test_the_document_lists_the_output_parameters(spec):
    parameters = {p["name"]: p for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert set(parameters["facets"]["schema"]["items"]["enum"]) == {
        "kind", "category", "sector", "province", "trl", "transfer_mode"}
    assert parameters["attributes_to_highlight"]["schema"]["items"]["enum"] == [
        "title", "summary"]


def test_the_search_page_still_shows_every_facet(client, published):
    page = client.get("/search?q=phan").get_data(as_text=True)
    assert "facet-count" in page and "<mark>" in page
