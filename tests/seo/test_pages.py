"""Public pages carry a canonical address from SITE_URL, language alternates, OpenGraph and
Twitter cards, and schema.org JSON-LD with the properties search engines require."""
import json
import re
from html.parser import HTMLParser

SITE = "http://exchange.test"


class _Head(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.meta, self.scripts, self._in_ld = [], {}, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link":
            self.links.append(attrs)
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs.get("name")] = attrs.get("content")
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            self._in_ld = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_ld = False

    def handle_data(self, data):
        if self._in_ld:
            self.scripts[-1] += data


def _head(client, url) -> _Head:
    response = client.get(url)
    assert response.status_code == 200
    head = _Head()
    head.feed(response.get_data(as_text=True))
    return head


def _link(head, rel, hreflang=None):
    return [l["href"] for l in head.links
            if l.get("rel") == rel and l.get("hreflang") == hreflang]


def test_an_offer_has_canonical_alternates_cards_and_a_product_with_an_offer(app, site):
    client = app.test_client()
    head = _head(client, f"/listings/{site.offer.id}")
    url = f"{SITE}/listings/{site.offer.id}"
    assert _link(head, "canonical") == [url]
    assert _link(head, "alternate", "vi") == [url]
    assert _link(head, "alternate", "en") == [url + "?lang=en"]
    assert _link(head, "alternate", "x-default") == [url]
    image = head.meta["og:image"]
    assert re.fullmatch(rf"{SITE}/listings/{site.offer.id}/files/\d+", image)
    assert head.meta["twitter:card"] == "summary_large_image"
    assert head.meta["og:title"] == "Máy sấy </script><b>nông sản</b>"
    assert head.meta["og:url"] == url
    assert len(head.scripts) == 1
    data = json.loads(head.scripts[0])
    assert data["@context"] == "https://schema.org" and data["@type"] == "Product"
    assert data["name"] == "Máy sấy </script><b>nông sản</b>"
    assert data["url"] == url and data["image"] == [image]
    offer = data["offers"]
    assert offer["@type"] == "Offer" and offer["priceCurrency"] == "VND"
    assert offer["price"] == 250_000_000
    assert offer["seller"]["name"] == "Công ty Máy Sấy <Miền Trung> & Co"
    assert client.get(image[len(SITE):]).status_code == 200

    english = _head(client, f"/listings/{site.offer.id}?lang=en")
    assert _link(english, "canonical") == [url + "?lang=en"]


def test_a_request_is_a_demand(app, site):
    head = _head(app.test_client(), f"/listings/{site.request.id}")
    data = json.loads(head.scripts[0])
    assert data["@type"] == "Demand" and data["name"] == "Cần mua máy rang cà phê"
    assert data["itemOffered"]["@type"] == "Product"
    assert data["priceSpecification"]["minPrice"] == 100_000_000
    assert data["priceSpecification"]["maxPrice"] == 300_000_000
    assert head.meta["twitter:card"] == "summary"  # no image


def test_a_business_is_an_organization(app, site):
    head = _head(app.test_client(), f"/businesses/{site.seller.business_id}")
    data = json.loads(head.scripts[0])
    assert data["@type"] == "Organization"
    assert data["name"] == "Công ty Máy Sấy <Miền Trung> & Co"
    assert data["url"] == f"{SITE}/businesses/{site.seller.business_id}"
    assert data["sameAs"] == ["https://maysay.example.vn"]
    assert _link(head, "canonical") == [data["url"]]


def test_unreviewed_content_gets_no_cards_and_no_structured_data(app, site):
    from tests.factories import login
    client = app.test_client()
    login(client, site.pending.created_by)
    response = client.get(f"/listings/{site.pending.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and "application/ld+json" not in body
    assert 'rel="canonical"' not in body and 'name="robots" content="noindex"' in body
    assert app.test_client().get(f"/listings/{site.pending.id}").status_code == 404
    assert app.test_client().get(f"/experts/{site.hidden_expert.id}").status_code == 404


def test_an_expert_page_has_an_organization(app, site):
    head = _head(app.test_client(), f"/experts/{site.expert.id}")
    data = json.loads(head.scripts[0])
    assert data["@type"] == "Organization" and data["name"] == "Văn phòng Luật Sở hữu Trí tuệ"
    assert data["knowsAbout"] and data["url"] == f"{SITE}/experts/{site.expert.id}"
