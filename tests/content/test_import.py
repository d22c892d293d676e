"""`flask exchange import-news`: RSS/Atom or CSV in, sanitised Markdown out, safe to re-run."""
import csv

from exchange.content.importer import html_to_markdown
from exchange.content.models import Article, State
from exchange.extensions import db
from exchange.listings.markdown import render_markdown
from exchange.search.models import IndexJob

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Sở KH&amp;CN</title><link>https://sokhcn.example.vn</link>
<description>Tin</description>
<item><guid>https://sokhcn.example.vn/tin/1</guid><title>Khai mạc Techmart 2025</title>
<pubDate>Tue, 04 Nov 2025 08:00:00 +0700</pubDate>
<description><![CDATA[<p>Hơn <b>200</b> gian hàng.</p><script>alert(1)</script>
<img src="https://sokhcn.example.vn/anh/1.jpg" alt="Khai mạc"><p onclick="x()">
<a href="javascript:alert(1)">xấu</a> <a href="https://sokhcn.example.vn/">trang</a></p>]]></description>
<enclosure url="https://sokhcn.example.vn/anh/bia.jpg" type="image/jpeg" length="1"/></item>
<item><guid>https://sokhcn.example.vn/tin/2</guid><title>Hội thảo định giá công nghệ</title>
<pubDate>Wed, 05 Nov 2025 09:00:00 +0700</pubDate><description>Nội dung.</description></item>
<item><guid>https://sokhcn.example.vn/tin/3</guid><title></title><description>Không có tiêu đề</description></item>
</channel></rss>"""


def _run(app, path, *extra):
    result = app.test_cli_runner().invoke(args=["exchange", "import-news", str(path), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _count():
    return db.session.scalar(db.select(db.func.count()).select_from(Article))


def test_rss_import_is_sanitised_reported_and_idempotent(app, tmp_path):
    feed = tmp_path / "tin.xml"
    feed.write_text(RSS, encoding="utf-8")
    output = _run(app, feed)
    assert "2 created, 0 already imported, 1 rejected" in output
    with open(f"{feed}.rejects.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert rows == [{"line": "3", "id": "https://sokhcn.example.vn/tin/3", "reason": "no title"}]

    article = db.session.scalar(db.select(Article).where(
        Article.external_id == "https://sokhcn.example.vn/tin/1"))
    assert article.state == State.PUBLISHED and article.is_public()
    assert article.publish_at.isoformat() == "2025-11-04T01:00:00+00:00"
    assert article.source_image_url == "https://sokhcn.example.vn/anh/bia.jpg"
    html = str(render_markdown(article.body_vi))
    assert "<strong>200</strong>" in html
    assert "script" not in html and "alert" not in html and "onclick" not in html
    assert 'href="https://sokhcn.example.vn/anh/1.jpg"' in html  # the picture, as a link
    assert "<img" not in html
    assert db.session.scalar(db.select(db.func.count()).select_from(IndexJob).where(
        IndexJob.document_key.is_not(None))) == 2

    output = _run(app, feed)
    assert "0 created, 2 already imported, 1 rejected" in output
    assert _count() == 2


def test_csv_import(app, tmp_path):
    path = tmp_path / "tin.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "date", "body_html", "image_url", "category"])
        writer.writerow(["a-1", "Chính sách mới", "2024-03-01", "<p>Điều <em>một</em></p>",
                         "https://x.example.vn/a.jpg", "policy"])
        writer.writerow(["a-2", "Ngày sai", "01/03/2024", "<p>x</p>", "", ""])
        writer.writerow(["a-3", "Ảnh sai", "2024-03-02", "<p>x</p>", "javascript:1", ""])
    output = _run(app, path, "--rejects", str(tmp_path / "loi.csv"))
    assert "1 created, 0 already imported, 2 rejected" in output
    article = db.session.scalar(db.select(Article))
    assert article.category == "policy" and article.body_vi == "Điều *một*"
    assert "1 already imported" in _run(app, path)


def test_html_to_markdown_keeps_structure_and_escapes_markdown_in_text():
    text = html_to_markdown("<h2>Tiêu đề</h2><ul><li>một</li><li>hai *sao*</li></ul>"
                            "<p>dòng<br>mới</p>")
    assert text.startswith("## Tiêu đề")
    assert "- một" in text and "- hai \\*sao\\*" in text
    html = str(render_markdown(text))
    assert "<h2>Tiêu đề</h2>" in html and "<li>hai *sao*</li>" in html and "<br" in html
