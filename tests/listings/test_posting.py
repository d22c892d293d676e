"""Posting, viewing and editing listings through the pages, as a member would."""
from datetime import date, timedelta

from sqlalchemy import func, select

from exchange.extensions import db
from exchange.listings.forms import add_months, local_today
from exchange.listings.models import Listing, RevisionStatus, Status
from exchange.moderation.models import ItemState, QueueItem
from tests.factories import csrf_token, login, make_listing, make_member, publish
from tests.listings.conftest import form_data, image_bytes, pdf_bytes, stored_files, upload


def listing_count():
    return db.session.scalar(select(func.count()).select_from(Listing))


def test_new_offer_form_shows_fields(owner_client):
    html = owner_client.get("/listings/new?kind=offer").get_data(as_text=True)
    for name in ("title", "summary", "description", "category", "sector", "province", "price",
                 "price_negotiable", "keywords", "trl", "ip_status", "transfer_modes",
                 "quantity", "unit", "expires_at", "images", "attachments"):
        assert f'name="{name}"' in html, name
    assert 'name="budget_min"' not in html
    request_html = owner_client.get("/listings/new?kind=request").get_data(as_text=True)
    assert 'name="budget_min"' in request_html and 'name="budget_max"' in request_html


def test_post_offer_with_files_goes_to_review_and_stays_hidden(app, owner, owner_client):
    data = form_data(owner_client, "/listings/new?kind=offer",
                     images=[upload(image_bytes("JPEG"), "may.jpg"),
                             upload(image_bytes("PNG"), "so-do.png")],
                     attachments=[upload(pdf_bytes(), "catalogue.pdf")])
    response = owner_client.post("/listings/new?kind=offer", data=data,
                                 content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    listing = db.session.scalars(select(Listing)).one()
    assert listing.status == Status.PENDING_REVIEW
    assert listing.business_id == owner.business_id
    revision = listing.latest_revision
    assert revision.status == RevisionStatus.PENDING
    assert revision.price_vnd == 1_200_000_000
    assert revision.keywords == ["nấm rơm", "meo giống", "dây chuyền"]
    assert revision.transfer_modes == ["sale", "turnkey"]
    assert revision.trl == 8
    assert [f.kind for f in revision.files] == ["image", "image", "pdf"]
    assert db.session.scalar(select(QueueItem).where(
        QueueItem.listing_id == listing.id, QueueItem.state == ItemState.WAITING))
    # owner sees it with a banner; the public does not, not even its image
    page = owner_client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "status-banner" in page and "Dây chuyền sản xuất nấm rơm" in page
    image = revision.images[0]
    assert owner_client.get(f"/listings/{listing.id}/files/{image.id}").status_code == 200
    anonymous = app.test_client()
    assert anonymous.get(f"/listings/{listing.id}").status_code == 404
    assert anonymous.get(f"/listings/{listing.id}/files/{image.id}").status_code == 404
    assert anonymous.get(f"/listings/{listing.id}/files/{image.id}/thumb").status_code == 404
    assert anonymous.get(f"/api/v1/listings/{listing.id}").status_code == 404

    publish(listing)
    assert anonymous.get(f"/listings/{listing.id}").status_code == 200
    picture = anonymous.get(f"/listings/{listing.id}/files/{image.id}")
    assert picture.status_code == 200
    assert picture.mimetype == "image/jpeg"
    assert picture.headers["X-Content-Type-Options"] == "nosniff"
    thumb = anonymous.get(f"/listings/{listing.id}/files/{image.id}/thumb")
    assert thumb.status_code == 200 and thumb.mimetype == "image/jpeg"
    pdf = revision.attachments[0]
    document = anonymous.get(f"/listings/{listing.id}/files/{pdf.id}")
    assert document.mimetype == "application/pdf"
    assert document.headers["Content-Disposition"].startswith("attachment")
    assert "catalogue.pdf" in document.headers["Content-Disposition"]
    assert len(stored_files(app)) == 3 + 2  # three files and two thumbnails


def test_post_request_with_budget_as_draft_then_submit(owner_client):
    data = form_data(owner_client, "/listings/new?kind=request", kind="request",
                     price=None, trl=None, budget_min="50.000.000", budget_max="200000000",
                     action="draft", title="Cần mua hệ thống xử lý nước thải")
    response = owner_client.post("/listings/new?kind=request", data=data)
    assert response.status_code == 302
    listing = db.session.scalars(select(Listing)).one()
    assert listing.kind == "request" and listing.status == Status.DRAFT
    revision = listing.latest_revision
    assert (revision.budget_min_vnd, revision.budget_max_vnd) == (50_000_000, 200_000_000)
    assert revision.price_vnd is None and revision.trl is None
    token = csrf_token(owner_client, f"/listings/{listing.id}")
    assert owner_client.post(f"/listings/{listing.id}/submit",
                             data={"csrf_token": token}).status_code == 302
    db.session.refresh(listing)
    assert listing.status == Status.PENDING_REVIEW


def test_default_expiry_is_twelve_months(app, owner_client):
    html = owner_client.get("/listings/new").get_data(as_text=True)
    today = local_today()  # Vietnamese date, which may differ from the UTC one
    assert f'value="{add_months(today, 12).isoformat()}"' in html
    assert add_months(date(2027, 2, 28), 12) == date(2028, 2, 28)
    assert add_months(date(2028, 2, 29), 12) == date(2029, 2, 28)


def test_bad_values_give_form_errors_and_write_nothing(app, owner_client):
    cases = {
        "price": {"price": "abc"},
        "trl": {"trl": "12"},
        "expires_at": {"expires_at": (local_today() - timedelta(days=1)).isoformat()},
        "expires_at ": {"expires_at": (local_today() + timedelta(days=5 * 365)).isoformat()},
        "expires_at  ": {"expires_at": add_months(local_today(), 25).isoformat()},
        "title": {"title": ""},
        "category": {"category": "weapons"},
        "province": {"province": "atlantis"},
        "quantity": {"quantity": "-3"},
        "budget": {"kind": "request", "price": None, "budget_min": "9000", "budget_max": "10"},
    }
    for name, overrides in cases.items():
        data = form_data(owner_client, "/listings/new", **overrides)
        response = owner_client.post("/listings/new", data=data)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert "invalid-feedback" in html, name
    assert listing_count() == 0
    assert stored_files(app) == []


def test_unverified_member_cannot_post(app):
    member = make_member(verified=False)
    client = app.test_client()
    login(client, member)
    response = client.get("/listings/new")
    assert response.status_code == 403
    assert "cannot-post" in response.get_data(as_text=True)
    token = csrf_token(client, "/account")
    response = client.post("/listings/new", data=form_data(client, "/account") | {
        "csrf_token": token})
    assert response.status_code == 403
    assert listing_count() == 0


def test_anonymous_is_sent_to_login(client):
    response = client.get("/listings/new?kind=offer")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_edit_of_published_keeps_old_text_public_until_approved(app, owner, owner_client):
    listing = make_listing(owner.business, owner, title="Máy khoan CNC 5 trục đời cũ")
    publish(listing)
    url = f"/listings/{listing.id}/edit"
    page = owner_client.get(url).get_data(as_text=True)
    assert "Máy khoan CNC 5 trục đời cũ" in page
    data = form_data(owner_client, url, title="Máy khoan CNC 5 trục đời mới")
    assert owner_client.post(url, data=data).status_code == 302
    db.session.refresh(listing)
    assert listing.status == Status.PUBLISHED
    assert listing.approved_revision.title == "Máy khoan CNC 5 trục đời cũ"
    assert listing.pending_revision.title == "Máy khoan CNC 5 trục đời mới"

    anonymous = app.test_client().get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "đời cũ" in anonymous and "đời mới" not in anonymous
    own = owner_client.get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "đời cũ" in own and "đời mới" in own and "pending-revision" in own

    publish(listing)
    anonymous = app.test_client().get(f"/listings/{listing.id}").get_data(as_text=True)
    assert "đời mới" in anonymous and "đời cũ" not in anonymous


def test_edit_keeps_and_removes_files(app, owner, owner_client):
    data = form_data(owner_client, "/listings/new",
                     images=[upload(image_bytes("JPEG", color=(1, 2, 3)), "a.jpg"),
                             upload(image_bytes("WEBP", color=(9, 9, 9)), "b.webp")])
    owner_client.post("/listings/new", data=data, content_type="multipart/form-data")
    listing = db.session.scalars(select(Listing)).one()
    publish(listing)
    first, second = listing.approved_revision.images
    url = f"/listings/{listing.id}/edit"
    data = form_data(owner_client, url, remove_files=[str(first.id)],
                     images=[upload(image_bytes("PNG", color=(5, 5, 5)), "c.png")])
    assert owner_client.post(url, data=data,
                             content_type="multipart/form-data").status_code == 302
    db.session.refresh(listing)
    pending = listing.pending_revision
    assert [f.filename for f in pending.images] == ["b.webp", "c.png"]
    assert [f.filename for f in listing.approved_revision.images] == ["a.jpg", "b.webp"]
    new_image = pending.images[1]
    anonymous = app.test_client()
    # the pending revision's new image is private, the approved ones stay public
    assert anonymous.get(f"/listings/{listing.id}/files/{new_image.id}").status_code == 404
    assert anonymous.get(f"/listings/{listing.id}/files/{first.id}").status_code == 200
    assert owner_client.get(f"/listings/{listing.id}/files/{new_image.id}").status_code == 200


def test_withdraw_takes_listing_offline(app, owner, owner_client):
    listing = make_listing(owner.business, owner)
    publish(listing)
    token = csrf_token(owner_client, f"/listings/{listing.id}")
    response = owner_client.post(f"/listings/{listing.id}/withdraw", data={"csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(listing)
    assert listing.status == Status.WITHDRAWN
    assert app.test_client().get(f"/listings/{listing.id}").status_code == 404


def test_business_profile_lists_only_published(app, owner):
    published = make_listing(owner.business, owner, title="Chế phẩm sinh học trừ sâu")
    publish(published)
    make_listing(owner.business, owner, title="Bản nháp chưa duyệt", submit=False)
    html = app.test_client().get(f"/businesses/{owner.business_id}").get_data(as_text=True)
    assert "Chế phẩm sinh học trừ sâu" in html
    assert "Bản nháp chưa duyệt" not in html
    assert app.test_client().get("/businesses/999999").status_code == 404


def test_owner_table_partial(app, owner, owner_client):
    listing = make_listing(owner.business, owner, title="Phần mềm quản lý kho")
    publish(listing)
    from exchange.listings import lifecycle
    lifecycle.save_edit(listing, owner.id, {"title": "Phần mềm quản lý kho v2"})
    db.session.commit()
    with app.test_request_context():
        from flask import render_template
        from flask_login import login_user
        from exchange.listings.queries import owner_listings
        login_user(owner)
        html = render_template("listings/_owner_table.html",
                               owner_listings=owner_listings(owner.business_id).items)
    assert "Phần mềm quản lý kho" in html and "v2" in html
    assert f"/listings/{listing.id}/edit" in html
    assert f"/listings/{listing.id}/withdraw" in html


def test_account_dashboard_shows_owner_table(app, owner, owner_client):
    listing = make_listing(owner.business, owner, title="Hệ thống tưới nhỏ giọt")
    from exchange.listings import lifecycle
    lifecycle.request_changes(listing.latest_revision, "Bổ sung ảnh thực tế")
    db.session.commit()
    html = owner_client.get("/account").get_data(as_text=True)
    assert 'id="owner-listings"' in html
    assert "Hệ thống tưới nhỏ giọt" in html and "Bổ sung ảnh thực tế" in html
    assert f"/listings/{listing.id}/edit" in html


def test_dashboard_pages_a_long_listing_table(app, owner, owner_client):
    for n in range(27):
        make_listing(owner.business, owner, submit=False, title=f"Tin số {n:02d}")
    first = owner_client.get("/account").get_data(as_text=True)
    assert "Tin số 26" in first and "Tin số 01" not in first
    assert "/account?page=2" in first
    second = owner_client.get("/account?page=2").get_data(as_text=True)
    assert "Tin số 01" in second and "Tin số 26" not in second
