"""The listing form: marking the description and files confidential, publishing
anonymously and choosing the agreement; edits carry the flags to the next version."""
import re

from sqlalchemy import select

from exchange.extensions import db
from exchange.listings.models import Listing
from tests.disclosure.conftest import signed_in
from tests.factories import publish
from tests.listings.conftest import form_data, pdf_bytes, upload


def test_post_and_edit_with_confidential_parts(app, owner):
    client = signed_in(app, owner)
    response = client.post("/listings/new?kind=offer", data=form_data(
        client, "/listings/new?kind=offer", description="Bí quyết: **men SD-42**.",
        description_confidential="y", new_files_confidential="y", is_anonymous="y",
        agreement_mode="custom", agreement_text="Không tiết lộ cho bên thứ ba.",
        attachments=[upload(pdf_bytes(), "bi-quyet.pdf")]),
        content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    listing = db.session.scalar(select(Listing))
    revision = listing.latest_revision
    assert revision.description_confidential and revision.is_anonymous
    assert [f.is_confidential for f in revision.files] == [True]
    assert listing.agreement_mode == "custom"
    assert listing.agreement_text == "Không tiết lộ cho bên thứ ba."

    publish(listing)
    edit_url = f"/listings/{listing.id}/edit"
    page = client.get(edit_url).get_data(as_text=True)
    for name in ("description_confidential", "is_anonymous"):
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page).group(0)
        assert "checked" in tag
    pdf_id = revision.files[0].id
    # the file is made public again and the listing no longer anonymous: a new version
    response = client.post(edit_url, data=form_data(
        client, edit_url, description="Bí quyết: **men SD-42**.",
        description_confidential="y", agreement_mode="default"),
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    listing = db.session.get(Listing, listing.id)
    latest = listing.latest_revision
    assert latest.id != listing.approved_revision_id
    assert not latest.is_anonymous and latest.description_confidential
    assert [f.is_confidential for f in latest.files] == [False]
    # the approved version keeps its flags until the new one is approved
    assert listing.approved_revision.is_anonymous
    assert [f.is_confidential for f in listing.approved_revision.files] == [True]
    assert listing.agreement_mode == "default" and listing.agreement_text is None
    assert pdf_id  # the old version's file row is untouched


def test_custom_agreement_needs_a_text(app, owner):
    client = signed_in(app, owner)
    response = client.post("/listings/new?kind=offer", data=form_data(
        client, "/listings/new?kind=offer", agreement_mode="custom", agreement_text=""),
        content_type="multipart/form-data")
    assert response.status_code == 200
    assert "Write the agreement text" in response.get_data(as_text=True)
    assert db.session.scalar(select(Listing)) is None
