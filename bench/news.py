"""Bench: `flask exchange import-news` of a 5,000-item RSS file, then the same file again.

    .venv/bin/python -m bench.news              # 5,000 items
    BENCH_NEWS_ITEMS=20000 .venv/bin/python -m bench.news

The feed is generated like an old department site's export (Vietnamese titles, HTML bodies
with paragraphs, bold text, a link and a picture). The first run is timed from reading the
file to Meilisearch confirming the last document; the re-run must create nothing (every
guid is already imported) and is timed the same way. BENCH_DATABASE_URL picks the
database (default: a temporary SQLite file).
"""
import os
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from bench.harness import bench_app
from bench.report import write_section

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ITEMS = int(os.environ.get("BENCH_NEWS_ITEMS", "5000"))
SUBJECTS = ["Hội chợ công nghệ và thiết bị", "Hội thảo chuyển giao công nghệ",
            "Chính sách hỗ trợ doanh nghiệp đổi mới sáng tạo", "Tập huấn sở hữu trí tuệ",
            "Kết nối cung cầu công nghệ", "Nghiệm thu đề tài khoa học"]
PLACES = ["Đắk Lắk", "Hà Nội", "Cần Thơ", "Lâm Đồng", "Nghệ An", "Thanh Hóa"]


def write_feed(path: Path, items: int) -> None:
    rng = random.Random(11)
    start = datetime(2015, 1, 1, 8, tzinfo=timezone(timedelta(hours=7)))
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                "<title>Sở Khoa học và Công nghệ</title><link>https://sokhcn.example.vn/</link>"
                "<description>Tin tức</description>\n")
        for n in range(items):
            subject, place = rng.choice(SUBJECTS), rng.choice(PLACES)
            body = (f"<p>{subject} tại <b>{place}</b> thu hút {rng.randrange(20, 400)} "
                    f"doanh nghiệp.</p><p>Chi tiết xem <a href=\"https://sokhcn.example.vn/"
                    f"tin/{n}\">tại đây</a>.</p><img src=\"https://sokhcn.example.vn/anh/{n}.jpg\""
                    f" alt=\"{place}\"><p>{'Nội dung bài viết. ' * rng.randrange(5, 40)}</p>")
            f.write(f"<item><guid>https://sokhcn.example.vn/tin/{n}</guid>"
                    f"<title>{escape(subject)} {place} số {n}</title>"
                    f"<pubDate>{format_datetime(start + timedelta(hours=13 * n))}</pubDate>"
                    f"<description>{escape(body)}</description></item>\n")
        f.write("</channel></rss>\n")


def timed_import(app, path: Path) -> tuple[dict, float]:
    runner = app.test_cli_runner()
    started = time.monotonic()
    with app.app_context():
        from exchange.search.outbox import sync
        result = runner.invoke(args=["exchange", "import-news", str(path)])
        command = time.monotonic() - started
        left = sync(timeout=900)
    seconds = time.monotonic() - started
    assert result.exit_code == 0, (result.output, result.exception)
    assert not any(left.values()), left
    return {"output": result.output.strip().splitlines()[-1], "seconds": seconds,
            "rate": ITEMS / seconds, "command": command,
            "command_rate": ITEMS / command}, seconds


MARK_START, MARK_END = "<!-- bench:news:start -->", "<!-- bench:news:end -->"


def write_results(first: dict, again: dict, database: str, load: float) -> Path:
    import platform
    section = f"""{MARK_START}
## News import (`flask exchange import-news`)

An RSS file of {ITEMS:,} items (HTML bodies of 0.3–1 KB with paragraphs, bold text, a link
and a picture) imported into {database}: every body cleaned with nh3 and turned into
Markdown, one published article and one index job per item, batches of 500; timed from
reading the file to the command's end, and until Meilisearch confirmed the last document
of the `content` index.
The re-run reads the same file and creates nothing (every guid is already imported).
{os.cpu_count()} CPUs ({platform.machine()}), load average {load:.1f} at the end (shared
machine).

| run | command: items/s (time) | until the index confirmed: items/s (time) |
|---|---|---|
| first import | {first['command_rate']:,.0f} ({first['command']:.1f} s) | {first['rate']:,.0f} ({first['seconds']:.1f} s) |
| re-run (creates nothing) | {again['command_rate']:,.0f} ({again['command']:.1f} s) | {again['rate']:,.0f} ({again['seconds']:.1f} s) |

The command is reading and parsing the feed (feedparser), cleaning the HTML, writing the
articles and their index jobs; the rest is Meilisearch indexing the documents (title, lead
and up to 5,000 characters of body each), which the command leaves to the outbox.
{MARK_END}"""
    return write_section(MARK_START, MARK_END, section)


def main() -> dict:
    from exchange.content.models import Article
    from exchange.extensions import db

    with bench_app("news") as bench:
        app, workdir, database_url = bench.app, bench.workdir, bench.database_url
        path = workdir / "news.xml"
        write_feed(path, ITEMS)
        first, _ = timed_import(app, path)
        again, _ = timed_import(app, path)
        with app.app_context():
            count = db.session.scalar(db.select(db.func.count()).select_from(Article))
    assert count == ITEMS, count
    print(f"news import, {ITEMS:,} RSS items ({database_url.split(':')[0]})")
    for label, run in (("first run", first), ("re-run", again)):
        print(f"  {label:<9}: command {run['command_rate']:>7,.0f} items/s "
              f"({run['command']:.1f}s), index confirmed {run['rate']:>7,.0f} items/s "
              f"({run['seconds']:.1f}s) — {run['output']}")
    written = write_results(first, again, bench.database, os.getloadavg()[0])
    print(f"  written to {written}")
    return {"first": first, "again": again}


if __name__ == "__main__":
    main()
