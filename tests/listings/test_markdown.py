"""Descriptions are Markdown; scripts, event handlers and javascript: links never reach a page."""
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from exchange.listings.markdown import plain_text, render_markdown
from tests.factories import make_listing, publish

NASTY = [
    "<script>alert(1)</script>",
    "[bấm vào đây](javascript:alert(1))",
    "[hoa](JaVaScRiPt:alert(1))",
    "[tab](java\tscript:alert(1))",
    "[ent](&#106;avascript:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<img src=x onerror=alert(1)>",
    '<iframe src="https://evil.example"></iframe>',
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '<div onclick="alert(1)">click</div>',
    "![x](javascript:alert(1))",
]


class Elements(HTMLParser):
    """Collects the real elements and attributes of rendered HTML (escaped text is not one)."""

    def __init__(self, html):
        super().__init__()
        self.tags, self.attributes = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend(attrs)


def assert_harmless(html):
    found = Elements(html)
    assert not {"script", "iframe", "img", "object", "embed", "style"} & set(found.tags)
    for name, value in found.attributes:
        assert not name.startswith("on"), name
        if name in ("href", "src"):
            assert urlsplit(value or "").scheme in ("http", "https", "mailto"), value


@pytest.mark.parametrize("source", NASTY)
def test_dangerous_markup_is_neutralised(source):
    assert_harmless(str(render_markdown(source)))


def test_markdown_still_formats():
    html = str(render_markdown("## Thông số\n\n- **500 kg/mẻ**\n- [Catalogue](https://vd.vn/c)"))
    assert "<h2>Thông số</h2>" in html
    assert "<strong>500 kg/mẻ</strong>" in html
    assert 'href="https://vd.vn/c"' in html and 'rel="nofollow noopener noreferrer ugc"' in html


def test_plain_text_drops_markup():
    assert plain_text("**Máy** <script>x</script>") == "Máy &lt;script&gt;x&lt;/script&gt;"


def test_listing_page_never_carries_the_script(app, owner):
    listing = make_listing(owner.business, owner, description="\n\n".join(NASTY))
    publish(listing)
    html = app.test_client().get(f"/listings/{listing.id}").get_data(as_text=True)
    description = html[html.index('class="listing-description'):]
    description = description[:description.index("</div>")]
    assert "bấm vào đây" in description  # the text survives, the link target does not
    assert_harmless(description.split(">", 1)[1])


def test_title_is_escaped(app, owner):
    listing = make_listing(owner.business, owner, title="<script>alert('t')</script> Máy")
    publish(listing)
    html = app.test_client().get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "<script>alert('t')" not in html
    assert "&lt;script&gt;" in html
