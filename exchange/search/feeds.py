"""Atom feeds of a search (/search.atom, the parameters of /search) and of each category,
read from the index like the pages, so they list exactly the public listings the pages do."""
from dataclasses import replace
from datetime import datetime, timezone
from xml.etree import ElementTree as ET

from flask_babel import gettext as _

from exchange import taxonomy
from exchange.core.urls import site_url
from exchange.search.query import SearchQuery

ATOM = "http://www.w3.org/2005/Atom"
FEED_SIZE = 50


def feed_query(query: SearchQuery, explicit_sort: bool) -> SearchQuery:
    """The page's query, newest first unless a sort was asked for, one longer page."""
    return replace(query, sort=query.sort if explicit_sort else "newest", page=1,
                   per_page=FEED_SIZE)


def _text(parent, tag, text, **attributes):
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    element.text = text
    return element


def _stamp(moment: datetime | None) -> str:
    return (moment or datetime.now(timezone.utc)).astimezone(timezone.utc) \
        .strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(title: str, self_url: str, page_url: str, hits: list[dict]) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    dates = [hit["published_at"] for hit in hits if hit.get("published_at")]
    _text(feed, "updated", _stamp(max(dates) if dates else None))
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url,
                                            "type": "application/atom+xml"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": page_url,
                                            "type": "text/html"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", _("TechExchange"))
    for hit in hits:
        url = site_url("listings.show", listing_id=hit["id"])
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", url)
        _text(entry, "title", hit["title"])
        _text(entry, "updated", _stamp(hit.get("published_at")))
        _text(entry, "published", _stamp(hit.get("published_at")))
        ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": url,
                                                 "type": "text/html"})
        if hit.get("business_name"):
            _text(ET.SubElement(entry, f"{{{ATOM}}}author"), "name", hit["business_name"])
        ET.SubElement(entry, f"{{{ATOM}}}category", {
            "term": hit["category"],
            "label": taxonomy.label(taxonomy.CATEGORIES, hit["category"])})
        _text(entry, "summary", hit["summary"], type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
