"""Match jobs: recompute a listing's matches, store them, and note who must be told."""
import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from exchange.accounts.models import Member
from exchange.extensions import db
from exchange.listings.models import Kind, Listing, Revision, Status
from exchange.matching.matcher import Profile, find_counterparts
from exchange.matching.models import Match, MatchJob, MatchJobState, MatchNotice
from exchange.search import index
from exchange.search.documents import listings_by_id
from exchange.search.models import IndexJob, JobState
from exchange.timeutil import utcnow

BATCH = 50
MAX_BACKOFF_SECONDS = 300
# match jobs wait for the index to apply recent changes (so two listings published together
# find each other, and an edit is matched by its new text), but an index job stuck for
# longer than this does not hold matching back
INDEX_WAIT_LIMIT = timedelta(minutes=10)
NEW_FOR = timedelta(days=7)


def _due(force: bool):
    conditions = [MatchJob.state == MatchJobState.PENDING]
    if not force:
        conditions.append(MatchJob.next_attempt_at <= utcnow())
    return conditions


def index_caught_up(wait: float | None = None) -> bool:
    """True when every recent index job is applied by Meilisearch.

    (Index and match jobs are written in the same transaction, so "recorded before the
    match job" cannot be told apart by timestamps; any recent backlog counts.)
    Waits (briefly) for tasks already enqueued, since Meilisearch applies one document in
    milliseconds; jobs still pending mean Meilisearch is down or behind."""
    from exchange.search.outbox import confirm_enqueued

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


def run_match_jobs(force: bool = False) -> int:
    """Process due match jobs in batches; returns how many listings were (re)matched."""
    from exchange.search.outbox import unconfirmed_removals

    done = 0
    while True:
        due = db.session.scalar(select(MatchJob.id).where(*_due(force)).limit(1))
        if due is None or not index_caught_up():
            db.session.commit()
            return done
        jobs = db.session.scalars(
            select(MatchJob).where(*_due(force)).order_by(MatchJob.id).limit(BATCH)
            .with_for_update(skip_locked=True)
        ).all()
        if not jobs:
            db.session.commit()
            return done
        now = utcnow()
        listing_ids = sorted({job.listing_id for job in jobs})
        public = [listing for listing in listings_by_id(listing_ids) if listing.is_public]
        try:
            found = find_counterparts([Profile.of(listing) for listing in public],
                                      hidden_ids=unconfirmed_removals(),
                                      known=matched_with([listing.id for listing in public]),
                                      load_profiles=public_profiles)
        except index.SearchUnavailable as exc:
            for job in jobs:
                job.attempts += 1
                job.next_attempt_at = now + timedelta(
                    seconds=min(2 ** job.attempts, MAX_BACKOFF_SECONDS))
                job.last_error = str(exc)[:500]
            db.session.commit()
            current_app.logger.warning("matching postponed for %d listing(s): %s",
                                       len(listing_ids), exc)
            return done
        by_id = {listing.id: listing for listing in public}
        for listing_id in listing_ids:
            store_matches(listing_id, by_id.get(listing_id), found.get(listing_id, {}), now)
        for job in jobs:
            job.state = MatchJobState.DONE
            job.done_at = now
            job.last_error = None
        db.session.commit()
        done += len(listing_ids)
        if len(jobs) < BATCH:
            return done


def matched_with(listing_ids) -> dict[int, set[int]]:
    """Listing id -> the counterparts it is matched with now."""
    known: dict[int, set[int]] = {}
    if not listing_ids:
        return known
    ids = list(listing_ids)
    for offer_id, request_id in db.session.execute(
        select(Match.offer_id, Match.request_id).where(
            or_(Match.offer_id.in_(ids), Match.request_id.in_(ids)))
    ):
        known.setdefault(offer_id, set()).add(request_id)
        known.setdefault(request_id, set()).add(offer_id)
    return known


def public_profiles(ids) -> list[Profile]:
    return [Profile.of(listing) for listing in listings_by_id(ids) if listing.is_public]


def _public_ids(ids) -> set[int]:
    if not ids:
        return set()
    return set(db.session.scalars(
        select(Listing.id).join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.id.in_(list(ids)), Listing.status == Status.PUBLISHED,
               Revision.expires_at > utcnow())
    ))


def store_matches(listing_id: int, listing: Listing | None, scores: dict[int, float],
                  now=None) -> list[Match]:
    """Make the stored matches of a listing what `scores` says; returns the new pairs.

    A listing that is not public (listing None) keeps no matches at all."""
    now = now or utcnow()
    if listing is None:
        scores = {}
    else:
        # the index may lag behind the database: keep only counterparts public right now
        public = _public_ids(scores)
        scores = {cid: score for cid, score in scores.items()
                  if cid in public and cid != listing_id}
    existing = db.session.scalars(select(Match).where(
        or_(Match.offer_id == listing_id, Match.request_id == listing_id))).all()
    by_counterpart = {match.counterpart_id(listing_id): match for match in existing}
    for counterpart_id, match in by_counterpart.items():
        if counterpart_id not in scores:
            db.session.delete(match)
    created = []
    for counterpart_id, score in scores.items():
        match = by_counterpart.get(counterpart_id)
        if match is not None:
            match.score = score
            match.refreshed_at = now
            continue
        offer_id, request_id = ((listing_id, counterpart_id) if listing.kind == Kind.OFFER
                                else (counterpart_id, listing_id))
        match = Match(offer_id=offer_id, request_id=request_id, score=score, found_at=now,
                      refreshed_at=now)
        db.session.add(match)
        created.append(match)
    db.session.flush()
    record_notices(created)
    return created


def record_notices(matches: list[Match]) -> int:
    """One notice per member of each side's business, unless the pair was told before."""
    if not matches:
        return 0
    listing_ids = {m.offer_id for m in matches} | {m.request_id for m in matches}
    owner_of = dict(db.session.execute(
        select(Listing.id, Listing.business_id).where(Listing.id.in_(listing_ids))).all())
    members_of: dict[int, list[int]] = {}
    for member_id, business_id in db.session.execute(
        select(Member.id, Member.business_id).where(
            Member.business_id.in_(set(owner_of.values())), Member.is_active_account.is_(True))
    ):
        members_of.setdefault(business_id, []).append(member_id)
    told = set(db.session.execute(
        select(MatchNotice.offer_id, MatchNotice.request_id, MatchNotice.member_id).where(
            or_(*(and_(MatchNotice.offer_id == m.offer_id, MatchNotice.request_id == m.request_id)
                  for m in matches)))
    ).all())
    added = 0
    for match in matches:
        for own in (match.offer_id, match.request_id):
            for member_id in members_of.get(owner_of.get(own), []):
                key = (match.offer_id, match.request_id, member_id)
                if key in told:
                    continue
                told.add(key)
                db.session.add(MatchNotice(offer_id=match.offer_id, request_id=match.request_id,
                                           member_id=member_id, listing_id=own))
                added += 1
    db.session.flush()
    return added


def match_all_public(batch: int = 200, progress=None) -> int:
    """Queue a match job for every public listing (after a bulk import or a tuning change)."""
    from exchange.search.documents import public_listings
    from exchange.matching.models import record_match_job

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
