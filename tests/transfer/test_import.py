"""Importing listings: both statuses, new businesses, re-runs, crashes and dry runs."""
import pytest
from sqlalchemy import select

from exchange.accounts.models import Business, Member
from exchange.extensions import db
from exchange.listings.models import Listing, Revision, RevisionStatus, Status
from exchange.mail import OutboxMail
from exchange.moderation.models import AuditEntry, ItemKind, ItemState, QueueItem
from exchange.search.models import IndexJob
from exchange.transfer.importer import Importer
from tests.factories import make_business, make_member
from tests.transfer.conftest import OTHER_TAX_CODE, TAX_CODE, count, row, run, write_file

pytestmark = pytest.mark.usefixtures("app")


def listing(external_id) -> Listing:
    return db.session.scalars(select(Listing).where(Listing.external_id == external_id)).one()


def test_pending_import_fills_the_review_queue_and_invites_new_businesses(app, tmp_path, smtp):
    path = write_file(tmp_path / "old.csv", [
        row(1), row(2, kind="chào mua", price_vnd=""),
        row(3, business_tax_code=OTHER_TAX_CODE, business_name="HTX Phong Điền",
            contact_email="htx@phongdien.vn"),
    ])
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    assert "3 were created" in result.output and "0 rejected" in result.output
    assert "2 new business(es)" in result.output

    db.session.expire_all()
    first = listing("old-1")
    assert first.status == Status.PENDING_REVIEW and not first.is_public
    assert first.latest_revision.status == RevisionStatus.PENDING
    assert first.latest_revision.category == "equipment"
    assert first.latest_revision.keywords == ["máy sấy", "nông sản"]
    assert first.latest_revision.price_vnd == 250_000_000
    request = listing("old-2")
    assert request.kind == "request" and request.latest_revision.price_negotiable
    items = db.session.scalars(select(QueueItem).where(QueueItem.kind == ItemKind.LISTING)).all()
    assert {i.listing_id for i in items} == {listing(f"old-{n}").id for n in (1, 2, 3)}
    assert all(i.state == ItemState.WAITING for i in items)
    assert count(IndexJob) == 0  # nothing unreviewed goes near the index

    business = db.session.scalars(select(Business).where(Business.tax_code == TAX_CODE)).one()
    assert not business.is_verified and business.province == "dak_lak"
    assert count(QueueItem, QueueItem.kind == ItemKind.BUSINESS) == 2
    assert count(Member) == 0

    # the invitation reaches the contact address once and lets the owner claim the business
    run(app, "send-mail")
    smtp.wait_for(2)
    invitation = [m for m in smtp.messages if m["To"] == "lienhe@cokhitaynguyen.vn"]
    assert len(invitation) == 1
    body = invitation[0].get_content()
    link = next(word for word in body.split() if "/auth/invitation/" in word)
    client = app.test_client()
    page = client.get(link.replace("http://exchange.test", ""))
    assert page.status_code == 200 and "Cơ khí Tây Nguyên" in page.get_data(as_text=True)


def test_published_import_is_decided_by_the_moderator_and_indexed(app, tmp_path, moderator):
    path = write_file(tmp_path / "old.csv", [row(1), row(2)])
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email)
    assert result.exit_code == 0, result.output
    assert "search index in sync" in result.output
    db.session.expire_all()
    first = listing("old-1")
    assert first.is_public and first.approved_revision.status == RevisionStatus.APPROVED
    decisions = db.session.scalars(select(AuditEntry).where(
        AuditEntry.action == "import_decision")).all()
    assert {d.listing_id for d in decisions} == {first.id, listing("old-2").id}
    assert all(d.actor_id == moderator.id for d in decisions)
    item = db.session.scalars(select(QueueItem).where(QueueItem.listing_id == first.id)).one()
    assert item.state == ItemState.DECIDED and item.decided_by_id == moderator.id
    assert count(IndexJob, IndexJob.state != "done") == 0
    assert app.test_client().get(f"/listings/{first.id}").status_code == 200


def test_published_import_needs_a_moderator(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1)])
    assert run(app, "import-listings", path, "--status", "published").exit_code != 0
    member = make_member()
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", member.email)
    assert result.exit_code != 0 and "not a moderator" in result.output
    assert count(Listing) == 0


def test_existing_business_is_used_and_not_invited(app, tmp_path, smtp):
    business = make_business(name="Cơ khí Đông Á")
    make_member(business=business)
    path = write_file(tmp_path / "old.csv", [
        row(1, business_tax_code=business.tax_code, business_name="", contact_email="")])
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    assert listing("old-1").business_id == business.id
    assert count(Business) == 1 and count(OutboxMail) == 0


def test_rerun_creates_nothing_twice_and_mails_nothing_twice(app, tmp_path, moderator):
    rows = [row(n) for n in range(1, 6)]
    path = write_file(tmp_path / "old.csv", rows)
    for _ in range(2):
        result = run(app, "import-listings", path, "--status", "published",
                     "--moderator", moderator.email)
        assert result.exit_code == 0, result.output
    assert "0 were created, 0 updated, 5 unchanged" in result.output
    assert count(Listing) == 5 and count(Revision) == 5 and count(Business) == 1
    assert count(OutboxMail) == 1
    assert count(AuditEntry, AuditEntry.action == "import_decision") == 5


def test_rerun_updates_changed_rows(app, tmp_path, moderator):
    path = write_file(tmp_path / "old.csv", [row(1), row(2)])
    run(app, "import-listings", path, "--status", "published", "--moderator", moderator.email)
    write_file(path, [row(1, title="Máy sấy nông sản thế hệ mới"), row(2)])
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email)
    assert result.exit_code == 0, result.output
    assert "0 were created, 1 updated, 1 unchanged" in result.output
    db.session.expire_all()
    changed = listing("old-1")
    assert changed.approved_revision.title == "Máy sấy nông sản thế hệ mới"
    assert changed.approved_revision.number == 2 and changed.is_public
    assert count(Listing) == 2


def test_pending_rerun_of_a_published_listing_waits_for_review(app, tmp_path, moderator):
    path = write_file(tmp_path / "old.csv", [row(1)])
    run(app, "import-listings", path, "--status", "published", "--moderator", moderator.email)
    write_file(path, [row(1, title="Máy sấy nông sản thế hệ mới")])
    assert run(app, "import-listings", path).exit_code == 0
    db.session.expire_all()
    current = listing("old-1")
    assert current.is_public and current.approved_revision.title.endswith("số 1")
    assert current.pending_revision.title == "Máy sấy nông sản thế hệ mới"
    assert count(QueueItem, QueueItem.kind == ItemKind.REVISION,
                 QueueItem.state == ItemState.WAITING) == 1


def test_crash_in_the_middle_batch_and_rerun_imports_every_row_once(app, tmp_path, moderator):
    rows = [row(n) for n in range(1, 31)]
    rows[4]["title"] = ""  # one bad row in the first batch
    path = write_file(tmp_path / "old.csv", rows)

    def crash(report, seconds):
        if report.rows == 15:
            raise RuntimeError("power cut")

    importer = Importer(status="published", moderator_id=moderator.id, batch_size=10,
                        progress=crash)
    with open(path, encoding="utf-8", newline="") as stream, \
            pytest.raises(RuntimeError, match="power cut"):
        importer.run(stream)
    db.session.expire_all()
    assert count(Listing) == 9  # the first batch, committed before the crash

    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email, "--batch-size", "10")
    assert result.exit_code == 0, result.output
    assert "20 were created, 0 updated, 9 unchanged, 1 rejected" in result.output
    ids = db.session.scalars(select(Listing.external_id)).all()
    assert sorted(ids) == sorted(f"old-{n}" for n in range(1, 31) if n != 5)
    assert count(Revision) == 29 and count(Business) == 1
    assert count(AuditEntry, AuditEntry.action == "import_decision") == 29
    assert count(OutboxMail) == 1
    assert count(IndexJob, IndexJob.state != "done") == 0


def test_dry_run_writes_nothing(app, tmp_path, moderator):
    path = write_file(tmp_path / "old.csv", [row(1), row(2), row(3, title="")])
    tables = (Listing, Revision, Business, QueueItem, AuditEntry, IndexJob, OutboxMail)
    before = [count(model) for model in tables]
    result = run(app, "import-listings", path, "--dry-run", "--status", "published",
                 "--moderator", moderator.email)
    assert result.exit_code == 0, result.output
    assert "2 would be created" in result.output and "1 rejected" in result.output
    assert "1 new business(es), 1 invitation(s)" in result.output
    assert "nothing was written" in result.output
    db.session.expire_all()
    assert [count(model) for model in tables] == before
    assert (tmp_path / "old.rejects.csv").exists()  # the report is the point of a dry run


def test_same_business_in_later_batches_is_not_created_twice(app, tmp_path):
    rows = [row(1)] + [row(n, business_name="", contact_email="") for n in range(2, 8)]
    path = write_file(tmp_path / "old.csv", rows)
    result = run(app, "import-listings", path, "--batch-size", "2")
    assert result.exit_code == 0, result.output
    assert "7 were created" in result.output
    assert count(Business) == 1
    dry = run(app, "import-listings", path, "--batch-size", "2", "--dry-run")
    assert "7 unchanged" in dry.output
    assert "0 new business(es), 0 invitation(s)" in dry.output  # already invited


def test_new_business_without_contact_comes_in_uninvited(app, tmp_path):
    path = write_file(tmp_path / "old.csv", [row(1, contact_email="")])
    result = run(app, "import-listings", path)
    assert result.exit_code == 0, result.output
    assert "1 new business(es) without a contact_email" in result.output
    assert count(Business) == 1 and count(Listing) == 1 and count(OutboxMail) == 0
    assert count(QueueItem, QueueItem.kind == ItemKind.BUSINESS) == 1
