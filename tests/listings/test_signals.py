"""lifecycle announces; moderation, search and matching write their own rows, inside the
transition's transaction: a transition rolled back leaves none of them behind."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.listings import lifecycle, signals
from exchange.listings.models import Status
from exchange.matching.models import MatchJob
from exchange.moderation.models import ItemState, QueueItem
from exchange.search.models import IndexJob
from exchange.timeutil import utcnow
from tests.factories import listing_content, make_listing, make_member


def count(model, **where) -> int:
    query = select(func.count()).select_from(model)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return db.session.scalar(query)


@pytest.fixture
def author(app):
    return make_member()


def test_receivers_run_inside_the_transition(app, author):
    listing = make_listing(author.business, author, submit=False)
    seen = []

    def look(sender, **kwargs):
        # the transition is under way in this very transaction: the listing's new status is
        # in the session, nothing is committed
        seen.append((sender.status, db.session().in_transaction()))

    signals.revision_submitted.connect(look)
    try:
        lifecycle.submit(listing, author.id)
    finally:
        signals.revision_submitted.disconnect(look)
    assert seen == [(Status.PENDING_REVIEW, True)]
    assert count(QueueItem, listing_id=listing.id, state=ItemState.WAITING) == 1
    db.session.rollback()
    assert count(QueueItem, listing_id=listing.id) == 0


def test_a_rolled_back_approval_leaves_no_job_and_keeps_the_item_waiting(app, author):
    listing = make_listing(author.business, author)
    lifecycle.approve_revision(listing.latest_revision)
    db.session.flush()
    assert count(IndexJob, listing_id=listing.id) == 1
    assert count(MatchJob, listing_id=listing.id) == 1
    assert count(QueueItem, listing_id=listing.id, state=ItemState.DECIDED) == 1
    db.session.rollback()
    assert count(IndexJob, listing_id=listing.id) == 0
    assert count(MatchJob, listing_id=listing.id) == 0
    assert count(QueueItem, listing_id=listing.id, state=ItemState.WAITING) == 1
    assert db.session.get(type(listing), listing.id).status == Status.PENDING_REVIEW


@pytest.mark.parametrize("step", ["withdraw", "suspend", "expire"])
def test_a_rolled_back_hiding_leaves_no_job(app, author, step):
    listing = make_listing(author.business, author)
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    before = count(IndexJob, listing_id=listing.id), count(MatchJob, listing_id=listing.id)
    {"withdraw": lambda: lifecycle.withdraw(listing, author.id),
     "suspend": lambda: lifecycle.suspend(listing, None, "Spam"),
     "expire": lambda: lifecycle.expire_due(now=utcnow() + timedelta(days=400))}[step]()
    db.session.flush()
    assert count(IndexJob, listing_id=listing.id) == before[0] + 1
    assert count(MatchJob, listing_id=listing.id) == before[1] + 1
    db.session.rollback()
    assert (count(IndexJob, listing_id=listing.id),
            count(MatchJob, listing_id=listing.id)) == before


def test_a_rolled_back_withdrawal_keeps_the_item_waiting(app, author):
    listing = make_listing(author.business, author)
    lifecycle.withdraw(listing, author.id)
    db.session.flush()
    assert count(QueueItem, listing_id=listing.id, state=ItemState.CANCELLED) == 1
    db.session.rollback()
    assert count(QueueItem, listing_id=listing.id, state=ItemState.WAITING) == 1


def test_a_rolled_back_bulk_submission_leaves_nothing(app, author):
    entries = [{"business_id": author.business_id, "kind": "offer",
                "external_id": f"bulk-{n}", "content": listing_content()} for n in range(3)]
    made = lifecycle.submit_new_many(entries, actor_id=None, approve=True)
    assert all(m["queue_item_id"] for m in made)
    ids = [m["listing_id"] for m in made]
    assert db.session.scalar(select(func.count()).select_from(IndexJob)
                             .where(IndexJob.listing_id.in_(ids))) == 3
    db.session.rollback()
    for model in (QueueItem, IndexJob, MatchJob):
        assert db.session.scalar(select(func.count()).select_from(model)
                                 .where(model.listing_id.in_(ids))) == 0
