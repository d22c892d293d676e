"""Import of a department's existing news from an RSS/Atom file or a CSV, safe to re-run."""
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html.parser import HTMLParser

import feedparser
import nh3
from sqlalchemy import select

from exchange.content.indexing import record_change
from exchange.content.models import Article, ArticleCategory, State
from exchange.extensions import db
from exchange.timeutil import utcnow

CSV_COLUMNS = ("id", "title", "date", "body_html", "image_url", "category", "tags")
# what survives of the source HTML before it becomes Markdown: the body policy of
# listings/markdown.py plus the tags whose meaning the conversion keeps (b, i, img as a link)
SOURCE_TAGS = {"p", "br", "strong", "b", "em", "i", "ul", "ol", "li", "h1", "h2", "h3", "h4",
               "h5", "h6", "a", "blockquote", "img"}
SOURCE_ATTRIBUTES = {"a": {"href"}, "img": {"src", "alt"}}
URL_SCHEMES = {"http", "https", "mailto"}
MAX_TITLE = 300
MAX_ID = 500


@dataclass
class Item:
    line: int
    external_id: str
    title: str
    published: datetime | None
    body_html: str
    image_url: str = ""
    category: str = ArticleCategory.NEWS.value
    tags: str = ""


@dataclass
class Report:
    created: int = 0
    existing: int = 0
    rejects: list[tuple[int, str, str]] = field(default_factory=list)  # line, id, reason


class _ToMarkdown(HTMLParser):
    """The cleaned HTML as Markdown: the body is stored as Markdown, rendered like every
    other (raw HTML in it would be escaped)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.links: list[str] = []
        self.lists: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("p", "blockquote") or tag[0] == "h" and tag[1:].isdigit():
            self.out.append("\n\n" + ("#" * min(int(tag[1]), 6) + " " if tag[0] == "h" else
                                      "> " if tag == "blockquote" else ""))
        elif tag == "br":
            self.out.append("  \n")
        elif tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("ul", "ol"):
            self.lists.append(tag)
            self.out.append("\n")
        elif tag == "li":
            self.out.append("\n" + ("1. " if self.lists and self.lists[-1] == "ol" else "- "))
        elif tag == "a":
            self.links.append(attrs.get("href") or "")
            self.out.append("[")
        elif tag == "img" and attrs.get("src"):
            # pictures are never hot-linked: the address stays, as a link
            alt = _escape(attrs.get("alt") or "image")
            self.out.append(f"[{alt}](<{attrs['src']}>)")

    def handle_endtag(self, tag):
        if tag in ("strong", "b"):
            self.out.append("**")
        elif tag in ("em", "i"):
            self.out.append("*")
        elif tag in ("ul", "ol") and self.lists:
            self.lists.pop()
            self.out.append("\n\n")
        elif tag == "a" and self.links:
            href = self.links.pop()
            self.out.append(f"](<{href}>)" if href else "]()")

    def handle_data(self, data):
        self.out.append(_escape(re.sub(r"\s+", " ", data)))


def _escape(text: str) -> str:
    # characters Markdown would read as markup (or as raw HTML, which it escapes anyway)
    for char in "\\`*_[]<>#":
        text = text.replace(char, "\\" + char)
    return text


def html_to_markdown(html: str) -> str:
    clean = nh3.clean(html or "", tags=SOURCE_TAGS, attributes=SOURCE_ATTRIBUTES,
                      url_schemes=URL_SCHEMES, link_rel=None)
    parser = _ToMarkdown()
    parser.feed(clean)
    parser.close()
    lines = "".join(parser.out).split("\n")
    text = "\n".join(line.rstrip() if not line.endswith("  ") else line for line in lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def _aware(parsed) -> datetime | None:
    return datetime(*parsed[:6], tzinfo=timezone.utc) if parsed else None


def feed_items(data: bytes) -> Iterator[Item]:
    # nh3 cleans every body below: feedparser's own sanitiser and URI resolution would
    # only double the parsing time (most of an import's time on a large feed)
    parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    if parsed.bozo and not parsed.entries:
        raise ValueError(f"not a readable RSS or Atom feed: {parsed.bozo_exception}")
    for number, entry in enumerate(parsed.entries, start=1):
        body = ""
        if entry.get("content"):
            body = entry["content"][0].get("value", "")
        body = body or entry.get("summary", "")
        image = ""
        for enclosure in entry.get("enclosures", []) or entry.get("media_content", []) or []:
            if str(enclosure.get("type", "")).startswith("image/") or enclosure.get("medium") \
                    == "image":
                image = enclosure.get("href") or enclosure.get("url") or ""
                break
        yield Item(line=number, external_id=(entry.get("id") or entry.get("link") or "").strip(),
                   title=" ".join((entry.get("title") or "").split()),
                   published=_aware(entry.get("published_parsed") or
                                    entry.get("updated_parsed")),
                   body_html=body, image_url=image,
                   tags=", ".join(t.get("term", "") for t in entry.get("tags", []) or []))


def csv_items(text: str) -> Iterator[Item]:
    reader = csv.DictReader(io.StringIO(text))
    missing = {"id", "title", "date", "body_html"} - set(reader.fieldnames or ())
    if missing:
        raise ValueError(f"CSV columns missing: {', '.join(sorted(missing))}")
    for row in reader:
        raw_date = (row.get("date") or "").strip()
        try:
            published = datetime.fromisoformat(raw_date) if raw_date else None
        except ValueError:
            published = "bad"
        if isinstance(published, datetime) and published.tzinfo is None:
            published = published.replace(tzinfo=timezone.utc)
        yield Item(line=reader.line_num, external_id=(row.get("id") or "").strip(),
                   title=" ".join((row.get("title") or "").split()),
                   published=published, body_html=row.get("body_html") or "",
                   image_url=(row.get("image_url") or "").strip(),
                   category=(row.get("category") or "").strip() or ArticleCategory.NEWS.value,
                   tags=(row.get("tags") or "").strip())


def read_items(path: str) -> tuple[int, Iterator[Item]]:
    """(how many items, the items) of a feed or CSV file, told apart by their content."""
    with open(path, "rb") as handle:
        data = handle.read()
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"<"):
        items = list(feed_items(data))
    else:
        items = list(csv_items(data.decode("utf-8-sig")))
    return len(items), iter(items)


def _problem(item: Item) -> str | None:
    if not item.external_id:
        return "no guid, link or id"
    if len(item.external_id) > MAX_ID:
        return "id longer than 500 characters"
    if not item.title:
        return "no title"
    if item.published == "bad":
        return "date is not ISO 8601 (YYYY-MM-DD or YYYY-MM-DDTHH:MM)"
    if item.category not in tuple(ArticleCategory):
        return f"unknown category {item.category[:40]}"
    if item.image_url and not item.image_url.startswith(("http://", "https://")):
        return "image_url is not an http(s) address"
    return None


def import_items(items, report: Report, author_name: str = "", batch_size: int = 500,
                 progress=None) -> Report:
    """Create one published article per new item; an item whose id is already on the
    exchange is counted and left alone, so a re-run creates nothing. One transaction per
    batch; each new article gets its index job in the same transaction."""
    batch: list[Item] = []

    def flush_batch():
        ids = {item.external_id for item in batch}
        known = set(db.session.scalars(select(Article.external_id)
                                       .where(Article.external_id.in_(ids))))
        now = utcnow()
        created = []
        for item in batch:
            if item.external_id in known:
                report.existing += 1
                continue
            known.add(item.external_id)  # the same id twice in one file
            article = Article(
                external_id=item.external_id, title_vi=item.title[:MAX_TITLE],
                body_vi=html_to_markdown(item.body_html), category=item.category,
                tags=item.tags[:300], author_name=author_name,
                source_image_url=item.image_url[:1000],
                state=State.PUBLISHED, publish_at=min(item.published or now, now))
            db.session.add(article)
            created.append(article)
        db.session.flush()  # one round of inserts: the index jobs need the ids
        for article in created:
            record_change(article, "imported")
        report.created += len(created)
        db.session.commit()
        if progress is not None:
            progress(len(batch))
        batch.clear()

    for item in items:
        problem = _problem(item)
        if problem:
            report.rejects.append((item.line, item.external_id[:200], problem))
            if progress is not None:
                progress(1)
            continue
        batch.append(item)
        if len(batch) >= batch_size:
            flush_batch()
    if batch:
        flush_batch()
    return report
