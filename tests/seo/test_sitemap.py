"""/sitemap.xml is an index of chunked sitemaps listing every public page and nothing else;
/robots.txt points at it and keeps crawlers out of private areas."""
from xml.etree import ElementTree as ET

import pytest

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}
SITE = "http://exchange.test"


def _parse(response):
    assert response.status_code == 200
    assert response.mimetype == "application/xml"
    return ET.fromstring(response.get_data())


def _all_urls(client) -> dict[str, str | None]:
    index = _parse(client.get("/sitemap.xml"))
    assert index.tag == "{%s}sitemapindex" % NS["sm"]
    urls = {}
    for loc in index.findall("sm:sitemap/sm:loc", NS):
        assert loc.text.startswith(SITE + "/sitemaps/")
        chunk = _parse(client.get(loc.text[len(SITE):]))
        assert chunk.tag == "{%s}urlset" % NS["sm"]
        for url in chunk.findall("sm:url", NS):
            lastmod = url.find("sm:lastmod", NS)
            urls[url.find("sm:loc", NS).text] = lastmod.text if lastmod is not None else None
    return urls


def test_the_sitemap_lists_public_pages_only(app, site):
    urls = _all_urls(app.test_client())
    assert f"{SITE}/listings/{site.offer.id}" in urls
    assert f"{SITE}/listings/{site.request.id}" in urls
    assert f"{SITE}/listings/{site.pending.id}" not in urls
    assert f"{SITE}/businesses/{site.seller.business_id}" in urls
    assert f"{SITE}/businesses/{site.quiet.id}" not in urls  # no public listing, unverified
    assert f"{SITE}/experts/{site.expert.id}" in urls
    assert f"{SITE}/experts/{site.hidden_expert.id}" not in urls
    for page in ("/", "/search", "/businesses", "/experts", "/categories/equipment"):
        assert SITE + page in urls
    assert urls[f"{SITE}/listings/{site.offer.id}"].endswith("+00:00")
    assert not any("/account" in url or "/moderation" in url for url in urls)


@pytest.fixture
def app_overrides():
    return {"SITEMAP_CHUNK_SIZE": 2}


def test_sections_are_split_into_chunks_of_the_configured_size(app, site):
    from tests.factories import make_listing, publish
    for n in range(5):
        publish(make_listing(site.seller.business, site.seller, title=f"Máy số {n}"))
    client = app.test_client()
    index = _parse(client.get("/sitemap.xml"))
    locations = [loc.text for loc in index.findall("sm:sitemap/sm:loc", NS)]
    listing_chunks = [loc for loc in locations if "/sitemaps/listings/" in loc]
    assert len(listing_chunks) >= 3
    total = 0
    for loc in listing_chunks:
        chunk = _parse(client.get(loc[len(SITE):]))
        count = len(chunk.findall("sm:url", NS))
        assert 1 <= count <= 2
        total += count
    assert total == 7  # the two of the fixture and five more; the pending one never
    assert client.get("/sitemaps/nothing/0.xml").status_code == 404


def test_robots_points_to_the_sitemap_and_keeps_private_areas_out(app):
    text = app.test_client().get("/robots.txt").get_data(as_text=True)
    assert f"Sitemap: {SITE}/sitemap.xml" in text
    for private in ("/account", "/moderation/", "/admin/", "/auth/", "/payments/"):
        assert f"Disallow: {private}" in text
    assert "Disallow: /listings/\n" not in text and "Disallow: /\n" not in text
