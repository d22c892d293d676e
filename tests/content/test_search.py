"""News and events in their own index: through the outbox, found without diacritics."""
from datetime import timedelta

from exchange.content.indexing import index_due
from exchange.content.models import Article
from exchange.extensions import db
from exchange.search.models import IndexJob, JobState
from exchange.search.outbox import sync
from exchange.timeutil import utcnow
from tests.content.conftest import make_article, make_event


def _results(client, q):
    page = client.get("/search", query_string={"tab": "news", "q": q})
    assert page.status_code == 200
    return page.get_data(as_text=True).split('id="content-results"')[1].split("</ul>")[0]


def test_published_news_and_events_are_found_without_diacritics(client, editor):
    make_article(editor, title_vi="Hội chợ công nghệ và thiết bị Tây Nguyên")
    make_event(editor, title_vi="Tập huấn chuyển giao công nghệ sấy")
    make_article(editor, title_vi="Bản nháp về hội chợ", publish_at=None)
    assert sync(timeout=30) == {"pending": 0, "enqueued": 0}

    found = _results(client, "hoi cho cong nghe")
    assert "Hội chợ công nghệ và thiết bị Tây Nguyên" in found
    assert "Bản nháp về hội chợ" not in found
    assert "Tập huấn chuyển giao công nghệ sấy" in _results(client, "tap huan chuyen giao")
    tabs = client.get("/search?q=may").get_data(as_text=True)
    assert "tab=news" in tabs


def test_a_scheduled_article_reaches_the_index_through_the_tick(app, client, editor):
    article = make_article(editor, title_vi="Chính sách ưu đãi thuế cho đổi mới sáng tạo",
                           publish_at=utcnow() + timedelta(hours=1))
    sync(timeout=30)
    assert "Chính sách ưu đãi" not in _results(client, "chinh sach uu dai")
    assert index_due() == 0  # not yet its time

    article.publish_at = utcnow() - timedelta(seconds=1)  # the hour has passed
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["exchange", "tick"])
    assert result.exit_code == 0, result.output
    assert "1 scheduled article(s)/event(s) sent to the index" in result.output
    assert db.session.get(Article, article.id).indexed_public
    jobs = db.session.scalars(db.select(IndexJob).where(
        IndexJob.document_key == f"content:article-{article.id}")).all()
    assert jobs and all(job.listing_id is None for job in jobs)
    assert sync(timeout=30) == {"pending": 0, "enqueued": 0}
    assert "Chính sách ưu đãi thuế" in _results(client, "chinh sach uu dai thue")
    assert index_due() == 0
    assert db.session.scalar(db.select(db.func.count()).select_from(IndexJob).where(
        IndexJob.state != JobState.DONE)) == 0


def test_an_archived_article_leaves_the_index(client, editor):
    from exchange.content import services
    article = make_article(editor, title_vi="Câu chuyện thành công của HTX cà phê",
                           category="success_story")
    sync(timeout=30)
    assert "Câu chuyện thành công" in _results(client, "cau chuyen thanh cong")
    services.archive(db.session.get(Article, article.id))
    db.session.commit()
    sync(timeout=30)
    assert "Câu chuyện thành công" not in _results(client, "cau chuyen thanh cong")
