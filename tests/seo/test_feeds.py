"""Atom feeds of any search (/search.atom, the parameters of /search) and of each category:
well-formed Atom with the required elements, public listings only."""
from xml.etree import ElementTree as ET

ATOM = {"a": "http://www.w3.org/2005/Atom"}
SITE = "http://exchange.test"


def _feed(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.get_data())
    assert feed.tag == "{%s}feed" % ATOM["a"]
    for required in ("a:id", "a:title", "a:updated"):
        assert feed.find(required, ATOM) is not None, required
    entries = feed.findall("a:entry", ATOM)
    for entry in entries:
        for required in ("a:id", "a:title", "a:updated", "a:summary"):
            assert entry.find(required, ATOM) is not None, required
        assert entry.find("a:link[@rel='alternate']", ATOM).get("href") == \
            entry.find("a:id", ATOM).text
    return feed, {e.find("a:id", ATOM).text for e in entries}


def test_a_search_feed_takes_the_parameters_of_the_search_page(app, indexed_site):
    client, site = app.test_client(), indexed_site
    feed, ids = _feed(client, "/search.atom")
    offer, request = f"{SITE}/listings/{site.offer.id}", f"{SITE}/listings/{site.request.id}"
    assert ids == {offer, request}  # the pending listing never
    _, ids = _feed(client, "/search.atom?kind=request")
    assert ids == {request}
    feed, ids = _feed(client, "/search.atom?q=rang+ca+phe")  # without diacritics
    assert ids == {request}
    self_link = feed.find("a:link[@rel='self']", ATOM).get("href")
    assert self_link == f"{SITE}/search.atom?q=rang+ca+phe"
    assert feed.find("a:link[@rel='alternate']", ATOM).get("href") == \
        f"{SITE}/search?q=rang+ca+phe"
    assert client.get("/search.atom?sort=nonsense").status_code == 400


def test_each_category_has_a_feed(app, indexed_site):
    client, site = app.test_client(), indexed_site
    feed, ids = _feed(client, "/categories/equipment/feed.atom")
    assert f"{SITE}/listings/{site.offer.id}" in ids
    assert feed.find("a:link[@rel='self']", ATOM).get("href") == \
        f"{SITE}/categories/equipment/feed.atom"
    _, ids = _feed(client, "/categories/technology/feed.atom")
    assert ids == set()
    assert client.get("/categories/nothing/feed.atom").status_code == 404
    page = client.get("/categories/equipment").get_data(as_text=True)
    assert 'type="application/atom+xml"' in page and "/categories/equipment/feed.atom" in page
