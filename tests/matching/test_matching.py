"""Counterpart matching: both ways, threshold, refresh, never-public rules, outage."""
from sqlalchemy import select

from exchange.effects import drain
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.matching import matcher
from exchange.matching.models import Match, MatchJob, MatchJobState
from exchange.matching.services import listing_matches, matches_for_business, run_match_jobs
from tests.matching.conftest import settle

DRYER_OFFER = dict(
    title="Máy sấy năng lượng mặt trời cho nông sản 500 kg/mẻ",
    summary="Máy sấy nông sản dùng năng lượng mặt trời kết hợp bơm nhiệt, sấy cà phê, tiêu.",
    keywords=["máy sấy", "nông sản", "năng lượng mặt trời", "cà phê"],
    category="equipment", sector="agriculture", province="dak_lak",
)
DRYER_REQUEST = dict(
    title="Cần mua máy sấy nông sản năng lượng mặt trời",
    summary="Hợp tác xã cần máy sấy nông sản dùng năng lượng mặt trời cho cà phê nhân.",
    keywords=["máy sấy", "năng lượng mặt trời", "cà phê"],
    category="equipment", sector="agriculture", province="lam_dong",
    trl=None, price_vnd=None, budget_min_vnd=100_000_000, budget_max_vnd=300_000_000,
)
ULTRASOUND_REQUEST = dict(
    title="Trung tâm y tế cần máy siêu âm tổng quát",
    summary="Trung tâm y tế huyện cần mua máy siêu âm tổng quát 3 đầu dò.",
    keywords=["máy siêu âm", "thiết bị y tế"], category="equipment",
    sector="health_medical", province="cao_bang", trl=None, price_vnd=None,
)


def pairs():
    return {(m.offer_id, m.request_id): m.score for m in db.session.scalars(select(Match))}


def test_a_request_finds_offers_and_an_offer_finds_requests(post):
    offer = post(kind="offer", **DRYER_OFFER)
    request = post(kind="request", **DRYER_REQUEST)
    assert (offer.id, request.id) in pairs()
    assert [other.id for other, _score in listing_matches(request)] == [offer.id]
    assert [other.id for other, _score in listing_matches(offer)] == [request.id]

    # the other way round: the request first, then the offer
    later_offer = post(kind="offer", **{**DRYER_OFFER, "province": "gia_lai"})
    assert (later_offer.id, request.id) in pairs()
    assert {o.id for o, _s in listing_matches(request)} == {offer.id, later_offer.id}


def test_unrelated_listings_stay_below_the_threshold(post):
    offer = post(kind="offer", **DRYER_OFFER)
    post(kind="request", **ULTRASOUND_REQUEST)
    assert pairs() == {}
    assert listing_matches(offer) == []


def test_scores_are_stored_once_per_pair_and_above_the_threshold(post):
    offer = post(kind="offer", **DRYER_OFFER)
    request = post(kind="request", **DRYER_REQUEST)
    # matching again (both ways) neither duplicates nor drops the pair
    for listing in (offer, request, offer):
        from exchange.matching.models import record_match_job
        record_match_job(listing.id, "again")
        db.session.commit()
        run_match_jobs(force=True)
    found = pairs()
    assert list(found) == [(offer.id, request.id)]
    assert found[(offer.id, request.id)] >= matcher.MATCH_THRESHOLD


def test_same_sector_and_province_rank_first(post):
    request = post(kind="request", **DRYER_REQUEST)
    far = post(kind="offer", **{**DRYER_OFFER, "sector": "energy", "category": "technology",
                                "province": "ha_noi"})
    near = post(kind="offer", **{**DRYER_OFFER, "province": "lam_dong"})
    ranked = [other.id for other, _score in listing_matches(request)]
    assert ranked == [near.id, far.id]


def test_an_edit_refreshes_matches_both_ways(post, owner_factory, meili):
    owner = owner_factory()
    offer = post(owner=owner, kind="offer", **DRYER_OFFER)
    request = post(kind="request", **DRYER_REQUEST)
    assert (offer.id, request.id) in pairs()

    lifecycle.save_edit(offer, owner.id, {
        "title": "Máy siêu âm tổng quát 3 đầu dò", "summary": "Máy siêu âm cho bệnh viện.",
        "keywords": ["máy siêu âm"], "sector": "health_medical"})
    db.session.commit()
    # under review the approved version stays public, and so does the match
    settle(meili)
    assert (offer.id, request.id) in pairs()
    lifecycle.approve_revision(offer.latest_revision)
    db.session.commit()
    drain()
    settle(meili)
    assert pairs() == {}

    ultrasound = post(kind="request", **ULTRASOUND_REQUEST)
    assert (offer.id, ultrasound.id) in pairs()


def test_withdrawn_suspended_and_expired_counterparts_are_dropped(post, owner_factory, meili):
    owner = owner_factory()
    request = post(kind="request", **DRYER_REQUEST)
    offers = [post(owner=owner, kind="offer", **{**DRYER_OFFER, "province": p})
              for p in ("dak_lak", "gia_lai", "lam_dong")]
    assert {o.id for o, _s in listing_matches(request)} == {o.id for o in offers}

    lifecycle.withdraw(offers[0], owner.id)
    lifecycle.suspend(offers[1], None, "spam")
    db.session.commit()
    # the page never shows them, even before the jobs ran
    assert {o.id for o, _s in listing_matches(request)} == {offers[2].id}
    drain()
    settle(meili)
    assert set(pairs()) == {(offers[2].id, request.id)}

    from datetime import timedelta
    from exchange.timeutil import utcnow
    assert lifecycle.expire_due(now=utcnow() + timedelta(days=400)) >= 1
    db.session.commit()
    drain()
    settle(meili)
    assert pairs() == {}


def test_never_matched_with_unpublished_or_same_business(post, owner_factory, meili):
    from tests.factories import make_listing
    owner = owner_factory()
    post(owner=owner, kind="offer", **DRYER_OFFER)
    own_request = post(owner=owner, kind="request", **DRYER_REQUEST)
    other = owner_factory()
    make_listing(other.business, other, kind="offer", **DRYER_OFFER)   # waiting for review
    make_listing(other.business, other, kind="offer", submit=False, **DRYER_OFFER)  # draft
    settle(meili)
    assert pairs() == {}
    assert listing_matches(own_request) == []
    assert matches_for_business(owner.business_id) == []


def test_listing_published_while_meilisearch_is_down_is_matched_when_it_returns(
        post, owner_factory, meili):
    offer = post(kind="offer", **DRYER_OFFER)
    meili.stop()
    try:
        request = post(kind="request", wait=False, **DRYER_REQUEST)
        run_match_jobs(force=True)
        job = db.session.scalar(select(MatchJob).where(MatchJob.listing_id == request.id))
        assert job.state == MatchJobState.PENDING
        assert pairs() == {}
    finally:
        meili.start()
    settle(meili)
    assert (offer.id, request.id) in pairs()
    assert db.session.scalar(select(MatchJob).where(MatchJob.listing_id == request.id)
                             ).state == MatchJobState.DONE


def test_scores_never_exceed_one():
    from exchange.matching.matcher import raw_scores

    class Profile:
        sector, category, province = "energy", "equipment", "dak_lak"

    places = {7: (2, "energy", "equipment", "dak_lak")}
    tagged = [("title", [(7, 1.0)]), ("summary", [(7, 1.0)])] + [
        ("keywords", [(7, 1.0)]) for _ in range(3)]
    assert raw_scores(Profile(), tagged, places) == {7: 1.0}
