"""Renewal: without review only when the content is unchanged since approval, up to 90 days
after expiry, from the dashboard or the mailed link — and only by the listing's business."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.accounts.tokens import make_token
from exchange.errors import IllegalTransition
from exchange.expiry.reminders import renew_token
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Listing, RevisionStatus, Status
from exchange.moderation.models import AuditEntry, ItemState, QueueItem
from exchange.search.models import IndexJob
from exchange.search.outbox import sync
from exchange.timeutil import utcnow
from tests.expiry.conftest import ending_in
from tests.factories import csrf_token, login
from tests.helpers import altered_signature


def waiting_items(listing) -> int:
    return db.session.scalar(select(func.count()).select_from(QueueItem).where(
        QueueItem.listing_id == listing.id, QueueItem.state == ItemState.WAITING))


def signed_in(app, member):
    client = app.test_client()
    login(client, member)
    return client


def test_unchanged_listing_is_renewed_at_once_by_its_original_lifetime(owners):
    listing = ending_in(owners[0], 10, lifetime=180)
    approved_id, expires = listing.approved_revision_id, listing.approved_revision.expires_at
    assert lifecycle.renew(listing, owners[0].id) is True
    db.session.commit()
    db.session.refresh(listing)
    assert listing.approved_revision_id == approved_id  # the same reviewed version
    assert listing.status == Status.PUBLISHED and listing.lifetime_days == 180
    assert timedelta(days=179) < listing.approved_revision.expires_at - expires \
        < timedelta(days=181)
    assert waiting_items(listing) == 0
    assert db.session.scalar(select(IndexJob.reason).where(
        IndexJob.listing_id == listing.id).order_by(IndexJob.id.desc()).limit(1)) == "renewed"
    assert db.session.scalar(select(AuditEntry.action).where(
        AuditEntry.listing_id == listing.id).order_by(AuditEntry.id.desc()).limit(1)) == "renewed"
    # a second renewal extends by the same original lifetime, not the grown one
    before = listing.approved_revision.expires_at
    lifecycle.renew(listing, owners[0].id)
    db.session.commit()
    assert timedelta(days=179) < listing.approved_revision.expires_at - before \
        < timedelta(days=181)


def test_renewal_never_passes_the_longest_lifetime(owners):
    listing = ending_in(owners[0], 600, lifetime=700)
    lifecycle.renew(listing, owners[0].id)
    db.session.commit()
    assert listing.approved_revision.expires_at < utcnow() + timedelta(days=732)


def test_changed_listing_is_renewed_through_review(owners):
    listing = ending_in(owners[0], 10)
    old_expiry = listing.approved_revision.expires_at
    lifecycle.save_edit(listing, owners[0].id, {"title": "Máy sấy bơm nhiệt thế hệ mới"})
    db.session.commit()
    assert waiting_items(listing) == 1
    assert lifecycle.renew(listing, owners[0].id) is False
    db.session.commit()
    assert listing.approved_revision.expires_at == old_expiry  # the public version keeps it
    pending = listing.pending_revision
    assert pending.status == RevisionStatus.PENDING
    assert pending.expires_at > old_expiry + timedelta(days=300)
    assert waiting_items(listing) == 1  # the same review, now carrying the new date
    lifecycle.approve_revision(pending)
    db.session.commit()
    assert listing.approved_revision.expires_at == pending.expires_at


def test_expired_listing_is_renewed_within_90_days(owners, meili):
    listing = ending_in(owners[0], 1, title="Máy ép viên nén mùn cưa")
    later = utcnow() + timedelta(days=2)
    lifecycle.expire_due(later)
    db.session.commit()
    assert listing.status == Status.EXPIRED
    assert lifecycle.renew(listing, owners[0].id, now=later + timedelta(days=60)) is True
    db.session.commit()
    assert listing.status == Status.PUBLISHED
    assert listing.approved_revision.expires_at > later + timedelta(days=400)

    too_late = ending_in(owners[0], 1)
    lifecycle.expire_due(later)
    db.session.commit()
    with pytest.raises(IllegalTransition):
        lifecycle.renew(too_late, owners[0].id, now=later + timedelta(days=91))
    db.session.rollback()


def test_expired_listing_renewed_from_the_dashboard_is_public_again(app, owners, meili):
    listing = ending_in(owners[0], 1, title="Máy ép viên nén mùn cưa")
    revision = listing.approved_revision
    revision.expires_at = utcnow() - timedelta(days=30)
    db.session.commit()
    lifecycle.expire_due()
    db.session.commit()
    assert not any(sync(timeout=10).values())
    meili.wait_idle()
    client = signed_in(app, owners[1])  # any member of the business
    page = client.get("/account").get_data(as_text=True)
    assert f"/listings/{listing.id}/renew" in page
    assert client.get("/api/v1/search?q=mun+cua").get_json()["total"] == 0

    response = client.post(f"/listings/{listing.id}/renew",
                           data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 302
    db.session.expire_all()
    listing = db.session.get(Listing, listing.id)
    assert listing.status == Status.PUBLISHED
    assert not any(sync(timeout=10).values())
    meili.wait_idle()
    assert client.get("/api/v1/search?q=mun+cua").get_json()["total"] == 1
    assert "expires in" in client.get("/account?lang=en").get_data(as_text=True)


def test_another_business_cannot_renew(app, owners, other):
    listing = ending_in(owners[0], 10)
    expires = listing.approved_revision.expires_at
    client = signed_in(app, other)
    response = client.post(f"/listings/{listing.id}/renew",
                           data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code in (403, 404)
    # a link made for a member of another business is refused as well
    link = f"/listings/renew/{renew_token(listing, other)}"
    assert app.test_client().get(link).status_code == 400
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).approved_revision.expires_at == expires


def test_mailed_link_asks_once_then_renews_and_is_spent(app, owners):
    listing = ending_in(owners[0], 10, title="Máy sấy bơm nhiệt 500 kg")
    expires = listing.approved_revision.expires_at
    visitor = app.test_client()  # not signed in: the link is enough
    link = f"/listings/renew/{renew_token(listing, owners[1])}"
    page = visitor.get(link)
    assert page.status_code == 200 and "Máy sấy bơm nhiệt 500 kg" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).approved_revision.expires_at == expires
    assert visitor.post(link, data={}).status_code == 400  # the confirming form's token
    response = visitor.post(link, data={"csrf_token": csrf_token(visitor, link)})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).approved_revision.expires_at > expires
    assert visitor.get(link).status_code == 400  # renewed: the link has done its work


def test_forged_renewal_links_are_refused(app, owners):
    listing = ending_in(owners[0], 10)
    expires = listing.approved_revision.expires_at
    good = renew_token(listing, owners[0])
    payload = {"l": listing.id, "m": owners[0].id, "e": int(expires.timestamp())}
    forged = [
        "not-a-signed-token",
        altered_signature(good),
        make_token("match-unsubscribe", payload),  # signed, for another purpose
        make_token("listing-renew", {**payload, "l": "1 or 1=1"}),
        make_token("listing-renew", [listing.id]),
        make_token("listing-renew", {**payload, "l": 2**40}),
    ]
    client = app.test_client()
    for token in forged:
        assert client.get(f"/listings/renew/{token}").status_code == 400, token
    db.session.expire_all()
    assert db.session.get(Listing, listing.id).approved_revision.expires_at == expires
