"""Asking for access: the agreement first (recorded), the owner grants or refuses, the
requester is mailed, a grant opens the confidential parts to that business only (files
watermarked, never cached) until it is revoked; staff see it all in the audit log."""
import io

from PIL import Image
from pypdf import PdfReader
from sqlalchemy import select

from exchange.disclosure.agreement import DEFAULT_TEMPLATE, text_version
from exchange.disclosure.models import AccessRequest, AccessState, AgreementAcceptance
from exchange.extensions import db
from exchange.mail import OutboxMail
from exchange.moderation.models import AuditEntry
from tests.disclosure.conftest import OWNER_NAME, SECRET, post_secret_offer, signed_in
from tests.factories import csrf_token, make_moderator

STATEMENT = "Chúng tôi sản xuất nước mắm ở Phú Quốc và muốn rút ngắn thời gian ủ."


def ask(client, listing, *, accept=True, statement=STATEMENT):
    url = f"/listings/{listing.id}/access"
    page = client.get(url).get_data(as_text=True)
    data = {"csrf_token": csrf_token(client, url), "statement": statement,
            "agreement_version": text_version(DEFAULT_TEMPLATE)}
    if accept:
        data["accept_agreement"] = "y"
    return client.post(url, data=data, environ_base={"REMOTE_ADDR": "203.0.113.7"}), page


def decide(client, access, step, **data):
    token = csrf_token(client, "/account/access-requests")
    return client.post(f"/account/access-requests/{access.id}/{step}",
                       data={"csrf_token": token, **data})


def mails_to(address):
    return db.session.scalars(select(OutboxMail).where(OutboxMail.recipient == address)).all()


def test_the_agreement_must_be_accepted_and_is_recorded(app, secret, member_factory):
    buyer = member_factory("HTX Nước Mắm Phú Quốc")
    client = signed_in(app, buyer)
    response, page = ask(client, secret.listing, accept=False)
    assert "THỎA THUẬN BẢO MẬT" in page and "CONFIDENTIALITY AGREEMENT" in page
    assert response.status_code == 200
    assert "Accept the confidentiality agreement" in response.get_data(as_text=True)
    assert db.session.scalar(select(AccessRequest)) is None

    response, _ = ask(client, secret.listing)
    assert response.status_code == 302
    access = db.session.scalar(select(AccessRequest))
    assert access.state == AccessState.PENDING and access.business_id == buyer.business_id
    acceptance = db.session.scalar(select(AgreementAcceptance))
    assert access.acceptance_id == acceptance.id
    assert (acceptance.member_id, acceptance.business_id) == (buyer.id, buyer.business_id)
    assert acceptance.text_sha256 == text_version(DEFAULT_TEMPLATE)
    assert acceptance.ip_address == "203.0.113.7" and acceptance.accepted_at is not None
    # the owner is mailed; a second request of the same business is refused
    assert any(STATEMENT in m.body_text for m in mails_to(secret.owner.email))
    again, _ = ask(client, secret.listing)
    assert db.session.scalars(select(AccessRequest)).all() == [access]
    assert again.status_code == 200


def test_a_changed_agreement_must_be_read_again(app, secret, member_factory):
    buyer = member_factory("Công ty Đọc Kỹ")
    client = signed_in(app, buyer)
    url = f"/listings/{secret.listing.id}/access"
    token = csrf_token(client, url)
    secret.owner.business.agreement_text = "Thỏa thuận riêng của Sông Đà, bản 2."
    db.session.commit()
    response = client.post(url, data={"csrf_token": token, "statement": STATEMENT,
                                      "accept_agreement": "y",
                                      "agreement_version": text_version(DEFAULT_TEMPLATE)})
    assert response.status_code == 200
    assert "read and accept the confidentiality agreement" in response.get_data(as_text=True)
    assert db.session.scalar(select(AccessRequest)) is None
    assert "Thỏa thuận riêng của Sông Đà" in client.get(url).get_data(as_text=True)


def test_grant_opens_the_secret_to_that_business_only_until_revoked(app, secret,
                                                                    member_factory):
    buyer = member_factory("HTX Nước Mắm Phú Quốc")
    other = member_factory("Công ty Tò Mò")
    buyer_client, other_client = signed_in(app, buyer), signed_in(app, other)
    ask(buyer_client, secret.listing)
    access = db.session.scalar(select(AccessRequest))
    owner_client = signed_in(app, secret.owner)
    listing_url = f"/listings/{secret.listing.id}"
    pdf_url = f"{listing_url}/files/{secret.pdf_id}"
    image_url = f"{listing_url}/files/{secret.secret_image_id}"

    # before the grant: neither the name nor the file
    assert OWNER_NAME not in buyer_client.get(listing_url).get_data(as_text=True)
    assert buyer_client.get(pdf_url).status_code == 404
    # someone else's requests are not theirs to decide
    assert decide(other_client, access, "grant").status_code == 404
    queue = owner_client.get("/account/access-requests").get_data(as_text=True)
    assert STATEMENT in queue and "HTX Nước Mắm Phú Quốc" in queue
    assert decide(owner_client, access, "grant").status_code == 302
    db.session.refresh(access)
    assert access.state == AccessState.GRANTED
    assert any(m.dedupe_key == f"access-granted-{access.id}"
               and f"/listings/{secret.listing.id}" in m.body_text
               for m in mails_to(buyer.email))

    page = buyer_client.get(listing_url)
    text = page.get_data(as_text=True)
    assert OWNER_NAME in text and "CONGTHUCMAT" in text
    assert page.headers["Cache-Control"] == "private, no-store"
    pdf = buyer_client.get(pdf_url)
    assert pdf.status_code == 200 and pdf.headers["Cache-Control"] == "private, no-store"
    first_page = PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "HTX Nước Mắm Phú Quốc" in first_page
    image = buyer_client.get(image_url)
    assert image.status_code == 200 and image.headers["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(image.data)) as marked:
        # the watermark band darkens/reddens the bottom rows of a plain red image
        assert marked.convert("RGB").getpixel((marked.width // 2, 5)) == (200, 30, 30)
        bottom = [marked.convert("RGB").getpixel((x, marked.height - 8))
                  for x in range(0, marked.width, 4)]
        assert any(pixel != (200, 30, 30) for pixel in bottom)
    # the other business still sees nothing
    assert other_client.get(pdf_url).status_code == 404
    assert OWNER_NAME not in other_client.get(listing_url).get_data(as_text=True)
    # the owner reads their own file unmarked
    own = owner_client.get(pdf_url)
    assert own.status_code == 200 and own.headers["Cache-Control"] == "private, no-store"
    assert "HTX" not in (PdfReader(io.BytesIO(own.data)).pages[0].extract_text() or "")

    assert decide(owner_client, access, "revoke", reason="Hết hạn hợp tác").status_code == 302
    db.session.refresh(access)
    assert access.state == AccessState.REVOKED
    assert buyer_client.get(pdf_url).status_code == 404
    assert OWNER_NAME not in buyer_client.get(listing_url).get_data(as_text=True)
    assert any(m.dedupe_key == f"access-revoked-{access.id}" and "Hết hạn hợp tác" in m.body_text
               for m in mails_to(buyer.email))

    # staff see grants and revocations in the audit log
    actions = db.session.scalars(select(AuditEntry.action).where(
        AuditEntry.listing_id == secret.listing.id)).all()
    assert {"access_requested", "access_granted", "access_revoked"} <= set(actions)
    staff = signed_in(app, make_moderator())
    audit = staff.get(f"/moderation/audit?listing_id={secret.listing.id}").get_data(as_text=True)
    assert "Access to confidential details granted" in audit
    assert "Access to confidential details revoked" in audit
    # staff read the confidential file, marked with their name
    staff_pdf = staff.get(pdf_url)
    assert staff_pdf.status_code == 200
    assert staff_pdf.headers["Cache-Control"] == "private, no-store"


def test_refusal_needs_a_reason_and_is_mailed(app, secret, member_factory):
    buyer = member_factory("Công ty Bị Từ Chối")
    client = signed_in(app, buyer)
    ask(client, secret.listing)
    access = db.session.scalar(select(AccessRequest))
    owner_client = signed_in(app, secret.owner)
    decide(owner_client, access, "refuse", reason="")
    db.session.refresh(access)
    assert access.state == AccessState.PENDING
    decide(owner_client, access, "refuse", reason="Chưa phù hợp lĩnh vực")
    db.session.refresh(access)
    assert access.state == AccessState.REFUSED and access.reason == "Chưa phù hợp lĩnh vực"
    assert any("Chưa phù hợp lĩnh vực" in m.body_text for m in mails_to(buyer.email))
    mine = client.get("/account/my-access-requests").get_data(as_text=True)
    assert "Refused" in mine and "Chưa phù hợp lĩnh vực" in mine
    # a refused business may ask again
    again, _ = ask(client, secret.listing)
    assert again.status_code == 302
    assert db.session.scalar(select(AccessRequest).where(
        AccessRequest.state == AccessState.PENDING)) is not None


def test_without_an_agreement_a_statement_is_enough(app, owner, member_factory, meili):
    listing = post_secret_offer(owner, agreement_mode="none")
    buyer = member_factory("Công ty Không Cần Ký")
    client = signed_in(app, buyer)
    response, page = ask(client, listing, accept=False)
    assert "CONFIDENTIALITY AGREEMENT" not in page
    assert response.status_code == 302
    access = db.session.scalar(select(AccessRequest))
    assert access.acceptance_id is None


def test_owner_and_visitors_cannot_ask(app, secret):
    owner_client = signed_in(app, secret.owner)
    assert owner_client.get(f"/listings/{secret.listing.id}/access").status_code == 403
    visitor = app.test_client()
    assert visitor.get(f"/listings/{secret.listing.id}/access").status_code == 302


def test_dashboard_lists_requests_to_handle(app, secret, member_factory):
    ask(signed_in(app, member_factory("Công ty Hỏi Thăm")), secret.listing)
    dashboard = signed_in(app, secret.owner).get("/account").get_data(as_text=True)
    assert 'id="access-waiting">1<' in dashboard


def test_moderators_review_the_confidential_parts(app, owner):
    from exchange.listings import lifecycle
    from exchange.moderation.models import QueueItem
    from tests.factories import listing_content
    listing = lifecycle.create_listing(owner.business_id, owner.id, "offer", listing_content(
        description=SECRET, description_confidential=True, is_anonymous=True))
    lifecycle.submit(listing, owner.id)
    db.session.commit()
    item = db.session.scalar(select(QueueItem).where(QueueItem.listing_id == listing.id))
    staff = signed_in(app, make_moderator())
    page = staff.get(f"/moderation/{item.id}").get_data(as_text=True)
    assert "CONGTHUCMAT" in page and 'id="review-confidential-description"' in page
    assert 'id="review-anonymous"' in page


def test_the_business_replaces_the_template_for_its_listings(app, secret, member_factory):
    owner_client = signed_in(app, secret.owner)
    page = owner_client.get("/account/agreement").get_data(as_text=True)
    assert "CONFIDENTIALITY AGREEMENT" in page  # the template, to start from
    response = owner_client.post("/account/agreement", data={
        "csrf_token": csrf_token(owner_client, "/account/agreement"),
        "agreement_text": "Thỏa thuận bảo mật của Sông Đà: không sao chép công thức."})
    assert response.status_code == 302
    buyer_client = signed_in(app, member_factory("Công ty Đọc Thỏa Thuận"))
    form = buyer_client.get(f"/listings/{secret.listing.id}/access").get_data(as_text=True)
    assert "không sao chép công thức" in form and "CONFIDENTIALITY AGREEMENT" not in form
