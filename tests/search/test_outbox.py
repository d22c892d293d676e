"""The outbox under faults: Meilisearch stopped, restarted mid-way, or hanging."""
import socket
import time

import pytest
from sqlalchemy import select

from exchange.effects import drain
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.search import outbox
from exchange.search.documents import build_document, public_listings
from exchange.search.models import IndexJob, JobState
from tests.factories import make_listing, make_moderator
from tests.helpers import api_ids, settle

HANG_SECONDS = 10.0  # MEILI_TIMEOUT is set to 0.3 s below


@pytest.fixture
def stoppable(meili):
    """The session's Meilisearch, started again whatever the test did to it."""
    yield meili
    if not meili.is_running:
        meili.start()


def index_documents(meili, app) -> dict[int, dict]:
    uid = app.config["MEILI_INDEX_PREFIX"] + "listings"
    docs = meili.request("GET", f"/indexes/{uid}/documents", params={"limit": 1000}).json()
    return {doc["id"]: doc for doc in docs.get("results", [])}


def database_documents() -> dict[int, dict]:
    return {listing.id: build_document(listing)
            for listing in db.session.scalars(public_listings()).unique()}


def test_index_converges_after_meilisearch_was_down(app, client, owner, post, stoppable):
    kept = post(title="Máy đóng gói chân không")
    withdrawn = post(title="Máy xay giò chả")
    stoppable.stop()

    fresh = [make_listing(owner.business, owner, title=f"Thiết bị lọc nước RO {n}")
             for n in range(3)]
    for listing in fresh:
        lifecycle.approve_revision(listing.latest_revision)
    lifecycle.withdraw(withdrawn, owner.id)
    db.session.commit()
    drain()  # must not raise: the requests that made these changes already succeeded

    jobs = db.session.scalars(select(IndexJob).where(IndexJob.state == JobState.PENDING)).all()
    assert {job.listing_id for job in jobs} == {*(l.id for l in fresh), withdrawn.id}
    assert all(job.attempts == 1 and job.last_error for job in jobs)
    assert outbox.push_pending() == 0  # backing off: nothing is due yet
    assert all(job.attempts == 1 for job in jobs)

    # search keeps answering from the database, and says so
    body = client.get("/api/v1/search", query_string={"q": "loc nuoc"}).get_json()
    assert body["limited"] is True
    page = client.get("/search?q=Thiết bị lọc").get_data(as_text=True)
    assert "search-limited" in page and "Thiết bị lọc nước RO" in page
    assert client.get("/healthz").get_json()["search"] == "unavailable"

    stoppable.start()
    left = outbox.sync(timeout=15)
    assert left == {"pending": 0, "enqueued": 0}
    stoppable.wait_idle()
    assert index_documents(stoppable, app) == database_documents()
    assert set(api_ids(client, q="loc nuoc")) == {l.id for l in fresh}
    assert api_ids(client, q="xay gio cha") == []
    assert kept.id in index_documents(stoppable, app)


def test_jobs_enqueued_before_a_restart_are_confirmed_after_it(app, post, owner, stoppable):
    listing = make_listing(owner.business, owner, title="Máy nén khí trục vít")
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    assert outbox.push_pending() == 1
    job = db.session.scalars(select(IndexJob)).one()
    assert job.state == JobState.ENQUEUED and job.task_uid is not None
    stoppable.wait_idle()
    stoppable.stop()
    assert outbox.confirm_enqueued() == 0  # unreachable: still waiting
    stoppable.start()
    assert outbox.sync(timeout=10) == {"pending": 0, "enqueued": 0}
    db.session.refresh(job)
    assert job.state == JobState.DONE and job.done_at is not None


def test_sync_index_command_reports_what_is_left(app, post, owner, stoppable):
    listing = make_listing(owner.business, owner, title="Máy in 3D kim loại")
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    stoppable.stop()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["exchange", "sync-index", "--timeout", "0.5"])
    assert result.exit_code == 1
    assert "1 job(s) pending" in result.output
    stoppable.start()
    result = runner.invoke(args=["exchange", "sync-index"])
    assert result.exit_code == 0, result.output
    assert "index in sync" in result.output


def test_a_hanging_meilisearch_costs_at_most_the_timeout(app, client, post):
    post(title="Băng tải con lăn")
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)  # accepts connections, never answers
        app.config["MEILI_URL"] = f"http://127.0.0.1:{silent.getsockname()[1]}"
        app.config["MEILI_TIMEOUT"] = 0.3
        started = time.monotonic()
        response = client.get("/api/v1/search?q=tải lăn")
        # a fault test about hanging: without MEILI_TIMEOUT the silent server would hold the
        # request for ever, so a generous bound tells "gave up" from "hung", not fast from slow
        assert time.monotonic() - started < HANG_SECONDS
        assert response.status_code == 200
        assert response.get_json()["limited"] is True
        assert [h["title"] for h in response.get_json()["hits"]] == ["Băng tải con lăn"]
        assert client.get("/").status_code == 200


def test_failed_pushes_back_off_exponentially(app, owner, stoppable):
    listing = make_listing(owner.business, owner, title="Máy sàng rung")
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    stoppable.stop()
    delays = []
    for _ in range(4):
        outbox.push_pending(force=True)
        job = db.session.scalars(select(IndexJob)).one()
        delays.append((job.next_attempt_at - job.created_at).total_seconds())
    assert job.attempts == 4
    assert delays == sorted(delays) and delays[-1] >= 15


def test_moderator_suspension_is_hidden_even_if_the_push_fails(app, client, post, stoppable):
    listing = post(title="Dây chuyền sản xuất gạch tuynel")
    stoppable.stop()
    lifecycle.suspend(listing, make_moderator().id, "Nội dung sai")
    db.session.commit()
    drain()
    stoppable.start()
    # Meilisearch is back but has not been told yet: the document is still in the index
    assert listing.id in index_documents(stoppable, app)
    assert api_ids(client, q="gach tuynel") == []
    settle(stoppable)
    assert listing.id not in index_documents(stoppable, app)


def test_side_effects_run_once_the_response_is_sent(app, client, post, owner):
    """The owner's browser gets its answer first; Meilisearch hears of it right after."""
    from tests.factories import csrf_token, login
    listing = post()
    login(client, owner)
    response = client.post(f"/listings/{listing.id}/withdraw", buffered=False,
                           data={"csrf_token": csrf_token(client, f"/listings/{listing.id}")})
    assert response.status_code == 302

    def newest_job():
        db.session.expire_all()
        return db.session.scalars(select(IndexJob).where(IndexJob.listing_id == listing.id)
                                  .order_by(IndexJob.id.desc())).first()

    assert (newest_job().reason, newest_job().state) == ("withdrawn", JobState.PENDING)
    response.close()  # what the server does once the response is written
    assert newest_job().state in (JobState.ENQUEUED, JobState.DONE)
