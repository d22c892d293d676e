"""Staff set each category's default and longest lifetime; the listing form follows them."""
from datetime import timedelta

from sqlalchemy import select

from exchange.extensions import db
from exchange.listings.forms import local_today
from exchange.listings.lifetimes import CategoryLifetime
from exchange.listings.models import Listing
from exchange.moderation.models import AuditEntry
from exchange.accounts.models import Role
from tests.factories import csrf_token, login, make_member
from tests.listings.conftest import form_data, owner_client  # noqa: F401


def admin_client(app):
    admin = make_member(business=None, role=Role.ADMIN)
    client = app.test_client()
    login(client, admin)
    return client, admin


def set_equipment(client, default_days, max_days):
    return client.post("/admin/lifetimes", data={
        "csrf_token": csrf_token(client, "/admin/lifetimes"), "category": "equipment",
        "default_days": str(default_days), "max_days": str(max_days)})


def test_admin_sets_a_category_lifetime_and_it_is_audited(app):
    client, admin = admin_client(app)
    assert set_equipment(client, 90, 180).status_code == 303
    row = db.session.get(CategoryLifetime, "equipment")
    assert (row.default_days, row.max_days, row.updated_by_id) == (90, 180, admin.id)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "lifetime_changed"))
    assert entry.actor_id == admin.id
    assert entry.details["category"] == "equipment" and entry.details["max_days"] == 180
    assert entry.details["previous_max_days"] == 731
    page = client.get("/admin/lifetimes").get_data(as_text=True)
    assert 'value="180"' in page


def test_impossible_lifetimes_are_refused(app):
    client, _admin = admin_client(app)
    for default_days, max_days in ((200, 100), (0, 100), (100, 99_999)):
        assert set_equipment(client, default_days, max_days).status_code == 400
    assert db.session.get(CategoryLifetime, "equipment") is None
    response = client.post("/admin/lifetimes", data={
        "csrf_token": csrf_token(client, "/admin/lifetimes"), "category": "<script>",
        "default_days": "10", "max_days": "20"})
    assert response.status_code == 400
    assert db.session.scalars(select(CategoryLifetime)).all() == []


def test_the_listing_form_respects_the_category_lifetimes(app, owner_client):
    client, _admin = admin_client(app)
    set_equipment(client, 90, 180)
    too_far = (local_today() + timedelta(days=181)).isoformat()
    response = owner_client.post("/listings/new?kind=offer", data=form_data(
        owner_client, "/listings/new?kind=offer", category="equipment", expires_at=too_far),
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert db.session.scalar(select(Listing.id)) is None
    # the same date is fine in a category with the standing rule (24 months)
    response = owner_client.post("/listings/new?kind=offer", data=form_data(
        owner_client, "/listings/new?kind=offer", category="technology", expires_at=too_far),
        content_type="multipart/form-data")
    assert response.status_code == 302
    # left empty, the expiry is the category's default
    response = owner_client.post("/listings/new?kind=offer", data=form_data(
        owner_client, "/listings/new?kind=offer", category="equipment", expires_at="",
        title="Máy nén khí trục vít 37 kW"), content_type="multipart/form-data")
    assert response.status_code == 302
    listing = db.session.scalars(select(Listing).order_by(Listing.id.desc())).first()
    expiry = listing.latest_revision.expires_at
    from exchange.listings.forms import local_zone
    assert expiry.astimezone(local_zone()).date() == local_today() + timedelta(days=90)
