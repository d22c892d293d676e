"""`flask exchange verify-index`: the index compared with the database, differences of each
kind found and repaired; `tick` runs it at most once an interval."""
import os
import time

from sqlalchemy import update

from exchange.extensions import db
from exchange.listings.models import Listing, Status
from exchange.search import index
from exchange.search.documents import content_version
from tests.helpers import settle
from tests.search.test_outbox import database_documents, index_documents


def run(app, *args):
    return app.test_cli_runner().invoke(args=["exchange", *map(str, args)])


def damage(app, meili, hidden, dropped, edited):
    """Change the index and the database behind the outbox's back, as a restore of an
    older dump or a lost Meilisearch volume would."""
    # the database says pending, the index still has it (as after restoring an older dump)
    db.session.execute(update(Listing).where(Listing.id == hidden.id)
                       .values(status=Status.PENDING_REVIEW))
    db.session.commit()
    admin = index.admin_client()
    admin.wait_for_task(index.delete_documents(admin, [dropped.id]))
    # a document written from older content: another title, and the version of that title
    older = dict(index_documents(meili, app)[edited.id], title="Tiêu đề của bản cũ")
    older["version"] = content_version(older)
    admin.wait_for_task(index.upsert_documents(admin, [
        older,
        {"id": 99_999, "kind": "offer", "status": "published", "title": "Tin ma",
         "summary": "", "expires_at": 2 ** 40, "version": "ghost"},
    ]))


def test_verify_index_finds_each_difference_and_repairs_it(app, post, meili):
    kept, hidden, dropped, edited = (post(title=f"Máy cắt laser CNC số {n}", wait=False)
                                     for n in range(4))
    settle(meili)
    damage(app, meili, hidden, dropped, edited)

    check = run(app, "verify-index", "--dry-run")
    assert check.exit_code == 4, check.output
    assert "database: 3 public listing(s); index: 4 document(s)" in check.output
    assert f"1 listing(s) missing from the index: {dropped.id}" in check.output
    assert f"1 listing(s) in the index but not public: {hidden.id}" in check.output
    assert "1 listing(s) in the index but not in the database: 99999" in check.output
    assert f"1 listing(s) stale in the index: {edited.id}" in check.output
    assert "Tin ma" in index_documents(meili, app)[99_999]["title"]  # nothing repaired

    result = run(app, "verify-index")
    assert result.exit_code == 0, result.output
    assert "repaired 4 difference(s)" in result.output
    meili.wait_idle()
    assert index_documents(meili, app) == database_documents()
    again = run(app, "verify-index", "--dry-run")
    assert again.exit_code == 0 and "index and database agree" in again.output


def test_verify_index_says_when_meilisearch_does_not_answer(app, post, meili):
    app.config["MEILI_URL"] = "http://127.0.0.1:9"  # nothing listens on the discard port
    result = run(app, "verify-index")
    assert result.exit_code == 1 and "Meilisearch does not answer" in result.output


def test_tick_verifies_the_index_at_most_once_an_interval(app, post, meili, tmp_path):
    stamp = tmp_path / "verify-index.stamp"
    app.config.update(VERIFY_INDEX_INTERVAL=3600, VERIFY_INDEX_STAMP=str(stamp))
    listing = post(title="Máy đóng gói chân không")
    admin = index.admin_client()
    admin.wait_for_task(index.delete_documents(admin, [listing.id]))

    first = run(app, "tick")
    assert first.exit_code == 0, first.output
    assert "index verified: 1 difference(s) repaired" in first.output
    meili.wait_idle()
    settle(meili)
    assert listing.id in index_documents(meili, app)

    admin.wait_for_task(index.delete_documents(admin, [listing.id]))
    second = run(app, "tick")
    assert "index verified" not in second.output  # within the hour: not again
    assert listing.id not in index_documents(meili, app)

    an_hour_ago = time.time() - 3601
    os.utime(stamp, (an_hour_ago, an_hour_ago))
    third = run(app, "tick")
    assert "index verified: 1 difference(s) repaired" in third.output
    settle(meili)
    assert listing.id in index_documents(meili, app)
