"""Import attribution: a published import skips review, so it creates and changes listings
only of the businesses it brings in itself, or that the operator names."""
import pytest
from sqlalchemy import select

from exchange.accounts.models import Business
from exchange.extensions import db
from exchange.listings.models import Listing, RevisionStatus
from exchange.moderation.models import AuditEntry, ItemKind, ItemState, QueueItem
from tests.factories import make_business, make_listing, make_member, publish
from tests.transfer.conftest import (OTHER_TAX_CODE, TAX_CODE, count, read_rejects, row, run,
                                     write_file)

pytestmark = pytest.mark.usefixtures("app")


@pytest.fixture
def member_here(app):
    """A business that signed up here, with a published listing of its own."""
    business = make_business(name="Công ty Cơ khí Đông Á")
    member = make_member(business=business)
    publish(make_listing(business, member, title="Máy tiện CNC Đông Á"))
    return member


def hostile_file(tmp_path, member_here):
    """One row per way of reaching a business that was already here: a new listing in its
    name, and its own listing named by URL (as the export names listings posted here)."""
    own = db.session.scalars(select(Listing)).one()
    tax_code = member_here.business.tax_code
    return write_file(tmp_path / "other-exchange.csv", [
        row(1, business_tax_code=tax_code, business_name="", contact_email=""),
        row(2, external_id=f"http://exchange.test/listings/{own.id}",
            title="Máy tiện CNC giá rẻ, liên hệ zalo", business_tax_code=tax_code,
            business_name="", contact_email=""),
        row(3, business_tax_code=OTHER_TAX_CODE, business_name="HTX Phong Điền",
            contact_email=""),
    ]), own


def published(app, path, moderator, *extra):
    return run(app, "import-listings", path, "--status", "published",
               "--moderator", moderator.email, *extra)


def test_a_published_import_leaves_businesses_already_here_alone(app, tmp_path, moderator,
                                                                 member_here):
    path, own = hostile_file(tmp_path, member_here)
    result = published(app, path, moderator)
    assert result.exit_code == 0, result.output
    assert "1 were created, 0 updated, 0 unchanged, 2 rejected" in result.output
    assert "2 row(s) refused: their business was already on the exchange" in result.output

    rejects = read_rejects(tmp_path / "other-exchange.rejects.csv")
    assert [r["line"] for r in rejects] == ["2", "3"]
    tax_code = member_here.business.tax_code
    for rejected in rejects:
        assert rejected["column"] == "business_tax_code"
        assert f"--allow-business {tax_code}" in rejected["reason"]
        assert "--status pending" in rejected["reason"]

    db.session.expire_all()
    assert own.approved_revision.title == "Máy tiện CNC Đông Á" and own.pending_revision is None
    assert count(Listing, Listing.business_id == member_here.business_id) == 1
    assert db.session.scalars(select(Listing).where(
        Listing.external_id == "old-3")).one().is_public  # the file's own business came in


def test_the_operator_names_a_business_with_allow_business(app, tmp_path, moderator,
                                                           member_here):
    path, own = hostile_file(tmp_path, member_here)
    tax_code = member_here.business.tax_code
    result = published(app, path, moderator, "--allow-business", tax_code)
    assert result.exit_code == 0, result.output
    assert "2 were created, 1 updated, 0 unchanged, 0 rejected" in result.output
    assert ("2 row(s) created or changed listings of 1 business(es) already on the exchange"
            in result.output)
    assert f"{tax_code}: line(s) 2, 3" in result.output
    db.session.expire_all()
    assert own.approved_revision.title == "Máy tiện CNC giá rẻ, liên hệ zalo"
    decisions = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "import_decision", AuditEntry.actor_id == moderator.id)).all()
    assert own.id in {d.listing_id for d in decisions}


def test_trust_existing_businesses_names_them_all(app, tmp_path, moderator, member_here):
    path, _own = hostile_file(tmp_path, member_here)
    result = published(app, path, moderator, "--trust-existing-businesses")
    assert result.exit_code == 0, result.output
    assert "0 rejected" in result.output and "already on the exchange:" in result.output


def test_a_bad_tax_code_for_allow_business_is_refused(app, tmp_path, moderator, member_here):
    path, _own = hostile_file(tmp_path, member_here)
    result = published(app, path, moderator, "--allow-business", "0101234")
    assert result.exit_code != 0 and "not a valid tax code" in result.output
    assert count(Listing) == 1


def test_a_pending_import_sends_them_to_review_and_says_so(app, tmp_path, member_here):
    path, own = hostile_file(tmp_path, member_here)
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    assert "0 rejected" in result.output
    assert f"{member_here.business.tax_code}: line(s) 2, 3" in result.output
    db.session.expire_all()
    assert own.approved_revision.title == "Máy tiện CNC Đông Á"  # still what was approved
    assert own.pending_revision.status == RevisionStatus.PENDING
    assert count(QueueItem, QueueItem.kind == ItemKind.REVISION,
                 QueueItem.state == ItemState.WAITING) == 1


def test_a_business_an_earlier_import_created_is_its_own_until_claimed(app, tmp_path,
                                                                         moderator):
    first = write_file(tmp_path / "a.csv", [row(1)])
    assert "1 were created" in published(app, first, moderator).output
    # a second file (or a re-run after a crash) goes on with the unclaimed business
    second = write_file(tmp_path / "b.csv", [row(2, business_name="", contact_email="")])
    result = published(app, second, moderator)
    assert "1 were created, 0 updated, 0 unchanged, 0 rejected" in result.output
    assert "already on the exchange" not in result.output

    # once its people claimed it, their listings are theirs
    business = db.session.scalars(select(Business).where(Business.tax_code == TAX_CODE)).one()
    make_member(business=business)
    write_file(first, [row(1, title="Máy sấy nông sản đời mới")])
    result = published(app, first, moderator)
    assert "0 updated, 0 unchanged, 1 rejected" in result.output
    # unchanged rows are not refused: a round trip changes nothing
    write_file(first, [row(1)])
    assert "0 updated, 1 unchanged, 0 rejected" in published(app, first, moderator).output
