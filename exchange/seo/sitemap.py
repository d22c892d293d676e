"""Sitemap sections: each feature registers the public addresses it owns.

A section is split into chunks by id range (chunk k holds ids k·size … (k+1)·size − 1), so a
chunk never holds more than `size` addresses, its rows are found by the primary key, and
the index learns which chunks are non-empty from one grouped query. A chunk is read in
keyset batches of BATCH rows and written out as it is read: at 100,000 listings no query
brings more than BATCH rows into memory.
"""
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from xml.sax.saxutils import escape

from flask import current_app
from sqlalchemy import select

from exchange.core.urls import site_url
from exchange.extensions import db

MAX_URLS = 50_000  # the sitemap protocol's limit per file
BATCH = 1000
NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

Entry = tuple[str, datetime | None]  # (absolute address, last modified)


@dataclass(frozen=True)
class Section:
    name: str
    chunks: Callable[[int], list[int]]                 # chunk size -> non-empty chunk numbers
    entries: Callable[[int, int], Iterable[Entry]]     # (chunk, size) -> its entries


SECTIONS: dict[str, Section] = {}


def register_section(name: str, chunks, entries) -> None:
    """Add a section (features call this when their blueprint is registered)."""
    SECTIONS[name] = Section(name, chunks, entries)


def chunk_size() -> int:
    return max(1, min(MAX_URLS, int(current_app.config.get("SITEMAP_CHUNK_SIZE", MAX_URLS))))


def single_chunk(_size) -> list[int]:
    return [0]


def id_chunks(id_column, statement: Callable) -> Callable[[int], list[int]]:
    """Chunk numbers holding at least one row of `statement()` (a select whose first column
    is `id_column`; built at each call, since "public" depends on the time)."""
    def chunks(size: int) -> list[int]:
        sub = statement().subquery()
        column = sub.c[id_column.key]
        bucket = column // size
        return list(db.session.scalars(select(bucket).group_by(bucket).order_by(bucket)))
    return chunks


def keyset_rows(id_column, statement, chunk: int, size: int) -> Iterator:
    """The rows of `statement` (its first column is `id_column`) whose ids fall in the
    chunk, BATCH at a time in id order."""
    low, high, last = chunk * size, (chunk + 1) * size, None
    while True:
        query = statement.where(id_column >= low, id_column < high)
        if last is not None:
            query = query.where(id_column > last)
        rows = db.session.execute(query.order_by(id_column).limit(BATCH)).all()
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1][0]


_SENTINEL = 2**31 - 1


def address_of(endpoint: str, argument: str) -> Callable[[int], str]:
    """id -> the page's address on SITE_URL, for `endpoint` taking one id `argument`. The
    router builds the address once (with a stand-in id); a sitemap file of 50,000 pages
    then costs string formatting, not 50,000 route builds."""
    head, _, tail = site_url(endpoint, **{argument: _SENTINEL}).rpartition(str(_SENTINEL))
    return lambda row_id: f"{head}{int(row_id)}{tail}"


def _lastmod(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return f"<lastmod>{moment.strftime('%Y-%m-%dT%H:%M:%S+00:00')}</lastmod>"


def write_urlset(entries: Iterable[Entry]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{NS}">\n'
    lines = []
    for loc, modified in entries:
        lines.append(f"<url><loc>{escape(loc)}</loc>{_lastmod(modified)}</url>\n")
        if len(lines) == BATCH:  # one write per batch, not one per address
            yield "".join(lines)
            lines = []
    yield "".join(lines) + "</urlset>\n"


def write_index(locations: Iterable[str]) -> Iterator[str]:
    yield f'<?xml version="1.0" encoding="UTF-8"?>\n<sitemapindex xmlns="{NS}">\n'
    for loc in locations:
        yield f"<sitemap><loc>{escape(loc)}</loc></sitemap>\n"
    yield "</sitemapindex>\n"
