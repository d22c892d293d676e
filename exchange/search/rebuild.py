"""Rebuilds the listings index from the database into a new index and swaps it in."""
import time
from collections.abc import Callable

from sqlalchemy import func, select, update

from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.search import index
from exchange.search.documents import build_document, public_listings
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
    index.apply_settings(client, live)  # the swap needs both indexes to exist
    index.apply_settings(client, fresh)

    tasks, sent, last_id = [], 0, 0
    while True:
        listings = db.session.scalars(
            public_listings().where(Listing.id > last_id).order_by(Listing.id).limit(batch_size)
        ).unique().all()
        if not listings:
            break
        documents = [build_document(listing) for listing in listings]
        last_id = listings[-1].id
        tasks.append(index.upsert_documents(client, documents, uid=fresh))
        sent += len(documents)
        db.session.expunge_all()  # keep memory flat on large rebuilds
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
    seconds = time.monotonic() - started
    return {"documents": sent, "seconds": seconds,
            "rate": sent / seconds if seconds else 0.0}


def _drop_abandoned_rebuilds(client, live: str) -> None:
    """Delete half-built indexes left by a rebuild that was interrupted."""
    indexes = client.get("/indexes", params={"limit": 1000})["results"]
    for item in indexes:
        if item["uid"].startswith(f"{live}__rebuild_"):
            client.delete(f"/indexes/{item['uid']}")
