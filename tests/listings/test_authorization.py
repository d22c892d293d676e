"""Every listing route, tried as another business and anonymously: refused, nothing changed."""
import pytest
from sqlalchemy import func, select

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Listing, Revision, Status
from tests.factories import csrf_token, login, make_member, make_moderator, publish
from tests.listings.conftest import form_data, image_bytes, pdf_bytes, upload


@pytest.fixture
def listings(app, owner, owner_client):
    """A draft, a pending and a published listing (with a pending edit), all with files."""
    made = {}
    for name, action in (("draft", "draft"), ("pending", "submit"), ("published", "submit")):
        data = form_data(owner_client, "/listings/new", title=f"Tin {name} của chủ",
                         action=action,
                         images=[upload(image_bytes("PNG", color=(len(name), 1, 1)), "a.png")],
                         attachments=[upload(pdf_bytes(), "a.pdf")])
        response = owner_client.post("/listings/new", data=data,
                                     content_type="multipart/form-data")
        assert response.status_code == 302
        made[name] = db.session.scalars(select(Listing).order_by(Listing.id.desc())).first()
    publish(made["published"])
    lifecycle.save_edit(made["published"], owner.id, {"title": "Bản sửa chưa duyệt"})
    db.session.commit()
    return made


def snapshot():
    return (
        db.session.execute(select(Listing.id, Listing.status, Listing.approved_revision_id)
                           .order_by(Listing.id)).all(),
        db.session.execute(select(Revision.id, Revision.title, Revision.status)
                           .order_by(Revision.id)).all(),
    )


def routes(listing):
    files = [f for r in listing.revisions for f in r.files]
    gets = [f"/listings/{listing.id}/edit"]
    for f in files:
        public_file = listing.is_public and f.revision_id == listing.approved_revision_id
        if not public_file:
            gets.append(f"/listings/{listing.id}/files/{f.id}")
            if f.kind == "image":
                gets.append(f"/listings/{listing.id}/files/{f.id}/thumb")
    if not listing.is_public:
        gets.append(f"/listings/{listing.id}")
    posts = [f"/listings/{listing.id}/edit", f"/listings/{listing.id}/withdraw",
             f"/listings/{listing.id}/submit"]
    return gets, posts


def try_everything(client, listings, token, expected):
    before = snapshot()
    for listing in listings.values():
        gets, posts = routes(listing)
        for url in gets:
            response = client.get(url)
            assert response.status_code in expected, (url, response.status_code)
        for url in posts:
            data = {"csrf_token": token, "title": "Chiếm quyền", "summary": "x",
                    "kind": "offer", "category": "equipment", "sector": "agriculture",
                    "province": "ha_noi", "price": "1", "ip_status": "none"}
            response = client.post(url, data=data)
            assert response.status_code in expected, (url, response.status_code)
    db.session.expire_all()
    assert snapshot() == before


def test_other_business_gets_403_or_404(app, listings):
    other = app.test_client()
    login(other, make_member(full_name="Đối thủ"))
    token = csrf_token(other, "/listings/new")
    try_everything(other, listings, token, expected={403, 404})
    # a published listing is visible but not editable: 403, not 404
    published = listings["published"]
    assert other.get(f"/listings/{published.id}/edit").status_code == 403
    assert other.get(f"/listings/{listings['draft'].id}/edit").status_code == 404
    # and the other business does not see the pending edit on the public page
    page = other.get(f"/listings/{published.id}").get_data(as_text=True)
    assert "Bản sửa chưa duyệt" not in page and "pending-revision" not in page


def test_anonymous_visitor_is_refused(app, listings):
    anonymous = app.test_client()
    token = csrf_token(anonymous, "/auth/login")
    # pages behind login redirect to the sign-in form; everything private is 404
    try_everything(anonymous, listings, token, expected={302, 404})
    response = anonymous.post(f"/listings/{listings['published'].id}/withdraw",
                              data={"csrf_token": token})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_colleague_of_same_business_may_edit(app, owner, listings):
    colleague = make_member(business=owner.business)
    client = app.test_client()
    login(client, colleague)
    assert client.get(f"/listings/{listings['draft'].id}/edit").status_code == 200
    image = listings["draft"].latest_revision.images[0]
    assert client.get(f"/listings/{listings['draft'].id}/files/{image.id}").status_code == 200


def test_moderator_sees_everything_but_edits_nothing(app, listings):
    moderator = make_moderator()
    client = app.test_client()
    login(client, moderator)
    for listing in listings.values():
        assert client.get(f"/listings/{listing.id}").status_code == 200
        for f in listing.latest_revision.files:
            assert client.get(f"/listings/{listing.id}/files/{f.id}").status_code == 200
        assert client.get(f"/listings/{listing.id}/edit").status_code == 403
    page = client.get(f"/listings/{listings['published'].id}").get_data(as_text=True)
    assert "Bản sửa chưa duyệt" in page


def test_file_of_one_listing_is_not_served_under_another(app, listings):
    published = listings["published"]
    draft_image = listings["draft"].latest_revision.images[0]
    anonymous = app.test_client()
    assert anonymous.get(f"/listings/{published.id}/files/{draft_image.id}").status_code == 404


def test_public_files_of_published_listing(app, listings):
    published = listings["published"]
    anonymous = app.test_client()
    for f in published.approved_revision.files:
        response = anonymous.get(f"/listings/{published.id}/files/{f.id}")
        assert response.status_code == 200
    pdf = published.approved_revision.attachments[0]
    assert anonymous.get(f"/listings/{published.id}/files/{pdf.id}/thumb").status_code == 404


def test_withdrawn_listing_files_become_private(app, owner, listings):
    published = listings["published"]
    image = published.approved_revision.images[0]
    lifecycle.withdraw(published, owner.id)
    db.session.commit()
    anonymous = app.test_client()
    assert anonymous.get(f"/listings/{published.id}").status_code == 404
    assert anonymous.get(f"/listings/{published.id}/files/{image.id}").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Listing)) == 3
    assert published.status == Status.WITHDRAWN
