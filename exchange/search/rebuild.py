"""Rebuilds the listings index from the database into a new index and swaps it in."""
import time
from collections.abc import Callable

from sqlalchemy import func, select, update

from exchange.dbstats import analyze
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.search import index
from exchange.search.documents import public_documents, public_listing_ids, public_listings
from exchange.search.models import IndexJob, JobState
from exchange.timeutil import utcnow

BATCH = 5000


def count_public() -> int:
    return db.session.scalar(
        select(func.count()).select_from(public_listings().with_only_columns(Listing.id)
                                         .order_by(None).subquery())
    ) or 0


def reindex(batch_size: int = BATCH, progress: Callable[[int], None] | None = None) -> dict:
    """Build `<prefix>listings` anew without interrupting search; returns figures.

    Jobs recorded while the rebuild reads the database may have been pushed to the old
    index only, so they are sent again after the swap.
    """
    client = index.admin_client()
    live = index.index_name()
    fresh = index.index_name(f"__rebuild_{int(time.time() * 1000)}")
    started_at = utcnow()
    started = time.monotonic()
    _drop_abandoned_rebuilds(client, live)
    _ensure_exists(client, live)  # the swap needs both indexes to exist
    index.apply_settings(client, fresh)

    # read by primary key in chunks: a keyset scan over the status filter made the database
    # sort the whole catalogue once per batch
    ids = public_listing_ids()
    tasks, sent = [], 0
    for start in range(0, len(ids), batch_size):
        documents = public_documents(ids[start:start + batch_size])
        if documents:
            tasks.append(index.upsert_documents(client, documents, uid=fresh))
        sent += len(documents)
        if progress:
            progress(len(documents))
    for uid in tasks:
        task = client.wait_for_task(uid, timeout=3600)
        if task["status"] != "succeeded":
            client.delete(f"/indexes/{fresh}")
            raise index.SearchUnavailable(f"indexing task {uid} failed: {task.get('error')}")

    swap = client.post("/swap-indexes", [{"indexes": [live, fresh]}])
    task = client.wait_for_task(swap["taskUid"], timeout=600)
    if task["status"] != "succeeded":
        raise index.SearchUnavailable(f"swap failed: {task.get('error')}")
    client.delete(f"/indexes/{fresh}")  # now holds the previous generation
    db.session.execute(
        update(IndexJob).where(IndexJob.created_at >= started_at)
        .values(state=JobState.PENDING, task_uid=None, next_attempt_at=utcnow())
    )
    db.session.commit()
    # a rebuild usually follows a bulk load or a restore: plan later queries on real counts
    analyze("listings", "listing_revisions", "businesses", "revision_files", "index_jobs")
    seconds = time.monotonic() - started
    return {"documents": sent, "seconds": seconds,
            "rate": sent / seconds if seconds else 0.0}


def _ensure_exists(client, uid: str) -> None:
    try:
        client.get(f"/indexes/{uid}")
    except index.MeiliError as exc:
        if exc.code != "index_not_found":
            raise
        index.apply_settings(client, uid)


def _drop_abandoned_rebuilds(client, live: str) -> None:
    """Delete half-built indexes left by a rebuild that was interrupted."""
    indexes = client.get("/indexes", params={"limit": 1000})["results"]
    for item in indexes:
        if item["uid"].startswith(f"{live}__rebuild_"):
            client.delete(f"/indexes/{item['uid']}")
