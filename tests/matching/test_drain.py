"""Bounded drains and claimed match jobs: a backlog never holds a web worker, and drains
running side by side never take the same job or collide on a pair."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.budget import Budget
from exchange.effects import drain_in_context
from exchange.extensions import db
from exchange.matching import matcher, services
from exchange.matching.models import (Match, MatchJob, MatchJobState, MatchNotice,
                                      NoticeBacklog, record_match_job)
from exchange.matching.notices import send_match_notices
from exchange.timeutil import utcnow
from tests.conftest import PG_URL
from tests.matching.conftest import settle, unsent_notices
from tests.matching.test_matching import DRYER_OFFER, DRYER_REQUEST

LISTINGS = 12


class SteppingClock:
    """Each reading is `step` seconds after the last: every look at the time costs time."""

    def __init__(self, step):
        self.now, self.step = 0.0, step

    def __call__(self):
        self.now += self.step
        return self.now


def job_states():
    return dict(db.session.execute(
        select(MatchJob.state, func.count()).group_by(MatchJob.state)).all())


@pytest.fixture
def backlog(post, meili):
    """LISTINGS published listings, offers and requests that answer each other, each with
    a due match job, as a published bulk import leaves them."""
    listings = [post(kind="offer" if n % 2 else "request", wait=False,
                     **(DRYER_OFFER if n % 2 else DRYER_REQUEST)) for n in range(LISTINGS)]
    settle(meili)
    # matched afresh, and nobody told yet
    db.session.execute(db.delete(Match))
    db.session.execute(db.delete(MatchNotice))
    db.session.execute(db.delete(NoticeBacklog))
    for listing in listings:
        record_match_job(listing.id, "import")
    db.session.commit()
    assert job_states()[MatchJobState.PENDING] == LISTINGS
    return listings


@pytest.fixture
def sent(monkeypatch):
    """Every search the matcher sends to Meilisearch, in order."""
    searches = []
    call = matcher._call

    def recording(client, batch, budget):
        searches.extend(batch)
        return call(client, batch, budget)

    monkeypatch.setattr(matcher, "_call", recording)
    return searches


def pending():
    return db.session.scalar(select(func.count()).select_from(MatchJob).where(
        MatchJob.state == MatchJobState.PENDING))


def test_a_drain_stops_at_its_job_cap_and_leaves_the_rest(backlog):
    done = services.run_match_jobs(budget=Budget(jobs=5), batch=50)
    assert done == 5
    assert pending() == LISTINGS - 5
    # nothing is left claimed: the next drain or `tick` takes the rest at once
    assert db.session.scalar(select(func.count()).select_from(MatchJob).where(
        MatchJob.state == MatchJobState.PENDING, MatchJob.claimed_until.is_not(None))) == 0


def test_a_drain_stops_when_its_time_is_spent(backlog, monkeypatch):
    # each batch takes 4 s of a 10 s budget: two batches are done, the third one finds
    # the time spent before its searches and is given back (seconds, not tenths: a
    # search call's HTTP timeout is the time left, and a loaded machine is slow)
    clock = SteppingClock(0.0)
    claim = services.claim_match_jobs

    def slow_claim(limit, force=False):
        clock.now += 4.0
        return claim(limit, force)

    monkeypatch.setattr(services, "claim_match_jobs", slow_claim)
    done = services.run_match_jobs(budget=Budget(seconds=10.0, clock=clock), batch=2)
    assert done == 4
    assert pending() == LISTINGS - 4
    assert db.session.scalar(select(func.count()).select_from(MatchJob).where(
        MatchJob.state == MatchJobState.PENDING, MatchJob.claimed_until.is_not(None))) == 0


def test_a_batch_whose_searches_outrun_the_budget_is_given_back(backlog):
    clock = SteppingClock(0.0)
    budget = Budget(seconds=1.0, clock=clock)
    clock.step = 0.3  # the checks between search calls find the time spent
    done = services.run_match_jobs(budget=budget, batch=LISTINGS)
    assert done == 0
    assert pending() == LISTINGS
    assert db.session.scalar(select(func.count()).select_from(MatchJob).where(
        MatchJob.claimed_until.is_not(None))) == 0
    # and `tick` (no budget) does all of it later
    assert services.run_match_jobs() == LISTINGS
    assert pending() == 0
    assert db.session.scalar(select(func.count()).select_from(Match)) > 0


class ManualClock:
    """Time moves only when a test says so."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_a_batch_where_one_listing_s_searches_are_refused_stores_the_others(
        backlog, monkeypatch):
    # Meilisearch refuses one listing's searches (an error about the query, not an
    # outage): that listing's job waits with the error, the rest of the batch is stored
    bad = backlog[1]
    searches_for = matcher.searches_for

    def refusing(profile, *args, **kwargs):
        searches = searches_for(profile, *args, **kwargs)
        if profile.id == bad.id:
            for search in searches:
                search["filter"] = [*search["filter"], "no_such_attribute = 1"]
        return searches

    monkeypatch.setattr(matcher, "searches_for", refusing)
    done = services.run_match_jobs(batch=LISTINGS)
    assert done == LISTINGS - 1
    job = db.session.scalars(select(MatchJob).where(
        MatchJob.listing_id == bad.id, MatchJob.reason == "import")).one()
    assert job.state == MatchJobState.PENDING and job.attempts == 1
    assert job.claimed_until is None and "invalid_search_filter" in job.last_error
    assert pending() == 1
    # the others found every counterpart, the refused offer too (from the requests' side)
    assert db.session.scalar(select(func.count()).select_from(Match)) == (LISTINGS // 2) ** 2


def test_the_budget_running_out_mid_batch_gives_that_batch_back(backlog, monkeypatch):
    clock = ManualClock()
    batches = []
    claim, call = services.claim_match_jobs, matcher._call

    def counting_claim(limit, force=False):
        jobs = claim(limit, force)
        batches.append(jobs)
        return jobs

    def call_in_time(client, searches, budget):
        if len(batches) == 2:
            clock.now = 100.0  # the time runs out during the second batch's searches
        return call(client, searches, budget)

    monkeypatch.setattr(services, "claim_match_jobs", counting_claim)
    monkeypatch.setattr(matcher, "_call", call_in_time)
    done = services.run_match_jobs(budget=Budget(seconds=30.0, clock=clock), batch=4)
    assert done == 4 and len(batches) == 2
    first = {job_id for job_id, _ in batches[0]}
    states = dict(db.session.execute(select(MatchJob.id, MatchJob.state).where(
        MatchJob.reason == "import")).all())
    assert {job_id for job_id, state in states.items() if state == MatchJobState.DONE} == first
    assert pending() == LISTINGS - 4
    assert db.session.scalar(select(func.count()).select_from(MatchJob).where(
        MatchJob.claimed_until.is_not(None))) == 0
    assert db.session.scalar(select(func.count()).select_from(Match)) > 0


def stored_pairs():
    return dict(((offer_id, request_id), score) for offer_id, request_id, score in
                db.session.execute(select(Match.offer_id, Match.request_id, Match.score)))


def test_a_run_in_many_batches_stores_what_one_batch_stores_without_reverse_searches(
        backlog, sent):
    searches = sent
    assert services.run_match_jobs(batch=LISTINGS) == LISTINGS
    one_batch = stored_pairs()
    assert len(one_batch) == (LISTINGS // 2) ** 2

    def again(batch, from_scratch):
        if from_scratch:
            db.session.execute(db.delete(Match))
        assert services.match_all_public() == LISTINGS
        searches.clear()
        assert services.run_match_jobs(batch=batch) == LISTINGS
        return [search for search in searches
                if any(" IN [" in part and "NOT IN" not in part for part in search["filter"])]

    # from scratch in batches of two: a counterpart found is scored by its own searches,
    # earlier or later in the run, never by searches restricted to the batch's listings
    assert again(2, from_scratch=True) == []
    assert stored_pairs() == one_batch
    # again with the pairs stored: each is checked both ways and none is lost or added
    again(2, from_scratch=False)
    assert stored_pairs() == one_batch
    assert pending() == 0


def test_a_listing_whose_job_came_during_a_run_is_scored_both_ways(backlog, monkeypatch,
                                                                    sent):
    # a listing edited while `tick` works through a backlog: the run's searches before its
    # new job may not have seen it, so its pairs get reverse searches, as in a run of its own
    assert services.run_match_jobs(batch=LISTINGS) == LISTINGS
    one_batch = stored_pairs()
    edited = backlog[0]
    assert services.match_all_public() == LISTINGS
    claim = services.claim_match_jobs
    claims = []

    def claiming(limit, force=False):
        claims.append(limit)
        if len(claims) == 2:
            record_match_job(edited.id, "edit")
            db.session.commit()
        return claim(limit, force)

    monkeypatch.setattr(services, "claim_match_jobs", claiming)
    assert services.run_match_jobs(batch=4) == LISTINGS + 1
    restricted = [search for search in sent
                  if any(part == f"id IN [{edited.id}]" for part in search["filter"])]
    assert restricted, "the edited listing's counterparts were not asked about it"
    assert stored_pairs() == one_batch and pending() == 0


def test_a_drain_takes_no_job_its_time_left_cannot_carry(app, backlog, monkeypatch):
    clock = ManualClock()
    claims = []
    claim, call = services.claim_match_jobs, matcher._call

    def counting_claim(limit, force=False):
        claims.append(limit)
        return claim(limit, force)

    def slow_call(client, searches, budget):
        # one call outlasts the drain's ten seconds (its HTTP timeout is the time left)
        clock.now += 11.0
        return call(client, searches, budget)

    monkeypatch.setattr(services, "claim_match_jobs", counting_claim)
    monkeypatch.setattr(matcher, "_call", slow_call)
    # the first drain learns that its jobs take longer than its ten seconds
    assert services.run_match_jobs(budget=Budget(seconds=10.0, jobs=2, clock=clock)) == 0
    assert claims == [2] and pending() == LISTINGS
    # so the next one, with as much time, claims none and leaves them to `tick`
    assert services.run_match_jobs(budget=Budget(seconds=10.0, jobs=2, clock=clock)) == 0
    assert claims == [2, 0]
    # an old estimate is forgotten: a drain a few minutes later tries again
    clock.now += services.Pace.FORGET_SECONDS + 1
    services.run_match_jobs(budget=Budget(seconds=10.0, jobs=2, clock=clock))
    assert claims == [2, 0, 2]
    assert db.session.scalar(select(func.count()).select_from(MatchJob).where(
        MatchJob.claimed_until.is_not(None))) == 0


@pytest.fixture
def app_overrides():
    return {"DRAIN_BUDGET_SECONDS": 5.0, "DRAIN_MAX_JOBS": 3}


def test_the_after_response_drain_is_bounded_by_the_configuration(app, backlog):
    db.session.close()
    drain_in_context(app)  # what runs once a response is sent
    assert pending() == LISTINGS - 3


def test_a_claimed_job_is_not_taken_by_another_drain(backlog):
    first = services.claim_match_jobs(5)
    second = services.claim_match_jobs(50)
    assert len(first) == 5 and len(second) == LISTINGS - 5
    assert not {job for job, _ in first} & {job for job, _ in second}
    assert services.claim_match_jobs(50) == []


def run_drains_side_by_side(app, monkeypatch, threads=3):
    taken: list[list[int]] = [[] for _ in range(threads)]
    errors = []
    claim = services.claim_match_jobs
    local = threading.local()

    def recording_claim(limit, force=False):
        jobs = claim(limit, force)
        taken[local.n].extend(job for job, _ in jobs)
        return jobs

    monkeypatch.setattr(services, "claim_match_jobs", recording_claim)
    start = threading.Barrier(threads)

    def worker(n):
        local.n = n
        with app.app_context():
            try:
                start.wait()
                services.run_match_jobs(batch=2)
                send_match_notices()  # while other drains still match
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    db.session.close()
    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(120)
    return taken, errors


def check_side_by_side(taken, errors):
    assert errors == []  # no IntegrityError on uq_matches_pair, no lost batch
    every = [job for jobs in taken for job in jobs]
    assert len(every) == len(set(every)) == LISTINGS  # each job taken exactly once
    assert pending() == 0
    # every offer answers every request of the backlog (other businesses, same text)
    assert db.session.scalar(select(func.count()).select_from(Match)) == (LISTINGS // 2) ** 2
    pairs = db.session.execute(select(Match.offer_id, Match.request_id)).all()
    assert len(pairs) == len(set(pairs))
    # each pair's two members were told, and the backlogs agree with what is left
    assert db.session.scalar(select(func.count()).select_from(MatchNotice)) == 2 * len(pairs)
    unsent_notices()  # (they agree)
    # daily members told during the drains hear of the rest a day later
    send_match_notices(now=utcnow() + timedelta(days=1, minutes=1))
    assert unsent_notices() == {}


def test_drains_side_by_side_never_share_a_job(app, backlog, monkeypatch):
    taken, errors = run_drains_side_by_side(app, monkeypatch)
    check_side_by_side(taken, errors)


@pytest.mark.postgres_only
@pytest.mark.skipif(not PG_URL, reason="real concurrency needs PostgreSQL (set TEST_DATABASE_URL)")
def test_drains_side_by_side_on_postgres_collide_on_no_pair(app, backlog, monkeypatch):
    taken, errors = run_drains_side_by_side(app, monkeypatch, threads=4)
    check_side_by_side(taken, errors)


def test_listings_asking_the_same_search_share_one_answer(post, owner_factory, meili, sent):
    # a bulk import repeats a business's wording: two offers of one business with the same
    # text ask Meilisearch once, and both are scored from that answer
    seller = owner_factory()
    offers = [post(owner=seller, kind="offer", wait=False, **DRYER_OFFER) for _ in range(2)]
    request = post(kind="request", **DRYER_REQUEST)
    sent.clear()
    profiles = services.public_profiles([offer.id for offer in offers])
    scores, refused = matcher._run(profiles)
    asked = matcher.searches_for(profiles[0], "any")
    assert refused == {} and len(asked) >= 2
    assert len(sent) == len(asked)  # not twice as many
    assert scores[offers[0].id] == scores[offers[1].id]
    assert scores[offers[0].id][request.id] >= matcher.MATCH_THRESHOLD
    # neither offer is its own counterpart, nor its sibling's: one business
    assert set(scores[offers[0].id]) == {request.id}


def test_a_search_call_leaves_time_for_what_follows_it(app, meili):
    """A call the budget cuts off is followed by a rollback and its jobs given back: the
    call gets the time left less that, and none at all when too little is left."""
    from exchange.budget import BudgetSpent
    from exchange.search import index

    now = [0.0]
    budget = Budget(seconds=0.5, clock=lambda: now[0])
    client = index.search_client(background=True)
    sent = []

    class Recording:
        timeout = client.timeout

        def post(self, path, body, timeout=None):
            sent.append(timeout)
            return client.post(path, body, timeout=timeout)

    searches = [{"indexUid": index.index_name(), "q": "máy sấy", "limit": 1}]
    assert isinstance(matcher._call(Recording(), searches, budget), list)
    assert sent == [pytest.approx(0.5 - matcher.CLEANUP_SECONDS)]
    now[0] = 0.5 - matcher.CLEANUP_SECONDS - matcher.SHORTEST_CALL / 2
    with pytest.raises(BudgetSpent):
        matcher._call(Recording(), searches, budget)
    assert len(sent) == 1  # no call was made

    class CutOff(Recording):
        def post(self, path, body, timeout=None):
            now[0] += timeout  # the call's timeout runs out
            raise index.SearchUnavailable("POST /multi-search: TimeoutError")

    class Down(Recording):
        def post(self, path, body, timeout=None):
            raise index.SearchUnavailable("POST /multi-search: ConnectError")

    # cut off by the budget: its jobs are given back (BudgetSpent), not postponed
    now[0] = 0.0
    with pytest.raises(BudgetSpent):
        matcher._call(CutOff(), searches, Budget(seconds=0.5, clock=lambda: now[0]))
    # refused at once while time is left: an outage
    now[0] = 0.0
    with pytest.raises(index.SearchUnavailable):
        matcher._call(Down(), searches, Budget(seconds=0.5, clock=lambda: now[0]))


def test_listings_of_several_businesses_asking_the_same_words_share_one_search(
        post, owner_factory, meili, sent):
    offers = [post(kind="offer", wait=False, **DRYER_OFFER) for _ in range(3)]
    requests = [post(kind="request", wait=False, **DRYER_REQUEST) for _ in range(2)]
    settle(meili)
    sent.clear()
    profiles = services.public_profiles([offer.id for offer in offers])
    assert len({profile.business_id for profile in profiles}) == 3
    scores, refused = matcher._run(profiles)
    assert refused == {} and len(sent) == len(matcher.searches_for(profiles[0], "any"))
    for offer in offers:
        assert set(scores[offer.id]) == {request.id for request in requests}
    # a run keeps its answers for its next batches: the same words are not asked again
    shared = matcher.SharedAnswers()
    matcher._run(profiles[:1], shared=shared)
    sent.clear()
    assert matcher._run(profiles[1:], shared=shared)[0] == {
        offer.id: scores[offer.id] for offer in offers[1:]}
    assert sent == []


def test_a_listing_whose_business_fills_a_shared_answer_asks_without_it(
        post, owner_factory, meili, monkeypatch, sent):
    seller = owner_factory()
    offer = post(owner=seller, kind="offer", wait=False, **DRYER_OFFER)
    own = [post(owner=seller, kind="request", wait=False, **DRYER_REQUEST) for _ in range(2)]
    others = [post(kind="request", wait=False, **DRYER_REQUEST) for _ in range(2)]
    settle(meili)
    profiles = services.public_profiles([offer.id])
    roomy, refused = matcher._run(profiles)
    assert refused == {} and set(roomy[offer.id]) == {request.id for request in others}
    # a shared answer with room for one hit cannot tell the offer its 30 best counterparts
    # of other businesses: it asks again with its business left out, and scores the same
    monkeypatch.setattr(matcher, "SHARED_LIMIT", 1)
    sent.clear()
    tight, refused = matcher._run(profiles)
    assert refused == {} and tight == roomy
    mine = f"business_id != {seller.business.id}"
    assert [search for search in sent if mine in search["filter"]]
    assert not set(tight[offer.id]) & {request.id for request in own}


def test_a_bulk_match_refreshes_the_planner_s_figures(backlog, monkeypatch):
    from sqlalchemy import text

    from tests.transfer.test_statistics import planner_rows

    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
    before = planner_rows("matches")
    assert not before or before < 1
    monkeypatch.setattr(services, "ANALYZE_AFTER_PAIRS", (LISTINGS // 2) ** 2)
    assert services.run_match_jobs() == LISTINGS
    assert planner_rows("matches") == (LISTINGS // 2) ** 2
    assert planner_rows("match_notices") >= (LISTINGS // 2) ** 2
