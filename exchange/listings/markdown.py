"""Listing descriptions: Markdown rendered to HTML, then sanitised with nh3."""
import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# raw HTML in the source is escaped by the parser; nh3 then whitelists what the parser emits
_parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})

# no <img>: listing pictures are verified uploads, never hot-linked
ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead", "tbody", "tr", "th", "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}


def render_markdown(text: str | None) -> Markup:
    html = _parser.render(text or "")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
    )
    return Markup(clean)


def plain_text(text: str | None) -> str:
    """The description without markup, for summaries and search documents."""
    return nh3.clean(_parser.render(text or ""), tags=set()).strip()
