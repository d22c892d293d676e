"""The sitemap sections of news and events: the list pages, every public article and event."""
from sqlalchemy import select

from exchange.content.models import Article, Event
from exchange.core.urls import site_url
from exchange.seo.sitemap import address_of, id_chunks, keyset_rows, register_section
from exchange.timeutil import utcnow


def _public(model):
    """(id, last modified) of what is public now (scheduled items once their time came)."""
    return (select(model.id, model.updated_at).where(model.public_clause(utcnow())))


def _articles():
    return _public(Article)


def _events():
    return _public(Event)


def _article_entries(chunk, size):
    if chunk == 0:  # the list pages go with the first chunk
        yield site_url("content.news"), None
        yield site_url("content.events"), None
    address = address_of("content.article", "article_id")
    for article_id, modified in keyset_rows(Article.id, _articles(), chunk, size):
        yield address(article_id), modified


def _event_entries(chunk, size):
    address = address_of("content.event", "event_id")
    for event_id, modified in keyset_rows(Event.id, _events(), chunk, size):
        yield address(event_id), modified


def _article_chunks(size):
    # chunk 0 always exists: it carries the list pages even before the first article
    return sorted(set(id_chunks(Article.id, _articles)(size)) | {0})


def register_content_sections() -> None:
    register_section("news", _article_chunks, _article_entries)
    register_section("events", id_chunks(Event.id, _events), _event_entries)
