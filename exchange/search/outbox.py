"""Pushes pending index jobs to Meilisearch and confirms their tasks."""
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from exchange.extensions import db
from exchange.listings.models import Listing, Status
from exchange.search import index
from exchange.search.documents import public_documents
from exchange.search.models import IndexJob, JobState, record_index_job
from exchange.timeutil import utcnow

BATCH = 500
MAX_BACKOFF_SECONDS = 300


@dataclass(frozen=True)
class Source:
    """Documents other than listings that go through this outbox (news, events): the
    feature registers how to reach its index and how to build its public documents."""

    prepare: Callable[[], str]  # make the index ready; return its uid
    documents: Callable[[set[str]], dict[str, dict]]  # ids -> public documents by id


SOURCES: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    SOURCES[name] = source


def _backoff(job: IndexJob, error: str, now) -> None:
    job.state = JobState.PENDING
    job.task_uid = None
    job.attempts += 1
    job.next_attempt_at = now + timedelta(seconds=min(2 ** job.attempts, MAX_BACKOFF_SECONDS))
    job.last_error = error[:500]


def confirm_enqueued() -> int:
    """Mark jobs whose Meilisearch task succeeded as done; re-queue those that failed."""
    rows = db.session.execute(
        select(IndexJob.id, IndexJob.task_uid)
        .where(IndexJob.state == JobState.ENQUEUED).limit(BATCH * 4)
    ).all()
    if not rows:
        return 0
    uids = sorted({uid for _, uid in rows if uid is not None})
    try:
        tasks = _tasks(uids)
    except index.SearchUnavailable:
        return 0
    now = utcnow()
    succeeded = [job_id for job_id, uid in rows
                 if tasks.get(uid, {}).get("status") == "succeeded"]
    retry = [job_id for job_id, uid in rows
             if uid not in tasks or tasks[uid]["status"] in ("failed", "canceled")]
    if succeeded:
        # one statement however many jobs a task carried (bulk imports confirm thousands)
        db.session.execute(update(IndexJob).where(IndexJob.id.in_(succeeded))
                           .values(state=JobState.DONE, done_at=now))
    for job in _jobs(retry):
        task = tasks.get(job.task_uid)
        if task is None:
            # the server lost the task (restarted on a fresh database): push again
            _backoff(job, f"task {job.task_uid} unknown to Meilisearch", now)
            job.next_attempt_at = now
        else:
            _backoff(job, f"task {job.task_uid} {task['status']}: {task.get('error')}", now)
    db.session.commit()
    return len(succeeded)


def _jobs(ids: list[int]) -> list[IndexJob]:
    if not ids:
        return []
    return list(db.session.scalars(select(IndexJob).where(IndexJob.id.in_(ids))))


def _tasks(uids: list[int]) -> dict[int, dict]:
    client = index.admin_client()
    found = {}
    for start in range(0, len(uids), 500):
        chunk = uids[start:start + 500]
        page = client.get("/tasks", params={"uids": ",".join(map(str, chunk)),
                                            "limit": len(chunk)})
        found.update({task["uid"]: task for task in page["results"]})
    return found


def push_pending(force: bool = False, batch: int = BATCH) -> int:
    """Send due jobs to Meilisearch, one upsert and one delete task per batch of `batch`
    jobs (bulk writers such as the CSV import pass thousands).

    Jobs are coalesced per listing and the documents are built from the database as it is
    now, so whatever order the jobs were recorded in, the index ends up like the database.
    """
    confirm_enqueued()
    pushed = _push_listings(force, batch)
    return pushed + _push_documents(force, batch)


def _push_listings(force: bool, batch: int) -> int:
    now = utcnow()
    stmt = select(IndexJob).where(IndexJob.state == JobState.PENDING,
                                  IndexJob.listing_id.is_not(None))
    if not force:
        stmt = stmt.where(IndexJob.next_attempt_at <= now)
    jobs = db.session.execute(
        stmt.with_only_columns(IndexJob.id, IndexJob.listing_id)
        .order_by(IndexJob.id).limit(batch).with_for_update(skip_locked=True)
    ).all()
    if not jobs:
        db.session.commit()
        return 0
    listing_ids = {listing_id for _, listing_id in jobs}
    # plain rows, not ORM objects: a bulk import pushes thousands of documents per call
    public = {document["id"]: document for document in public_documents(listing_ids)}
    gone = sorted(listing_ids - public.keys())

    task_for: dict[int, int] = {}
    errors: dict[int, str] = {}
    try:
        index.ensure_ready()
        client = index.admin_client()
    except index.SearchUnavailable as exc:
        errors = {listing_id: str(exc) for listing_id in listing_ids}
    else:
        for ids, send in (
            (sorted(public), lambda ids: index.upsert_documents(
                client, [public[i] for i in ids])),
            (gone, lambda ids: index.delete_documents(client, ids)),
        ):
            if not ids:
                continue
            try:
                uid = send(ids)
            except index.SearchUnavailable as exc:
                errors.update({i: str(exc) for i in ids})
            else:
                task_for.update({i: uid for i in ids})

    sent: dict[int, list[int]] = {}
    for job_id, listing_id in jobs:
        if listing_id in task_for:
            sent.setdefault(task_for[listing_id], []).append(job_id)
    for uid, job_ids in sent.items():
        db.session.execute(update(IndexJob).where(IndexJob.id.in_(job_ids)).values(
            state=JobState.ENQUEUED, task_uid=uid, last_error=None))
    unsent = [job_id for job_id, listing_id in jobs if listing_id not in task_for]
    for job in _jobs(unsent):
        _backoff(job, errors.get(job.listing_id, "not sent"), now)
    db.session.commit()
    if errors:
        current_app.logger.warning("index push failed for %d listing(s); they stay pending",
                                   len(errors))
    return len(task_for)


def _push_documents(force: bool, batch: int) -> int:
    """The registered sources' jobs, coalesced per document like the listings' ones."""
    now = utcnow()
    stmt = select(IndexJob.id, IndexJob.document_key).where(
        IndexJob.state == JobState.PENDING, IndexJob.document_key.is_not(None))
    if not force:
        stmt = stmt.where(IndexJob.next_attempt_at <= now)
    jobs = db.session.execute(
        stmt.order_by(IndexJob.id).limit(batch).with_for_update(skip_locked=True)).all()
    if not jobs:
        db.session.commit()
        return 0
    by_source: dict[str, set[str]] = {}
    for _, key in jobs:
        name, _, document_id = key.partition(":")
        by_source.setdefault(name, set()).add(document_id)
    task_for: dict[str, int] = {}
    errors: dict[str, str] = {}
    for name, ids in by_source.items():
        source = SOURCES.get(name)
        if source is None:
            errors.update({f"{name}:{i}": "no such source" for i in ids})
            continue
        public = source.documents(ids)
        gone = sorted(ids - public.keys())
        try:
            uid = source.prepare()
            client = index.admin_client()
            if public:
                task = index.upsert_documents(client, [public[i] for i in sorted(public)], uid)
                task_for.update({f"{name}:{i}": task for i in public})
            if gone:
                task = index.delete_documents(client, gone, uid)
                task_for.update({f"{name}:{i}": task for i in gone})
        except index.SearchUnavailable as exc:
            errors.update({f"{name}:{i}": str(exc) for i in ids
                           if f"{name}:{i}" not in task_for})
    sent: dict[int, list[int]] = {}
    for job_id, key in jobs:
        if key in task_for:
            sent.setdefault(task_for[key], []).append(job_id)
    for uid, job_ids in sent.items():
        db.session.execute(update(IndexJob).where(IndexJob.id.in_(job_ids)).values(
            state=JobState.ENQUEUED, task_uid=uid, last_error=None))
    for job in _jobs([job_id for job_id, key in jobs if key not in task_for]):
        _backoff(job, errors.get(job.document_key, "not sent"), now)
    db.session.commit()
    return len(task_for)


def backlog() -> dict[str, int]:
    """How many jobs are waiting to be sent and waiting for Meilisearch to confirm."""
    rows = db.session.execute(
        select(IndexJob.state, func.count()).where(IndexJob.state != JobState.DONE)
        .group_by(IndexJob.state)
    ).all()
    counts = {JobState.PENDING.value: 0, JobState.ENQUEUED.value: 0}
    counts.update({str(state): n for state, n in rows})
    return counts


def sync(timeout: float = 30.0, while_reachable: bool = False) -> dict[str, int]:
    """Push and confirm until nothing is left or `timeout` seconds have passed (or, with
    `while_reachable`, as soon as Meilisearch stops answering)."""
    deadline = time.monotonic() + timeout
    push_pending(force=True)
    while True:
        left = backlog()
        if not any(left.values()) or time.monotonic() > deadline:
            return left
        if while_reachable and not index.search_health():
            return left
        time.sleep(0.1)
        push_pending()


def refresh_lapsed_featuring() -> int:
    """Re-index listings whose paid featuring ended while their document still says so."""
    try:
        client = index.search_client()
        result = client.post(f"/indexes/{index.index_name()}/search", {
            "q": "", "limit": 1000, "attributesToRetrieve": ["id"],
            "filter": f"featured = true AND featured_until <= {int(utcnow().timestamp())}",
        })
    except index.SearchUnavailable:
        return 0
    for hit in result["hits"]:
        record_index_job(hit["id"], "featuring_ended")
    db.session.commit()
    return len(result["hits"])


@functools.cache
def _unconfirmed_removals_statement():
    # built once: constructing the join costs more than running it on every search
    return (
        select(IndexJob.listing_id).distinct()
        .join(Listing, Listing.id == IndexJob.listing_id)
        # IN, not `!= DONE`: the index on state finds the few open jobs among the many done
        .where(IndexJob.state.in_((JobState.PENDING, JobState.ENQUEUED)),
               Listing.status != Status.PUBLISHED)
        .limit(bindparam("limit"))
    )


def unconfirmed_removals(limit: int = 1000) -> list[int]:
    """Listings no longer public whose removal Meilisearch has not confirmed yet.

    Searches exclude them, so a withdrawn or suspended listing vanishes the moment the
    change commits, however long Meilisearch takes (or if it is briefly unreachable).
    """
    return list(db.session.scalars(_unconfirmed_removals_statement(), {"limit": limit}))
