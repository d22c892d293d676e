"""What the public sees, as of a recent look at the outboxes.

Every change to a public listing records an index job and every change to matches goes
through a match job, in the change's own transaction, so the newest job ids name a
*generation* of public content. Each process looks at them (and at the removals Meilisearch
has not confirmed yet) at most every PUBLIC_STATE_SECONDS, and at once after its own
commits that recorded jobs; searches and cached pages then need no database round trip of
their own. A change made by another process is seen within that interval.
"""
import threading
import time
from contextlib import nullcontext
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from exchange.extensions import db
from exchange.matching.models import MatchJob, MatchJobState
from exchange.search.models import IndexJob, JobState
from exchange.search.outbox import unconfirmed_removals


@dataclass(frozen=True)
class PublicState:
    generation: tuple[int, int]  # newest index job id, newest match job id
    settled: bool  # no index job waiting for Meilisearch, no match job waiting to run
    hidden: tuple[int, ...]  # no longer public, removal not yet confirmed by Meilisearch


class _Holder:
    def __init__(self):
        self.lock = threading.Lock()
        self.state: PublicState | None = None
        self.checked_at = 0.0

    def invalidate(self):
        self.checked_at = 0.0


def _holder(app) -> _Holder:
    return app.extensions.setdefault("public_state", _Holder())


def _look() -> PublicState:
    open_index = (select(func.count()).select_from(IndexJob)
                  .where(IndexJob.state.in_((JobState.PENDING, JobState.ENQUEUED)))
                  .scalar_subquery())
    open_matching = (select(func.count()).select_from(MatchJob)
                     .where(MatchJob.state == MatchJobState.PENDING).scalar_subquery())
    index_id, match_id, waiting_index, waiting_matching = db.session.execute(select(
        select(func.max(IndexJob.id)).scalar_subquery(),
        select(func.max(MatchJob.id)).scalar_subquery(),
        open_index, open_matching,
    )).one()
    hidden = tuple(unconfirmed_removals()) if waiting_index else ()
    return PublicState(generation=(index_id or 0, match_id or 0),
                       settled=not waiting_index and not waiting_matching, hidden=hidden)


def current(app=None) -> PublicState:
    """The public state, looked up again when the last look is older than the interval.
    Given the `app`, it needs no app context until it must look (the page cache asks
    before any context is open)."""
    app = app or current_app._get_current_object()
    holder = _holder(app)
    interval = app.config["PUBLIC_STATE_SECONDS"]
    now = time.monotonic()
    if holder.state is not None and now - holder.checked_at < interval:
        return holder.state
    with holder.lock, nullcontext() if has_app_context() else app.app_context():
        if holder.state is None or time.monotonic() - holder.checked_at >= interval:
            holder.state = _look()
            holder.checked_at = time.monotonic()
        return holder.state


def invalidate() -> None:
    if has_app_context():
        _holder(current_app).invalidate()


@event.listens_for(Session, "after_commit")
def _after_commit(session):
    # index jobs, match jobs and lifecycle changes flag the session for the drain
    if session.info.get("drain"):
        invalidate()
