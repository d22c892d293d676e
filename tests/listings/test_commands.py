"""`flask exchange approve|expire` and the demo seeder."""
from datetime import timedelta

from sqlalchemy import func, select

from exchange.accounts.demo import seed_people
from exchange.extensions import db
from exchange.listings.demo import seed_listings
from exchange.listings.models import Listing, Revision, Status
from exchange.moderation.models import AuditEntry, ItemState, QueueItem
from exchange.taxonomy import PROVINCES, SECTORS, codes
from exchange.timeutil import utcnow
from tests.factories import make_listing, make_member, make_moderator, publish


def run(app, *args):
    return app.test_cli_runner().invoke(args=["exchange", *args])


def test_approve_publishes_a_new_listing_without_moderators(app):
    member = make_member()
    listing = make_listing(member.business, member)
    assert app.test_client().get(f"/listings/{listing.id}").status_code == 404
    result = run(app, "approve", str(listing.id))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert listing.status == Status.PUBLISHED
    item = db.session.scalars(select(QueueItem).where(QueueItem.listing_id == listing.id)).one()
    assert item.state == ItemState.DECIDED
    assert app.test_client().get(f"/listings/{listing.id}").status_code == 200


def test_approve_goes_through_moderation_when_there_is_a_moderator(app):
    moderator = make_moderator()
    member = make_member()
    listing = make_listing(member.business, member, title="Bản cũ")
    publish(listing)
    from exchange.listings import lifecycle
    lifecycle.save_edit(listing, member.id, {"title": "Bản mới"})
    db.session.commit()
    result = run(app, "approve", str(listing.id))
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert listing.approved_revision.title == "Bản mới"
    item = db.session.scalars(select(QueueItem).where(
        QueueItem.revision_id == listing.approved_revision_id)).one()
    assert item.state == ItemState.DECIDED and item.decided_by_id == moderator.id
    assert db.session.scalar(select(AuditEntry).where(AuditEntry.action == "approved"))


def test_approve_refuses_nothing_pending_and_unknown(app):
    member = make_member()
    listing = make_listing(member.business, member, submit=False)
    assert run(app, "approve", str(listing.id)).exit_code != 0
    assert run(app, "approve", "99999").exit_code != 0
    db.session.expire_all()
    assert listing.status == Status.DRAFT


def test_expire_command(app):
    member = make_member()
    listing = make_listing(member.business, member, expires_at=utcnow() + timedelta(days=1))
    publish(listing)
    listing.approved_revision.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = run(app, "expire")
    assert result.exit_code == 0 and "expired 1" in result.output
    db.session.expire_all()
    assert listing.status == Status.EXPIRED


def test_demo_listings_cover_sectors_and_provinces_and_are_idempotent(app):
    people = seed_people()
    created = seed_listings(people)
    db.session.commit()
    assert created >= 55
    assert seed_listings(people) == 0  # second run adds nothing
    revisions = db.session.scalars(select(Revision)).all()
    assert {r.sector for r in revisions} == set(codes(SECTORS))
    assert {r.province for r in revisions} == set(codes(PROVINCES))
    statuses = db.session.scalars(select(Listing.status)).all()
    assert statuses.count(Status.PUBLISHED) > len(statuses) // 2
    assert Status.PENDING_REVIEW in statuses
    kinds = db.session.scalars(select(Listing.kind)).all()
    assert "offer" in kinds and "request" in kinds
    html = app.test_client().get(f"/businesses/{people['businesses'][0].id}").get_data(
        as_text=True)
    assert "listing-card" in html


def test_bulk_seed_is_fast_published_and_resumable(app):
    people = seed_people()
    db.session.commit()
    assert seed_listings(people, 1200) >= 1200
    bench = select(func.count()).select_from(Listing).where(Listing.external_id.like("bench-%"))
    assert db.session.scalar(bench) == 1200
    assert seed_listings(people, 1200) == 0
    assert seed_listings(people, 1500) == 300
    sample = db.session.scalars(select(Listing).where(Listing.external_id == "bench-7")).one()
    assert sample.is_public and sample.approved_revision.title.endswith("#7")
    assert app.test_client().get(f"/listings/{sample.id}").status_code == 200
