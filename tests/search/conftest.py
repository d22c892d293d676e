"""Search test fixtures: published listings in the index, and searches run once per backend."""
import pytest

from tests.factories import make_listing, publish
from tests.helpers import settle
from tests.services import free_port


@pytest.fixture
def post(owner, meili):
    """post(**content) -> a published listing already visible in the index."""
    def _post(kind="offer", wait=True, **content):
        listing = make_listing(owner.business, owner, kind=kind, **content)
        publish(listing)
        if wait:
            settle(meili)
        return listing
    return _post



@pytest.fixture
def unreachable_meili_url():
    """An address nobody listens on: Meilisearch as the app sees it when it is down."""
    return f"http://127.0.0.1:{free_port()}"


@pytest.fixture(params=["meilisearch", "database"])
def backend(request):
    """The engine that answers a test's searches: Meilisearch, or the database search the
    app falls back to while Meilisearch is unreachable."""
    return request.param


@pytest.fixture
def search_api(app, client, backend, unreachable_meili_url):
    """search_api(**params) -> the /api/v1/search body, answered by `backend`.

    For the database the app is pointed at an unreachable Meilisearch for the request only
    (indexing goes on against the real one), and every answer must say it was limited: the
    positive control that the fallback, not Meilisearch, answered."""
    def _search(**params) -> dict:
        live = app.config["MEILI_URL"]
        if backend == "database":
            app.config["MEILI_URL"] = unreachable_meili_url
        try:
            response = client.get("/api/v1/search", query_string=params)
        finally:
            app.config["MEILI_URL"] = live
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert body["limited"] is (backend == "database"), (backend, body)
        return body
    return _search


@pytest.fixture
def search_ids(search_api):
    """search_ids(**params) -> ids of the hits, in order, answered by `backend`."""
    return lambda **params: [hit["id"] for hit in search_api(**params)["hits"]]
