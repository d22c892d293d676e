"""News and events join the sitemap: the list pages and what is public now, nothing else."""
from datetime import timedelta
from xml.etree import ElementTree as ET

from exchange.timeutil import utcnow
from tests.content.conftest import make_article, make_event

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def _urls(client) -> set[str]:
    index = ET.fromstring(client.get("/sitemap.xml").get_data())
    urls = set()
    for loc in index.findall("sm:sitemap/sm:loc", NS):
        path = "/" + loc.text.split("/", 3)[3]
        chunk = ET.fromstring(client.get(path).get_data())
        urls |= {url.find("sm:loc", NS).text for url in chunk.findall("sm:url", NS)}
    return urls


def test_public_articles_and_events_are_in_the_sitemap_drafts_and_future_ones_are_not(
        app, editor):
    public = make_article(editor)
    draft = make_article(editor, publish_at=None, title_vi="Bản nháp chưa đăng")
    later = make_article(editor, publish_at=utcnow() + timedelta(days=2),
                         title_vi="Bài hẹn giờ đăng")
    event = make_event(editor)
    hidden_event = make_event(editor, publish_at=None, title_vi="Sự kiện nháp")

    paths = {url.split("/", 3)[3] for url in _urls(app.test_client())}
    assert {"news", "events", f"news/{public.id}", f"events/{event.id}"} <= paths
    assert f"news/{draft.id}" not in paths
    assert f"news/{later.id}" not in paths
    assert f"events/{hidden_event.id}" not in paths
