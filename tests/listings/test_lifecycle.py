"""The transition table, exercised through every lifecycle operation, plus revisions."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.errors import IllegalTransition
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import RevisionStatus, Status
from exchange.moderation.models import ItemKind, ItemState, QueueItem
from exchange.search.models import IndexJob
from exchange.timeutil import utcnow
from tests.factories import make_listing, make_member

S = Status
EXPECTED_TABLE = {
    S.DRAFT: {S.PENDING_REVIEW, S.WITHDRAWN},
    S.PENDING_REVIEW: {S.PUBLISHED, S.CHANGES_REQUESTED, S.REJECTED, S.WITHDRAWN},
    S.CHANGES_REQUESTED: {S.PENDING_REVIEW, S.WITHDRAWN},
    S.REJECTED: set(),
    S.PUBLISHED: {S.EXPIRED, S.WITHDRAWN, S.SUSPENDED},
    S.SUSPENDED: {S.PUBLISHED, S.WITHDRAWN},
    # renewal (issue 17): back to published, unchanged, within 90 days of expiry
    S.EXPIRED: {S.PENDING_REVIEW, S.PUBLISHED, S.WITHDRAWN},
    S.WITHDRAWN: set(),
}


@pytest.fixture
def author(app):
    return make_member()


def listing_in(state, author):
    """A listing brought into `state` by the lifecycle itself."""
    listing = make_listing(author.business, author, submit=False)
    if state == S.DRAFT:
        return listing
    if state == S.WITHDRAWN:
        lifecycle.withdraw(listing, author.id)
        db.session.commit()
        return listing
    lifecycle.submit(listing, author.id)
    revision = listing.latest_revision
    if state == S.CHANGES_REQUESTED:
        lifecycle.request_changes(revision, "Thiếu ảnh")
    elif state == S.REJECTED:
        lifecycle.reject_revision(revision, "Không phù hợp")
    elif state in (S.PUBLISHED, S.SUSPENDED, S.EXPIRED):
        lifecycle.approve_revision(revision)
        if state == S.SUSPENDED:
            lifecycle.suspend(listing, None, "Spam")
        if state == S.EXPIRED:
            lifecycle.expire_due(now=utcnow() + timedelta(days=400))
    db.session.commit()
    assert listing.status == state
    return listing


OPERATIONS = {
    "submit": (S.PENDING_REVIEW, lambda listing, a: lifecycle.submit(listing, a.id)),
    "approve": (S.PUBLISHED,
                lambda listing, a: lifecycle.approve_revision(listing.latest_revision)),
    "request_changes": (S.CHANGES_REQUESTED,
                        lambda listing, a: lifecycle.request_changes(listing.latest_revision, "x")),
    "reject": (S.REJECTED,
               lambda listing, a: lifecycle.reject_revision(listing.latest_revision, "x")),
    "withdraw": (S.WITHDRAWN, lambda listing, a: lifecycle.withdraw(listing, a.id)),
    "suspend": (S.SUSPENDED, lambda listing, a: lifecycle.suspend(listing, None, "x")),
    "renew": (S.PUBLISHED, lambda listing, a: lifecycle.renew(listing, a.id)),
    "restore": (S.PUBLISHED, lambda listing, a: lifecycle.restore(listing, None, "x")),
}

# Which operation may run in which state, as the product brief's lifecycle describes it.
# An expired listing goes back to review only through an edit (save_edit), never unchanged;
# unchanged, it is renewed (published again without review).
PERMITTED = {
    S.DRAFT: {"submit", "withdraw"},
    S.PENDING_REVIEW: {"approve", "request_changes", "reject", "withdraw"},
    S.CHANGES_REQUESTED: {"submit", "withdraw"},
    S.REJECTED: set(),
    S.PUBLISHED: {"withdraw", "suspend", "renew"},
    S.SUSPENDED: {"restore", "withdraw"},
    S.EXPIRED: {"withdraw", "renew"},
    S.WITHDRAWN: set(),
}


def test_transition_table_is_exactly_the_brief():
    for source in Status:
        for target in Status:
            allowed = target in EXPECTED_TABLE[source]
            assert (target in lifecycle.ALLOWED[source]) == allowed, (source, target)


@pytest.mark.parametrize("state", list(Status))
@pytest.mark.parametrize("operation", list(OPERATIONS))
def test_every_operation_in_every_state(app, author, state, operation):
    listing = listing_in(state, author)
    target, run = OPERATIONS[operation]
    if operation in PERMITTED[state]:
        run(listing, author)
        db.session.commit()
        assert listing.status == target
    else:
        with pytest.raises(IllegalTransition):
            run(listing, author)
        db.session.rollback()
        assert listing.status == state  # an illegal transition changes nothing


@pytest.mark.parametrize("state", list(Status))
def test_can_transition_matches_table(app, author, state):
    listing = listing_in(state, author)
    for target in Status:
        assert lifecycle.can_transition(listing, target) == (target in EXPECTED_TABLE[state])


def test_new_listing_is_queued_and_cancelled_on_withdraw(app, author):
    listing = make_listing(author.business, author)
    item = db.session.scalars(select(QueueItem).where(QueueItem.listing_id == listing.id)).one()
    assert item.kind == ItemKind.LISTING and item.state == ItemState.WAITING
    lifecycle.withdraw(listing, author.id)
    db.session.commit()
    assert item.state == ItemState.CANCELLED
    assert listing.latest_revision.status == RevisionStatus.WITHDRAWN


def test_edit_of_published_listing_is_a_new_revision(app, author):
    listing = make_listing(author.business, author, title="Lò hơi đốt trấu 2 tấn")
    first = listing.latest_revision
    lifecycle.approve_revision(first)
    db.session.commit()
    revision = lifecycle.save_edit(listing, author.id, {"title": "Lò hơi đốt trấu 4 tấn"})
    db.session.commit()
    assert revision.id != first.id and revision.number == 2
    assert revision.status == RevisionStatus.PENDING
    assert revision.summary == first.summary  # unchanged fields carry over
    assert listing.status == S.PUBLISHED and listing.is_public
    assert listing.approved_revision.title == "Lò hơi đốt trấu 2 tấn"
    assert listing.pending_revision is revision
    item = db.session.scalars(select(QueueItem).where(QueueItem.revision_id == revision.id)).one()
    assert item.kind == ItemKind.REVISION

    # a second edit before review changes the same pending revision, not a third one
    again = lifecycle.save_edit(listing, author.id, {"title": "Lò hơi đốt trấu 5 tấn"})
    db.session.commit()
    assert again.id == revision.id and len(listing.revisions) == 2

    lifecycle.request_changes(revision, "Ghi rõ công suất")
    db.session.commit()
    assert listing.status == S.PUBLISHED  # still public with the approved text
    assert listing.approved_revision.title == "Lò hơi đốt trấu 2 tấn"

    lifecycle.save_edit(listing, author.id, {"title": "Lò hơi đốt trấu 5 tấn/giờ"})
    lifecycle.approve_revision(revision)
    db.session.commit()
    assert listing.approved_revision_id == revision.id
    assert first.status == RevisionStatus.SUPERSEDED
    assert listing.approved_revision.title == "Lò hơi đốt trấu 5 tấn/giờ"
    reasons = db.session.scalars(select(IndexJob.reason).where(
        IndexJob.listing_id == listing.id)).all()
    assert reasons.count("approved") == 2


def test_rejected_and_withdrawn_cannot_be_edited(app, author):
    for state in (S.REJECTED, S.WITHDRAWN):
        listing = listing_in(state, author)
        with pytest.raises(IllegalTransition):
            lifecycle.save_edit(listing, author.id, {"title": "Sửa lại"})
        db.session.rollback()


def test_edit_of_expired_listing_goes_back_to_review(app, author):
    listing = listing_in(S.EXPIRED, author)
    lifecycle.save_edit(listing, author.id,
                        {"expires_at": utcnow() + timedelta(days=200)})
    db.session.commit()
    assert listing.status == S.PENDING_REVIEW
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    assert listing.status == S.PUBLISHED and listing.is_public


def test_expire_due_expires_only_past_published(app, author):
    due = make_listing(author.business, author, title="Hết hạn",
                       expires_at=utcnow() + timedelta(hours=1))
    lifecycle.approve_revision(due.latest_revision)
    fresh = make_listing(author.business, author, title="Còn hạn")
    lifecycle.approve_revision(fresh.latest_revision)
    pending = make_listing(author.business, author, expires_at=utcnow() - timedelta(days=1))
    db.session.commit()
    assert lifecycle.expire_due(now=utcnow()) == 0
    later = utcnow() + timedelta(hours=2)
    assert lifecycle.expire_due(now=later) == 1
    db.session.commit()
    assert due.status == S.EXPIRED and fresh.status == S.PUBLISHED
    assert pending.status == S.PENDING_REVIEW
    assert db.session.scalar(select(IndexJob).where(
        IndexJob.listing_id == due.id, IndexJob.reason == "expired"))
    assert lifecycle.expire_due(now=later) == 0  # idempotent


def test_listing_past_its_date_is_not_public_even_before_expire_due(app, author):
    listing = make_listing(author.business, author, expires_at=utcnow() + timedelta(seconds=1))
    lifecycle.approve_revision(listing.latest_revision)
    db.session.commit()
    listing.approved_revision.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert listing.status == S.PUBLISHED and not listing.is_public
    assert app.test_client().get(f"/listings/{listing.id}").status_code == 404
