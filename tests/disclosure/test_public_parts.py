"""Only the non-confidential part of a listing reaches the public: the page, the stored
Meilisearch documents, the API, the CSV export, the page cache, match mails and alerts."""
import orjson

from exchange.accounts.models import MatchMailMode
from exchange.extensions import db
from exchange.mail import send_pending
from exchange.matching.alerts import save_search, send_alerts
from exchange.matching.models import SavedSearch
from exchange.matching.notices import send_match_notices
from exchange.matching.services import run_match_jobs
from exchange.timeutil import utcnow
from tests.disclosure.conftest import (OWNER_NAME, PUBLIC_IMAGE, SECRET, SECRET_IMAGE,
                                       SECRET_PDF, settle, signed_in)
from tests.factories import listing_content, make_listing, publish

LEAKS = (SECRET, "CONGTHUCMAT", SECRET_PDF, SECRET_IMAGE, OWNER_NAME)


def assert_no_leak(text: str):
    for needle in LEAKS:
        assert needle not in text, needle


def test_stored_search_document_carries_only_the_public_part(app, secret, meili):
    uid = app.config["MEILI_INDEX_PREFIX"] + "listings"
    doc = meili.request("GET", f"/indexes/{uid}/documents/{secret.listing.id}").json()
    assert doc["title"] == secret.listing.approved_revision.title
    assert doc["description"] == "" and doc["business_name"] == ""
    assert doc["anonymous"] is True
    revision = secret.listing.approved_revision
    public_sha = next(f.sha256 for f in revision.files if f.filename == PUBLIC_IMAGE)
    assert doc["image"] == public_sha
    # every stored document, read back whole
    everything = meili.request("GET", f"/indexes/{uid}/documents",
                               params={"limit": 1000}).content.decode()
    assert_no_leak(everything)
    for f in revision.files:
        if f.is_confidential:
            assert f.sha256 not in everything


def test_search_and_api_do_not_name_the_owner_nor_show_the_secret(client, secret):
    listing = secret.listing
    response = client.get("/api/v1/search", query_string={"q": "nuoc mam len men"})
    hits = response.get_json()["hits"]
    assert [hit["id"] for hit in hits] == [listing.id]
    assert hits[0]["business_id"] is None and hits[0]["anonymous"] is True
    assert_no_leak(response.get_data(as_text=True))
    # the secret's words find nothing, the owner's name finds nothing
    assert client.get("/api/v1/search", query_string={"q": "CONGTHUCMAT"}).get_json()["hits"] == []
    assert client.get("/api/v1/search",
                      query_string={"q": "Bí Quyết Sông Đà"}).get_json()["hits"] == []
    # filtering by the owner's business does not find the anonymous listing
    assert client.get("/api/v1/search", query_string={
        "business": secret.owner.business_id}).get_json()["hits"] == []
    detail = client.get(f"/api/v1/listings/{listing.id}")
    assert detail.status_code == 200 and detail.get_json()["description"] == ""
    assert_no_leak(detail.get_data(as_text=True))
    page = client.get("/search?q=nuoc+mam&lang=en").get_data(as_text=True)
    assert "A verified business in Khanh Hoa, Food processing" in page
    assert_no_leak(page)


def test_public_csv_export_leaves_out_the_secret_and_the_owner(client, secret):
    body = client.get("/api/v1/listings.csv").get_data(as_text=True)
    assert secret.listing.approved_revision.title in body
    assert_no_leak(body)
    assert secret.owner.business.tax_code not in body


def test_public_page_hides_identity_description_and_confidential_files(app, client, secret):
    listing = secret.listing
    page = client.get(f"/listings/{listing.id}?lang=en").get_data(as_text=True)
    assert "A verified business in Khanh Hoa, Food processing" in page
    assert "The detailed description is confidential" in page
    assert_no_leak(page)
    assert PUBLIC_IMAGE not in page  # an anonymous listing's image is described by its title
    assert f"/businesses/{listing.business_id}" not in page
    assert f"/files/{secret.public_image_id}" in page
    for file_id in (secret.pdf_id, secret.secret_image_id):
        assert f"/files/{file_id}" not in page
        assert client.get(f"/listings/{listing.id}/files/{file_id}").status_code == 404
        assert client.get(f"/listings/{listing.id}/files/{file_id}/thumb").status_code == 404
    assert client.get(f"/listings/{listing.id}/files/{secret.public_image_id}").status_code == 200
    # the business's profile does not list its anonymous listing
    profile = client.get(f"/businesses/{listing.business_id}").get_data(as_text=True)
    assert f"/listings/{listing.id}\"" not in profile


def test_signed_in_pages_are_never_kept_for_visitors(app, secret, member_factory):
    app.config["PAGE_CACHE_SECONDS"] = 60
    owner_client = signed_in(app, secret.owner)
    url = f"/listings/{secret.listing.id}"
    mine = owner_client.get(url)
    assert SECRET.split(":")[0] in mine.get_data(as_text=True)
    assert mine.headers["Cache-Control"] == "private, no-store"
    # a visitor without cookies, twice (the second may come from the cache): never the secret
    for _ in range(2):
        visitor = app.test_client()
        answer = visitor.get(url)
        assert answer.status_code == 200
        assert_no_leak(answer.get_data(as_text=True))


def test_match_mail_names_no_anonymous_owner(app, secret, member_factory, smtp, meili):
    buyer = member_factory("HTX Nước Mắm Phú Quốc", match_mail_mode=MatchMailMode.IMMEDIATE)
    wanted = make_listing(buyer.business, buyer, kind="request", **listing_content(
        title="Cần mua quy trình lên men nước mắm nhanh",
        summary="Cơ sở nước mắm cần công nghệ rút ngắn thời gian ủ chượp lên men.",
        keywords=["nước mắm", "lên men"], category="technology", sector="food_processing",
        province="kien_giang", trl=None, price_vnd=None, budget_max_vnd=900_000_000))
    publish(wanted)
    settle(meili)
    run_match_jobs(force=True)
    send_match_notices()
    while send_pending():
        pass
    smtp.wait_for(1)
    body = smtp.body(smtp.to(buyer.email)[0])
    assert f"/listings/{secret.listing.id}" in body
    assert "Khánh Hòa" in body  # the anonymous label, in Vietnamese
    assert_no_leak(body)


def test_alert_digest_names_no_anonymous_owner(app, owner, member_factory, smtp, meili):
    from tests.disclosure.conftest import post_secret_offer
    watcher = member_factory("Công ty Theo Dõi")
    saved = save_search(watcher, "Nước mắm", "q=nuoc mam")
    saved.created_at = saved.last_alerted_at = utcnow()
    db.session.commit()
    listing = post_secret_offer(owner)
    settle(meili)
    send_alerts()
    db.session.commit()
    while send_pending():
        pass
    smtp.wait_for(1)
    body = smtp.body(smtp.to(watcher.email)[0])
    assert f"/listings/{listing.id}" in body
    assert "Khánh Hòa" in body
    assert_no_leak(body)
    assert db.session.get(SavedSearch, saved.id) is not None


def test_document_json_has_no_secret_for_a_rebuild_too(app, secret):
    from exchange.search.documents import public_documents
    documents = public_documents([secret.listing.id])
    assert len(documents) == 1 and documents[0]["description"] == ""
    assert_no_leak(orjson.dumps(documents).decode())
