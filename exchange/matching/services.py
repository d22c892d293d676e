"""Match jobs: recompute a listing's matches, store them, and note who must be told."""
import math
import time
from collections import Counter
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.orm import aliased, joinedload

from exchange.accounts.models import Member
from exchange.budget import Budget, BudgetSpent
from exchange.core.bulk import among, insert_new
from exchange.dbstats import analyze
from exchange.extensions import db
from exchange.listings.models import Kind, Listing, Revision, Status
from exchange.matching.matcher import Profile, SharedAnswers, find_counterparts
from exchange.matching.models import Match, MatchJob, MatchJobState, MatchNotice, record_match_job
from exchange.matching.notices import note_unsent
from exchange.search import index
from exchange.search.documents import public_listings
from exchange.search.models import IndexJob, JobState
from exchange.search.outbox import confirm_enqueued, unconfirmed_removals
from exchange.timeutil import utcnow

# a claimed job is the drain's until then; a drain that died leaves it to the next after it
CLAIM_LEASE = timedelta(minutes=5)
CLAIM_LEASE_PER_JOB = timedelta(seconds=0.1)  # a batch of thousands takes minutes
MAX_BACKOFF_SECONDS = 300
# match jobs wait for the index to apply recent changes (so two listings published together
# find each other, and an edit is matched by its new text), but an index job stuck for
# longer than this does not hold matching back
INDEX_WAIT_LIMIT = timedelta(minutes=10)
NEW_FOR = timedelta(days=7)


def _due(force: bool, now=None):
    conditions = [MatchJob.state == MatchJobState.PENDING]
    if not force:
        conditions.append(MatchJob.next_attempt_at <= (now or utcnow()))
    return conditions


def wait_for_index(wait: float | None = None) -> bool:
    """Confirm the index jobs Meilisearch has applied (search/outbox.confirm_enqueued,
    which commits), waiting up to `wait`; True when every recent one is applied.

    (Index and match jobs are written in the same transaction, so "recorded before the
    match job" cannot be told apart by timestamps; any recent backlog counts.)
    Waits (briefly) for tasks already enqueued, since Meilisearch applies one document in
    milliseconds; jobs still pending mean Meilisearch is down or behind."""
    wait = current_app.config["MEILI_TIMEOUT"] if wait is None else wait
    since = utcnow() - INDEX_WAIT_LIMIT
    waiting = select(IndexJob.state, func.max(IndexJob.task_uid)).where(
        IndexJob.state != JobState.DONE, IndexJob.created_at >= since,
    ).group_by(IndexJob.state)
    deadline = time.monotonic() + wait
    while True:
        states = dict(db.session.execute(waiting).all())
        if not states:
            return True
        if JobState.PENDING in states or time.monotonic() > deadline:
            return False
        try:
            task = index.admin_client().wait_for_task(
                states[JobState.ENQUEUED], timeout=max(0.05, deadline - time.monotonic()))
        except index.SearchUnavailable:
            return False
        if task["status"] not in ("succeeded", "failed", "canceled"):
            return False
        confirm_enqueued()


class Pace:
    """Seconds one match job takes in this app's bounded drains, so a drain claims only as
    many jobs as its time left can carry. A drain cut short by its budget raises the
    estimate; an estimate older than FORGET_SECONDS is dropped, so a drain tries a job
    again (the backlog may have become cheaper, and `tick` does not report here)."""

    FORGET_SECONDS = 60.0

    def __init__(self):
        self.seconds, self.at = 0.0, -math.inf

    def jobs_that_fit(self, budget: Budget, limit: int) -> int:
        if budget.deadline == math.inf:
            return limit
        if budget.clock() - self.at > self.FORGET_SECONDS or self.seconds <= 0:
            return limit  # not known (yet, or any more): the budget's own cap
        return min(limit, int(budget.remaining() / self.seconds))

    def record(self, budget: Budget, seconds: float, jobs: int, finished: bool) -> None:
        per_job = seconds / max(1, jobs)
        if finished:
            known = budget.clock() - self.at <= self.FORGET_SECONDS and self.seconds > 0
            self.seconds = (self.seconds + per_job) / 2 if known else per_job
        else:
            # cut short: a job takes longer than this, by how much is not known
            self.seconds = max(self.seconds, 2 * per_job)
        self.at = budget.clock()


def drain_pace() -> Pace:
    return current_app.extensions.setdefault("match_pace", Pace())


ANALYZE_AFTER_PAIRS = 10_000  # new pairs after which a run refreshes the planner's figures


def run_match_jobs(force: bool = False, budget: Budget | None = None,
                   batch: int | None = None) -> int:
    """Process due match jobs in batches; returns how many listings were (re)matched.

    Each batch is claimed first (committed at once), so drains running side by side in
    several workers never take the same job. A `budget` bounds the work: no new batch
    starts once it is spent, a batch is no larger than the time left carries at the pace
    of the last drains (none when not even one job fits), and a batch whose searches
    outrun the time is given back. A listing whose searches Meilisearch refuses has its
    job postponed; the rest of its batch is stored."""
    budget = budget or Budget()
    pace = drain_pace() if budget.bounded else None
    # each batch's pairs are stored in one transaction; the run scores its batches as one
    batch = batch or current_app.config["MATCH_BATCH"]
    done = 0
    stored = 0  # new pairs
    began = utcnow()
    settled: set[int] = set()  # matched by this run: their stored pairs are fresh
    # a run that is not a web request's drain keeps its search answers for all its batches
    shared = None if budget.bounded else SharedAnswers()
    while not budget.spent():
        if db.session.scalar(select(MatchJob.id).where(*_due(force)).limit(1)) is None:
            break
        wait = current_app.config["MEILI_TIMEOUT"]
        if budget.bounded:
            wait = min(wait, budget.remaining())
        if not wait_for_index(wait):
            break
        size = budget.batch(batch)
        if pace is not None:
            size = pace.jobs_that_fit(budget, size)
        started = budget.clock()
        jobs = claim_match_jobs(size, force)
        if not jobs:
            break
        budget.charge(len(jobs))
        listing_ids = sorted({listing_id for _job_id, listing_id in jobs})
        job_ids = [job_id for job_id, _listing_id in jobs]
        refused: dict[int, str] = {}
        try:
            profiles = public_profiles(listing_ids)
            hidden, known = unconfirmed_removals(), matched_with([p.id for p in profiles])
            fresh = set(db.session.scalars(select(MatchJob.listing_id).where(
                among(MatchJob.id, job_ids), MatchJob.created_at > began)))
            # no transaction stays open while Meilisearch answers: on SQLite an open read
            # keeps every other drain's commit waiting
            db.session.commit()
            found = find_counterparts(profiles, hidden_ids=hidden, known=known,
                                      load_profiles=public_profiles, budget=budget,
                                      refused=refused, waiting=listings_waiting,
                                      settled=settled, fresh=fresh, shared=shared)
        except index.SearchUnavailable as exc:
            db.session.rollback()
            _postpone(job_ids, str(exc))
            current_app.logger.warning("matching postponed for %d listing(s): %s",
                                       len(listing_ids), exc)
            break
        except BudgetSpent:
            db.session.rollback()
            release_match_jobs(job_ids)
            if pace is not None:
                pace.record(budget, budget.clock() - started, len(jobs), finished=False)
            break
        except Exception:
            db.session.rollback()
            release_match_jobs(job_ids)
            raise
        now = utcnow()
        refused_jobs = [job_id for job_id, listing_id in jobs if listing_id in refused]
        finished = [job_id for job_id, listing_id in jobs if listing_id not in refused]
        try:
            # a listing no longer public (None) keeps no matches
            kinds = {listing_id: None for listing_id in listing_ids if listing_id not in refused}
            kinds.update({p.id: p.kind for p in profiles if p.id not in refused})
            stored += len(store_batch(kinds, found, now))
            db.session.execute(
                update(MatchJob).where(among(MatchJob.id, finished))
                .values(state=MatchJobState.DONE, done_at=now, last_error=None,
                        claimed_until=None)
                .execution_options(synchronize_session=False))
            db.session.commit()
        except Exception:
            db.session.rollback()
            release_match_jobs(job_ids)
            raise
        if refused_jobs:
            _postpone(refused_jobs, next(iter(refused.values())))
            current_app.logger.warning("Meilisearch refused the searches of %d listing(s); "
                                       "their matching is postponed: %s", len(refused),
                                       next(iter(refused.values())))
        if pace is not None:
            pace.record(budget, budget.clock() - started, len(jobs), finished=True)
        done += len(listing_ids) - len(refused)
        settled.update(listing_id for listing_id in listing_ids if listing_id not in refused)
        if len(jobs) < size:
            break
    db.session.commit()
    if stored >= ANALYZE_AFTER_PAIRS:
        # after a bulk match the planner still plans for the tables as they were: probing
        # a member's unsent notices by the index (every drain does) turned into scans
        analyze(Match.__tablename__, MatchNotice.__tablename__)
    return done


def claim_match_jobs(limit: int, force: bool = False) -> list[tuple[int, int]]:
    """Lease up to `limit` due jobs to this drain: (job id, listing id) pairs.

    One conditional UPDATE takes them, so of two drains reading the same due jobs only
    one gets each (on PostgreSQL the candidates are also locked SKIP LOCKED, so the other
    drain picks different ones instead of waiting). A claim lapses after CLAIM_LEASE, so
    the jobs of a drain that died are taken up again."""
    if limit <= 0:
        return []
    now = utcnow()
    unclaimed = or_(MatchJob.claimed_until.is_(None), MatchJob.claimed_until <= now)
    # the ids first: PostgreSQL may run an `IN (SELECT … LIMIT n)` subquery more than once
    # and so update more than n rows
    candidates = db.session.scalars(
        select(MatchJob.id).where(*_due(force, now), unclaimed)
        .order_by(MatchJob.id).limit(limit).with_for_update(skip_locked=True)).all()
    if not candidates:
        db.session.commit()
        return []
    rows = db.session.execute(
        update(MatchJob)
        .where(MatchJob.id.in_(candidates), *_due(force, now), unclaimed)
        .values(claimed_until=now + CLAIM_LEASE + limit * CLAIM_LEASE_PER_JOB)
        .returning(MatchJob.id, MatchJob.listing_id)
        .execution_options(synchronize_session=False)
    ).all()
    db.session.commit()
    return sorted((job_id, listing_id) for job_id, listing_id in rows)


def release_match_jobs(job_ids: list[int]) -> None:
    """Give claimed jobs back untouched (the drain ran out of time or failed)."""
    if job_ids:
        db.session.execute(update(MatchJob).where(MatchJob.id.in_(job_ids))
                           .values(claimed_until=None)
                           .execution_options(synchronize_session=False))
    db.session.commit()


def _postpone(job_ids: list[int], error: str) -> None:
    now = utcnow()
    for job in db.session.scalars(select(MatchJob).where(MatchJob.id.in_(job_ids))):
        job.attempts += 1
        job.next_attempt_at = now + timedelta(seconds=min(2 ** job.attempts,
                                                          MAX_BACKOFF_SECONDS))
        job.last_error = error[:500]
        job.claimed_until = None
    db.session.commit()


def pending_match_jobs() -> int:
    """How many match jobs wait (for `tick`, the after-import summary and the bench)."""
    return db.session.scalar(select(func.count()).select_from(MatchJob).where(
        MatchJob.state == MatchJobState.PENDING)) or 0


def matched_with(listing_ids) -> dict[int, dict[int, float]]:
    """Listing id -> the counterparts it is matched with now, and their scores."""
    known: dict[int, dict[int, float]] = {}
    if not listing_ids:
        return known
    ids = list(listing_ids)
    for offer_id, request_id, score in db.session.execute(
        select(Match.offer_id, Match.request_id, Match.score).where(
            or_(among(Match.offer_id, ids), among(Match.request_id, ids)))
    ):
        known.setdefault(offer_id, {})[request_id] = score
        known.setdefault(request_id, {})[offer_id] = score
    return known


def listings_waiting(ids) -> set[int]:
    """Those of the listings `ids` with a match job not done yet (claimed or not): their
    own searches run later, in this run or another. Read between two searches, so the
    transaction ends here."""
    waiting = set(db.session.scalars(
        select(MatchJob.listing_id).where(among(MatchJob.listing_id, ids),
                                          MatchJob.state == MatchJobState.PENDING)))
    db.session.commit()
    return waiting


def public_profiles(ids) -> list[Profile]:
    """The matcher's view of the public listings among `ids`: one statement, plain rows
    (a batch is thousands of listings; whole listing objects with their files and
    businesses cost more than the searches)."""
    ids = list(ids)
    if not ids:
        return []
    rows = db.session.execute(
        select(Listing.id, Listing.kind, Listing.business_id, Revision.title,
               Revision.summary, Revision.keywords, Revision.sector, Revision.category,
               Revision.province)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(among(Listing.id, ids), Listing.status == Status.PUBLISHED,
               or_(Revision.expires_at.is_(None), Revision.expires_at > utcnow()))
        .order_by(Listing.id)
    ).all()
    db.session.commit()  # read, and the transaction ended before the next searches
    return [Profile(id=row.id, kind=str(row.kind), business_id=row.business_id,
                    title=row.title, summary=row.summary or "",
                    keywords=tuple(row.keywords or ()), sector=row.sector,
                    category=row.category, province=row.province) for row in rows]


def _public_ids(ids) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Listing.id).join(Revision, Revision.id == Listing.approved_revision_id)
        .where(among(Listing.id, ids), Listing.status == Status.PUBLISHED,
               Revision.expires_at > utcnow())
    ))


def store_batch(kinds: dict[int, str | None], found: dict[int, dict[int, float]],
                now=None) -> list[tuple[int, int]]:
    """Make the stored matches of a batch of listings what `found` says, in a few bulk
    statements; returns the new (offer id, request id) pairs, whose notices are recorded.

    `kinds` gives each listing's kind, None for a listing that is not public (it keeps no
    matches). A pair both of whose listings are in the batch is kept when either side
    finds it (the matcher scores it both ways). New pairs are inserted with ON CONFLICT DO
    NOTHING: a drain in another worker may store the same pair at the same moment, and
    that must not undo the whole batch."""
    now = now or utcnow()
    ids = sorted(kinds)
    if not ids:
        return []
    # the index may lag behind the database: keep only counterparts public right now
    public = _public_ids({cid for listing_id, kind in kinds.items() if kind is not None
                          for cid in found.get(listing_id, {})})
    wanted: dict[tuple[int, int], float] = {}
    for listing_id, kind in kinds.items():
        if kind is None:
            continue
        for cid, score in found.get(listing_id, {}).items():
            if cid not in public or cid == listing_id:
                continue
            pair = (listing_id, cid) if kind == Kind.OFFER else (cid, listing_id)
            wanted[pair] = max(score, wanted.get(pair, 0.0))
    # rows are locked in id order, so two drains touching the same pairs never deadlock
    existing = db.session.execute(
        select(Match.id, Match.offer_id, Match.request_id)
        .where(or_(among(Match.offer_id, ids), among(Match.request_id, ids)))
        .order_by(Match.id).with_for_update()
    ).all()
    table = Match.__table__
    gone = [match_id for match_id, offer_id, request_id in existing
            if (offer_id, request_id) not in wanted]
    if gone:
        db.session.execute(delete(table).where(among(table.c.id, gone)))
    kept = [{"match_id": match_id, "score": wanted[(offer_id, request_id)], "now": now}
            for match_id, offer_id, request_id in existing if (offer_id, request_id) in wanted]
    if kept:
        db.session.execute(
            update(table).where(table.c.id == bindparam("match_id"))
            .values(score=bindparam("score"), refreshed_at=bindparam("now")), kept)
    stored = {(offer_id, request_id) for _id, offer_id, request_id in existing}
    new = sorted(pair for pair in wanted if pair not in stored)
    created = insert_new(
        table, {"offer_id": [offer_id for offer_id, _ in new],
                "request_id": [request_id for _, request_id in new],
                "score": [wanted[pair] for pair in new]},
        {"found_at": now, "refreshed_at": now}, ["offer_id", "request_id"],
        returning=["offer_id", "request_id"])
    record_notices(created)
    return created


def record_notices(pairs: list[tuple[int, int]]) -> int:
    """One notice per member of each side's business, unless the pair was told before."""
    if not pairs:
        return 0
    listing_ids = {i for pair in pairs for i in pair}
    owner_of = dict(db.session.execute(
        select(Listing.id, Listing.business_id).where(among(Listing.id, listing_ids))).all())
    members_of: dict[int, list[int]] = {}
    for member_id, business_id in db.session.execute(
        select(Member.id, Member.business_id).where(
            Member.business_id.in_(set(owner_of.values())), Member.is_active_account.is_(True))
    ):
        members_of.setdefault(business_id, []).append(member_id)
    rows = [(offer_id, request_id, member_id, own)
            for offer_id, request_id in pairs for own in (offer_id, request_id)
            for member_id in members_of.get(owner_of.get(own), [])]
    if not rows:
        return 0
    # a pair told before (dropped and found again) keeps its first notice
    offer_ids, request_ids, member_ids, own_ids = (list(column) for column in zip(*rows))
    created = insert_new(MatchNotice.__table__,
                         {"offer_id": offer_ids, "request_id": request_ids,
                          "member_id": member_ids, "listing_id": own_ids},
                         {"created_at": utcnow()}, ["offer_id", "request_id", "member_id"],
                         returning=["member_id"])
    note_unsent(Counter(member_id for (member_id,) in created))
    return len(created)


def match_all_public(batch: int = 200, progress=None) -> int:
    """Queue a match job for every public listing (after a bulk import or a tuning change)."""
    ids = db.session.scalars(public_listings().with_only_columns(Listing.id)
                             .order_by(Listing.id)).all()
    for start in range(0, len(ids), batch):
        for listing_id in ids[start:start + batch]:
            record_match_job(listing_id, "rematch")
        db.session.commit()
        if progress:
            progress(len(ids[start:start + batch]))
    return len(ids)


# ---------------------------------------------------------------------------- reading


# aliases are built once: a fresh alias proxies every column of its table on first use,
# which cost the listing page more than its queries
_COUNTERPART, _COUNTERPART_REVISION = aliased(Listing), aliased(Revision)
_OFFER, _OFFER_REVISION = aliased(Listing), aliased(Revision)
_REQUEST, _REQUEST_REVISION = aliased(Listing), aliased(Revision)


def _public_listing(alias, revision):
    return revision, and_(alias.status == Status.PUBLISHED, revision.expires_at > utcnow())


def listing_matches(listing: Listing, limit: int = 20) -> list[tuple[Listing, float]]:
    """Published counterparts of a public listing, best first."""
    if not listing.is_public:
        return []
    counterpart = _COUNTERPART
    revision, is_public = _public_listing(counterpart, _COUNTERPART_REVISION)
    own_side, other_side = ((Match.offer_id, Match.request_id) if listing.kind == Kind.OFFER
                            else (Match.request_id, Match.offer_id))
    rows = db.session.execute(
        select(counterpart, Match.score)
        .join(Match, other_side == counterpart.id)
        .join(revision, revision.id == counterpart.approved_revision_id)
        .where(own_side == listing.id, is_public, counterpart.business_id != listing.business_id)
        .options(joinedload(counterpart.approved_revision), joinedload(counterpart.business))
        .order_by(Match.score.desc(), Match.id)
        .limit(limit)
    ).unique().all()
    return [(row[0], row[1]) for row in rows]


def matches_for_business(business_id: int | None, limit: int = 30) -> list[dict]:
    """A business's matches (both listings public), newest first: for the dashboard."""
    if not business_id:
        return []
    offer, request = _OFFER, _REQUEST
    offer_rev, offer_public = _public_listing(offer, _OFFER_REVISION)
    request_rev, request_public = _public_listing(request, _REQUEST_REVISION)
    rows = db.session.execute(
        select(Match, offer, request)
        .join(offer, offer.id == Match.offer_id)
        .join(request, request.id == Match.request_id)
        .join(offer_rev, offer_rev.id == offer.approved_revision_id)
        .join(request_rev, request_rev.id == request.approved_revision_id)
        .where(or_(offer.business_id == business_id, request.business_id == business_id),
               offer.business_id != request.business_id, offer_public, request_public)
        .options(joinedload(offer.approved_revision), joinedload(request.approved_revision),
                 joinedload(offer.business), joinedload(request.business))
        .order_by(Match.found_at.desc(), Match.score.desc(), Match.id.desc())
        .limit(limit)
    ).unique().all()
    new_since = utcnow() - NEW_FOR
    found = []
    for match, offer_listing, request_listing in rows:
        own, other = ((offer_listing, request_listing)
                      if offer_listing.business_id == business_id
                      else (request_listing, offer_listing))
        found.append({"match": match, "own": own, "counterpart": other, "score": match.score,
                      "found_at": match.found_at, "is_new": match.found_at >= new_since})
    return found
