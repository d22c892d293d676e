"""Export: the same format, import ∘ export round-trips; who may download what."""
import csv
import io

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.listings.models import Listing, Revision
from exchange.transfer.csv_format import COLUMNS
from tests.factories import login, make_business, make_listing, make_member, publish
from tests.transfer.conftest import HEADER, OTHER_TAX_CODE, count, row, run, write_file

pytestmark = pytest.mark.usefixtures("app")


def snapshot() -> dict:
    """What a listing says, by external id (or own URL), for comparing two databases."""
    return {
        (listing.external_id or listing.id): (
            str(listing.kind), listing.business.tax_code,
            {k: v for k, v in listing.latest_revision.content().items()},
        )
        for listing in db.session.scalars(select(Listing))
    }


def parse(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def test_export_then_import_round_trips(app, tmp_path, moderator):
    header = HEADER + ("trl", "quantity", "unit", "expires_at", "transfer_modes",
                       "ip_status", "budget_min_vnd", "price_negotiable")
    rows = [
        row(1, trl="7", quantity="2", unit="bộ", transfer_modes="Mua bán;licence",
            ip_status="patented", expires_at="2027-06-30"),
        row(2, kind="chào mua", price_vnd="900000000", budget_min_vnd="500.000.000",
            description="- gạch đầu dòng\n=SUM(A1)"),
        row(3, title="=HYPERLINK(\"http://x\") máy nén khí", price_vnd="",
            business_tax_code=OTHER_TAX_CODE, business_name="HTX Phong Điền",
            contact_email="htx@phongdien.vn"),
        row(4, price_vnd="120000000", price_negotiable="có"),
    ]
    source = write_file(tmp_path / "old.csv", rows, header=header)
    assert run(app, "import-listings", source, "--status", "published",
               "--moderator", moderator.email).exit_code == 0
    before = snapshot()

    exported = tmp_path / "export.csv"
    result = run(app, "export-listings", exported)
    assert result.exit_code == 0 and "exported 4 listing(s)" in result.output
    records = parse(exported.read_text(encoding="utf-8"))
    assert list(records[0])[:len(COLUMNS)] == list(COLUMNS)
    by_id = {r["external_id"]: r for r in records}
    assert by_id["old-3"]["title"].startswith("'=HYPERLINK")  # never a live formula
    assert by_id["old-1"]["province"] == "dak_lak" and by_id["old-1"]["status"] == "published"

    # into the same exchange: nothing new, nothing changed
    again = run(app, "import-listings", exported, "--status", "published",
                "--moderator", moderator.email)
    assert again.exit_code == 0, again.output
    assert "0 were created, 0 updated, 4 unchanged, 0 rejected" in again.output
    assert snapshot() == before

    # into an empty exchange: the same listings
    for model in (Listing,):
        assert count(model) == 4
    from tests.conftest import _truncate
    db.session.remove()
    _truncate(app.config["SQLALCHEMY_DATABASE_URI"])
    from tests.factories import make_moderator
    other = make_moderator(email="staff@other-exchange.vn")
    fresh = run(app, "import-listings", exported, "--status", "published",
                "--moderator", other.email)
    assert fresh.exit_code == 0, fresh.output
    assert "4 were created" in fresh.output
    assert snapshot() == before


def test_listings_posted_here_round_trip_by_their_url(app, tmp_path):
    member = make_member()
    listing = make_listing(member.business, member)
    publish(listing)
    exported = tmp_path / "export.csv"
    run(app, "export-listings", exported)
    [record] = parse(exported.read_text(encoding="utf-8"))
    assert record["external_id"] == f"http://exchange.test/listings/{listing.id}"
    assert record["contact_email"] == member.email
    moderator = make_member(business=None, role="moderator")
    result = run(app, "import-listings", exported, "--status", "published",
                 "--moderator", moderator.email)
    assert "0 were created, 0 updated, 1 unchanged" in result.output, result.output
    assert count(Listing) == 1 and count(Revision) == 1


def test_export_filters_by_status_and_date(app, tmp_path):
    member = make_member()
    published = publish(make_listing(member.business, member, title="Đã đăng bán máy"))
    make_listing(member.business, member, title="Đang chờ duyệt máy")
    out = tmp_path / "p.csv"
    run(app, "export-listings", out, "--status", "published")
    assert [r["title"] for r in parse(out.read_text(encoding="utf-8"))] == ["Đã đăng bán máy"]
    run(app, "export-listings", out, "--since", "2999-01-01")
    assert parse(out.read_text(encoding="utf-8")) == []
    run(app, "export-listings", out, "--since", "2000-01-01")
    assert len(parse(out.read_text(encoding="utf-8"))) == 2
    assert published.is_public


def test_staff_download_needs_a_moderator(app, client):
    member = make_member()
    make_listing(member.business, member, title="Đang chờ duyệt máy")
    response = client.get("/moderation/export.csv")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    login(client, member)
    assert client.get("/moderation/export.csv").status_code == 403

    staff = app.test_client()
    login(staff, make_member(business=None, role="moderator"))
    response = staff.get("/moderation/export.csv?status=pending_review")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    [record] = parse(response.get_data(as_text=True))
    assert record["title"] == "Đang chờ duyệt máy" and record["contact_email"] == member.email
    assert staff.get("/moderation/export.csv?status=nonsense").status_code == 400
    assert staff.get("/moderation/export.csv?since=yesterday").status_code == 400


def test_public_file_has_published_listings_only(app, client):
    business = make_business()
    member = make_member(business=business)
    public = publish(make_listing(business, member, title="Máy sấy đã duyệt"))
    make_listing(business, member, title="Máy chưa duyệt")
    edited = publish(make_listing(business, member, title="Bản đã duyệt"))
    from exchange.listings import lifecycle
    lifecycle.save_edit(edited, member.id, {"title": "Bản sửa chưa duyệt"})
    db.session.commit()

    response = client.get("/api/v1/listings.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    records = parse(response.get_data(as_text=True))
    assert sorted(r["title"] for r in records) == ["Bản đã duyệt", "Máy sấy đã duyệt"]
    assert all(r["contact_email"] == "" for r in records)  # no addresses to harvest
    assert {r["external_id"] for r in records} == {
        f"http://exchange.test/listings/{public.id}", f"http://exchange.test/listings/{edited.id}"}
    assert client.get("/api/v1/listings.csv?since=bad").status_code == 400
