"""Public news and events pages: what is shown when, languages, JSON-LD, feeds and .ics."""
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import feedparser
from icalendar import Calendar

from exchange.content.models import Article, State
from exchange.extensions import db
from exchange.timeutil import utcnow
from tests.content.conftest import make_article, make_event
from tests.factories import login

ATOM = "{http://www.w3.org/2005/Atom}"


def json_ld(html: str) -> list[dict]:
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_news_lists_published_articles_by_category_and_hides_drafts(client, editor):
    make_article(editor, title_vi="Chính sách hỗ trợ đổi mới công nghệ", category="policy")
    make_article(editor, title_vi="Bản nháp chưa đăng", publish_at=None)
    make_article(editor, title_vi="Tin lưu trữ cũ")
    archived = db.session.scalar(db.select(Article).where(Article.title_vi == "Tin lưu trữ cũ"))
    archived.state = State.ARCHIVED
    db.session.commit()

    page = client.get("/news").get_data(as_text=True)
    assert "Chính sách hỗ trợ đổi mới công nghệ" in page
    assert "Bản nháp chưa đăng" not in page and "Tin lưu trữ cũ" not in page
    title = "Chính sách hỗ trợ đổi mới công nghệ"
    assert title in client.get("/news?category=policy").get_data(as_text=True)
    assert title not in client.get("/news?category=guide").get_data(as_text=True)
    assert client.get("/news?category=nope").status_code == 404


def test_scheduled_article_appears_at_its_time_without_anything_flipping_it(client, editor):
    article = make_article(editor, title_vi="Tin hẹn giờ đăng",
                           publish_at=utcnow() + timedelta(hours=1))
    assert article.state == State.SCHEDULED
    assert "Tin hẹn giờ đăng" not in client.get("/news").get_data(as_text=True)
    assert client.get(f"/news/{article.id}").status_code == 404

    # the hour passes: nothing is run, the state column still says "scheduled"
    article.publish_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert "Tin hẹn giờ đăng" in client.get("/news").get_data(as_text=True)
    assert client.get(f"/news/{article.id}").status_code == 200
    assert db.session.get(Article, article.id).state == State.SCHEDULED


def test_editor_previews_a_draft(client, editor):
    article = make_article(editor, publish_at=None)
    login(client, editor)
    page = client.get(f"/news/{article.id}").get_data(as_text=True)
    assert "Preview" in page or "Xem trước" in page


def test_article_shows_the_visitors_language_falling_back_to_vietnamese(client, editor):
    both = make_article(editor, title_vi="Hướng dẫn định giá công nghệ",
                        title_en="A guide to technology valuation", lead_en="How it works.")
    only_vi = make_article(editor, title_vi="Tin chỉ có tiếng Việt")

    vi = client.get(f"/news/{both.id}?lang=vi").get_data(as_text=True)
    assert "Hướng dẫn định giá công nghệ" in vi
    en = client.get(f"/news/{both.id}?lang=en").get_data(as_text=True)
    assert "A guide to technology valuation" in en
    assert f'hreflang="en" href="/news/{both.id}?lang=en"' in en
    assert f'hreflang="vi" href="/news/{both.id}?lang=vi"' in en
    fallback = client.get(f"/news/{only_vi.id}?lang=en").get_data(as_text=True)
    assert "Tin chỉ có tiếng Việt" in fallback
    assert 'hreflang="en"' not in fallback.split("</head>")[0].split("<title>")[1]


def test_article_json_ld_is_a_news_article_and_cannot_end_its_script(client, editor):
    article = make_article(editor, title_vi="Tin </script><script>alert(1)</script> & <b>",
                           author_name="Lan")
    html = client.get(f"/news/{article.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html
    (data,) = json_ld(html)
    assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
    for prop in ("headline", "datePublished", "dateModified", "author", "mainEntityOfPage"):
        assert data[prop], prop
    assert data["headline"].startswith("Tin </script><script>")
    assert data["author"]["name"] == "Lan"


def test_event_json_ld_is_an_event_with_place_and_dates(client, editor):
    event = make_event(editor)
    (data,) = json_ld(client.get(f"/events/{event.id}").get_data(as_text=True))
    assert data["@type"] == "Event"
    for prop in ("name", "startDate", "endDate", "location", "eventAttendanceMode", "url"):
        assert data[prop], prop
    assert data["location"]["@type"] == "Place"
    assert data["organizer"]["name"] == "Sở KH&CN Đắk Lắk"


def test_news_feed_is_valid_atom_with_the_published_articles(client, editor):
    make_article(editor, title_vi="Tin thứ nhất", publish_at=utcnow() - timedelta(days=2))
    make_article(editor, title_vi="Tin thứ hai")
    make_article(editor, title_vi="Tin nháp", publish_at=None)
    response = client.get("/news.atom")
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.get_data())
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}").text
    entries = root.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == ["Tin thứ hai", "Tin thứ nhất"]
    for entry in entries:
        for name in ("id", "title", "updated", "published"):
            assert entry.find(f"{ATOM}{name}").text, name
        assert entry.find(f"{ATOM}link").get("href").startswith("http")
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo and len(parsed.entries) == 2


def test_events_feed_is_valid_atom(client, editor):
    make_event(editor, title_vi="Hội thảo chuyển giao công nghệ", kind="workshop")
    parsed = feedparser.parse(client.get("/events.atom").get_data())
    assert not parsed.bozo
    assert parsed.feed.title and parsed.entries[0].title == "Hội thảo chuyển giao công nghệ"
    assert parsed.entries[0].id and parsed.entries[0].updated


def test_event_ics_downloads_and_parses(client, editor):
    event = make_event(editor)
    response = client.get(f"/events/{event.id}.ics")
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.get_data())
    (item,) = calendar.walk("VEVENT")
    assert str(item["summary"]) == "Techmart Đắk Lắk 2026"
    assert item.decoded("dtstart") == event.starts_at.replace(microsecond=0) or \
        item.decoded("dtstart") == event.starts_at
    assert str(item["location"]) == "Trung tâm Hội nghị Buôn Ma Thuột"
    assert str(item["uid"]).startswith(f"event-{event.id}@")


def test_events_page_lists_upcoming_first_and_past_below(client, editor):
    now = utcnow()
    make_event(editor, title_vi="Sự kiện đã qua", starts_at=now - timedelta(days=30),
               ends_at=now - timedelta(days=29))
    make_event(editor, title_vi="Sự kiện sắp tới")
    page = client.get("/events").get_data(as_text=True)
    assert page.index("Sự kiện sắp tới") < page.index("Sự kiện đã qua")
    upcoming = page.split('id="upcoming-events"')[1].split("</ul>")[0]
    assert "Sự kiện đã qua" not in upcoming


def test_event_shows_only_public_listings(client, editor):
    from tests.factories import make_business, make_listing, make_member, publish
    business = make_business()
    member = make_member(business=business)
    public = publish(make_listing(business, member, title="Máy sấy trưng bày tại hội chợ"))
    pending = make_listing(business, member, title="Tin đang chờ duyệt ở hội chợ")
    event = make_event(editor, listing_ids=[public.id, pending.id, 999999])
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "Máy sấy trưng bày tại hội chợ" in page
    assert "Tin đang chờ duyệt ở hội chợ" not in page
