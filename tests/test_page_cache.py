"""Public pages kept for anonymous visitors: served again while nothing public changed,
fresh after any change, and never kept for (or shown to) anyone else. (What members are
served from kept pages, with their own panels: tests/test_panels.py.)"""
import os
import time

import pytest
from sqlalchemy import insert, update

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Revision
from exchange.matching.outbox import drain_matching
from exchange.search.models import IndexJob
from tests import helpers
from tests.factories import login, make_business, make_listing, make_member, publish


@pytest.fixture
def app_overrides(tmp_path):
    # a long look interval: only this process's own commits and the generation refresh it
    return {"PAGE_CACHE_SECONDS": 30, "PUBLIC_STATE_SECONDS": 30.0,
            "PAGE_CACHE_DIR": str(tmp_path / "page-cache")}


def settle(meili):
    helpers.settle(meili)
    drain_matching()


def published_offer(meili, title="Máy sấy nông sản năng lượng mặt trời"):
    seller = make_member(business=make_business(name="Công ty Cơ khí Đông Á"))
    listing = make_listing(seller.business, seller, title=title)
    publish(listing)
    settle(meili)
    return seller, listing


def rename_quietly(listing, title):
    """Change the public text behind the app's back: no job, so no new generation."""
    db.session.execute(update(Revision).where(Revision.id == listing.approved_revision_id)
                       .values(title=title))
    db.session.commit()


def test_an_anonymous_page_is_served_again_until_something_public_changes(app, client, meili):
    seller, listing = published_offer(meili)
    url = f"/listings/{listing.id}"
    assert "Máy sấy nông sản" in client.get(url).get_data(as_text=True)

    rename_quietly(listing, "Tên chưa qua hệ thống")
    kept = client.get(url)
    assert "Máy sấy nông sản" in kept.get_data(as_text=True)
    # answered as it was sent, headers included
    assert kept.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert kept.headers["X-Frame-Options"] == "DENY"

    # a change through the lifecycle records an index job: the next visitor sees it at once
    lifecycle.withdraw(db.session.get(type(listing), listing.id), seller.id)
    db.session.commit()
    assert client.get(url).status_code in (404, 410)


def test_another_processs_change_is_seen_within_the_look_interval(app, client, meili):
    app.config["PUBLIC_STATE_SECONDS"] = 3.0
    _seller, listing = published_offer(meili)
    url = f"/listings/{listing.id}"
    client.get(url)
    looked_at = time.monotonic()
    db.session.info.pop("drain", None)  # as after a request: these commits are not its own
    rename_quietly(listing, "Máy sấy bơm nhiệt thế hệ mới")
    # another worker's change: its index job, committed without this process knowing
    db.session.execute(insert(IndexJob).values(listing_id=listing.id, reason="revision"))
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    if time.monotonic() - looked_at < 3.0:  # not looked again yet: still the kept page
        assert "Máy sấy bơm nhiệt thế hệ mới" not in page
    # once the interval has passed the next look sees it (bounded polling, not a stopwatch)
    helpers.eventually(
        lambda: "Máy sấy bơm nhiệt thế hệ mới" in client.get(url).get_data(as_text=True),
        timeout=15.0, interval=0.25, what="another process's change")


def test_search_answers_are_kept_and_follow_a_new_approval(app, client, meili):
    seller, _listing = published_offer(meili)
    api = "/api/v1/search?q=may+say"
    assert client.get(api).get_json()["total"] == 1
    other = make_listing(seller.business, seller, title="Máy sấy lạnh trái cây")
    assert client.get(api).get_json()["total"] == 1  # pending: not public, nothing changed
    publish(other)
    settle(meili)
    assert client.get(api).get_json()["total"] == 2


def test_the_owners_page_is_never_served_or_stored(app, client, meili):
    seller, listing = published_offer(meili)
    url = f"/listings/{listing.id}"
    member_client = app.test_client()
    login(member_client, seller)
    own = member_client.get(url).get_data(as_text=True)
    assert "csrf_token" in own  # the sign-out form: this page is the member's own
    anonymous = client.get(url).get_data(as_text=True)
    assert "csrf_token" not in anonymous and seller.email not in anonymous
    rename_quietly(listing, "Máy sấy đổi tên")
    assert "Máy sấy đổi tên" in member_client.get(url).get_data(as_text=True)


def test_a_visitor_with_a_cookie_gets_their_language_and_their_messages(app, client, meili):
    _seller, listing = published_offer(meili)
    url = f"/listings/{listing.id}"
    vietnamese = client.get(url).get_data(as_text=True)
    english_client = app.test_client()
    english = english_client.get(url + "?lang=en").get_data(as_text=True)
    assert english != vietnamese
    # the visitor's choice is in their session from now on; the cached Vietnamese page
    # is not theirs, nor theirs anyone else's
    assert english_client.get(url).get_data(as_text=True) == english
    assert client.get(url).get_data(as_text=True) == vietnamese
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Thông báo dành riêng cho bạn")]
    assert "Thông báo dành riêng cho bạn" in client.get(url).get_data(as_text=True)
    assert "Thông báo dành riêng cho bạn" not in app.test_client().get(url).get_data(
        as_text=True)


def test_a_degraded_answer_is_not_kept(app, client, meili):
    published_offer(meili)
    app.config["MEILI_URL"] = "http://127.0.0.1:9"  # nothing listens there
    limited = client.get("/api/v1/search?q=may+say").get_json()
    assert limited["limited"] is True
    app.config["MEILI_URL"] = meili.url
    assert client.get("/api/v1/search?q=may+say").get_json()["limited"] is False


def test_off_when_the_setting_is_zero(app, client, meili):
    app.config["PAGE_CACHE_SECONDS"] = 0
    _seller, listing = published_offer(meili)
    url = f"/listings/{listing.id}"
    client.get(url)
    rename_quietly(listing, "Máy sấy không lưu")
    assert "Máy sấy không lưu" in client.get(url).get_data(as_text=True)


def test_assets_do_not_look_for_public_changes(app, client, monkeypatch):
    from exchange.search import freshness
    looks = []
    real = freshness.current
    monkeypatch.setattr(freshness, "current", lambda *app: looks.append(1) or real(*app))
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/vendor/htmx/htmx.min.js").status_code == 200
    assert looks == []
    assert client.get("/api/v1/stats").status_code == 200
    assert looks == [1]  # a page that may be kept does


def test_a_page_in_a_worker_s_memory_expires_with_its_file(tmp_path):
    from exchange.core.pagecache import PageStore

    now = [1_000_000.0]
    writer, reader = (PageStore(str(tmp_path), entries=10, seconds=30, memory_entries=10)
                      for _ in range(2))
    writer.clock = reader.clock = lambda: now[0]
    writer.set("page", b"kept")
    now[0] += 20
    assert reader.get("page") == b"kept"  # another worker's file, now in this one's memory
    (tmp_path / next(name for name in os.listdir(tmp_path)
                     if not name.startswith("__"))).write_bytes(b"")  # its file is gone bad
    assert reader.get("page") == b"kept"  # memory answers while the page is unexpired
    now[0] += 11  # 31 s after it was written: expired, though the reader read it 11 s ago
    assert reader.get("page") is None and writer.get("page") is None
    writer.set("page", b"rendered again")
    assert reader.get("page") == b"rendered again"


def test_kept_files_are_swept_past_their_time_and_beyond_the_bound(tmp_path):
    from exchange.core.filestore import SweptFiles

    files = SweptFiles(str(tmp_path), entries=2, seconds=30)
    for n in range(5):
        files.set(f"page {n}", n)
    assert len(os.listdir(tmp_path)) == 5  # one file per entry, no count kept beside them
    now = time.time()
    for n, age in enumerate((100, 31, 20, 10, 5)):  # seconds since each was written
        path = files._get_filename(f"page {n}")
        os.utime(path, (now - age, now - age))
    (tmp_path / "not an entry").mkdir()
    os.utime(tmp_path / "not an entry", (now - 100, now - 100))
    assert files.sweep(now) == 3  # two past their time, then the oldest beyond two
    assert (tmp_path / "not an entry").is_dir()
    assert [files.get(f"page {n}") for n in range(5)] == [None, None, None, 3, 4]

    files.next_sweep = 0.0  # due: the next write sweeps
    os.utime(files._get_filename("page 3"), (now - 40, now - 40))
    files.set("page 5", 5)
    assert sorted(files.get(f"page {n}") for n in range(6) if files.get(f"page {n}")) == [4, 5]
