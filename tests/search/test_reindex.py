"""`flask exchange reindex`: rebuild from the database into a new index, then swap."""
import threading

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Listing
from exchange.search import index
from exchange.search.models import IndexJob, JobState
from tests.factories import make_listing
from tests.helpers import api_ids, settle
from tests.search.test_outbox import database_documents, index_documents


def test_reindex_rebuilds_and_swaps(app, client, owner, post, meili):
    listings = [post(title=f"Máy ép dầu thực vật {n}", wait=False) for n in range(7)]
    settle(meili)
    live = index.index_name()
    # damage the live index behind the app's back: a ghost and a missing document
    admin = index.admin_client()
    admin.wait_for_task(index.upsert_documents(admin, [{
        "id": 999, "kind": "offer", "status": "published", "title": "Tin ma", "summary": "",
        "expires_at": 2 ** 40}]))
    admin.wait_for_task(index.delete_documents(admin, [listings[0].id]))
    assert 999 in index_documents(meili, app)
    admin.wait_for_task(admin.post("/indexes", {"uid": f"{live}__rebuild_1"})["taskUid"])

    result = app.test_cli_runner().invoke(args=["exchange", "reindex", "--batch-size", "3"])
    assert result.exit_code == 0, result.output
    assert "indexed 7 listing(s)" in result.output and "docs/s" in result.output

    assert index_documents(meili, app) == database_documents()
    indexes = {i["uid"] for i in meili.request("GET", "/indexes",
                                               params={"limit": 1000}).json()["results"]}
    assert [uid for uid in indexes if uid.startswith(live)] == [live]  # old generation gone
    settings = meili.request("GET", f"/indexes/{live}/settings").json()
    assert settings["searchableAttributes"] == index.SEARCHABLE
    assert "phu tho" in settings["synonyms"]
    assert len(api_ids(client, q="may ep dau", per_page=20)) == 7
    # the search-only key still works: the live index keeps its name
    assert api_ids(client, q="tin ma") == []


def test_search_keeps_answering_during_a_rebuild(app, client, post, meili):
    for n in range(30):
        post(title=f"Lò sấy gỗ {n}", wait=False)
    settle(meili)
    answers = []
    stop = threading.Event()

    def search_repeatedly():
        with app.app_context():
            local = app.test_client()
            while not stop.is_set():
                body = local.get("/api/v1/search?q=lo say go").get_json()
                answers.append((body["limited"], body["total"]))

    worker = threading.Thread(target=search_repeatedly)
    worker.start()
    try:
        result = app.test_cli_runner().invoke(args=["exchange", "reindex", "--batch-size", "5"])
    finally:
        stop.set()
        worker.join()
    assert result.exit_code == 0, result.output
    assert answers and all(answer == (False, 30) for answer in answers)


def test_changes_during_a_rebuild_are_pushed_again_after_the_swap(app, owner, post, meili):
    from exchange.effects import drain
    from exchange.search.rebuild import reindex

    first = post(title="Máy làm đá viên")
    first_id = first.id
    late_id = make_listing(owner.business, owner, title="Máy làm đá vảy").id

    def approve_meanwhile(_count):
        if db.session.get(Listing, late_id).status == "published":
            return
        # approved while the rebuild runs: pushed to the old index, which the swap retires
        lifecycle.approve_revision(db.session.get(Listing, late_id).latest_revision)
        db.session.commit()
        drain()
        meili.wait_idle()

    figures = reindex(batch_size=10, progress=approve_meanwhile)
    assert figures["documents"] >= 1
    job = db.session.scalars(db.select(IndexJob).where(IndexJob.listing_id == late_id)).one()
    assert job.state == JobState.PENDING
    settle(meili)
    assert set(index_documents(meili, app)) == {first_id, late_id}


def test_reindex_refreshes_the_planner_statistics(app, post, meili):
    from sqlalchemy import text

    from tests.transfer.test_statistics import planner_rows
    for n in range(3):
        post(title=f"Máy nghiền bột đá {n}", wait=False)
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["exchange", "reindex"])
    assert result.exit_code == 0, result.output
    db.session.commit()
    assert planner_rows("listings") == 3
