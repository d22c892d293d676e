"""The field-by-field diff a moderator reads for an edit of a published listing."""
import pytest

from exchange.listings.models import Revision, RevisionFile
from exchange.moderation.diff import revision_diff
from tests.factories import listing_content

pytestmark = pytest.mark.usefixtures("request_ctx")


def revision(**changes):
    return Revision(**listing_content(**changes))


def test_identical_revisions_have_no_diff():
    old = revision()
    assert revision_diff(old, revision(expires_at=old.expires_at)) == []


def test_changed_fields_are_listed_with_labels_and_readable_values():
    old = revision()
    new = revision(expires_at=old.expires_at, title="Máy sấy nông sản thế hệ mới",
                   transfer_modes=["sale", "licence"], ip_status="patented",
                   price_negotiable=True)
    changes = {c.name: c for c in revision_diff(old, new)}
    assert set(changes) == {"title", "transfer_modes", "ip_status", "price_negotiable"}
    assert changes["title"].label in ("Tiêu đề", "Title")
    assert changes["title"].segments == [
        ("equal", "Máy sấy nông sản"), ("delete", " năng lượng mặt trời"),
        ("insert", " thế hệ mới"),
    ]
    assert changes["ip_status"].old == "Giải pháp hữu ích"  # labels, not codes
    assert changes["ip_status"].new == "Đã được cấp bằng sáng chế"
    assert ("insert", " Chuyển giao quyền sử dụng") in changes["transfer_modes"].segments


def test_descriptions_are_compared_line_by_line():
    old = revision(description="Dòng một\nDòng hai\nDòng ba")
    new = revision(expires_at=old.expires_at, description="Dòng một\nDòng 2\nDòng ba")
    [change] = revision_diff(old, new)
    assert change.by_line
    assert change.segments == [("equal", "Dòng một"), ("delete", "Dòng hai"),
                               ("insert", "Dòng 2"), ("equal", "Dòng ba")]


def test_added_and_removed_files():
    old, new = revision(), revision()
    new.expires_at = old.expires_at
    old.files = [RevisionFile(sha256="a" * 64, kind="image", filename="cu.png", position=0)]
    new.files = [RevisionFile(sha256="b" * 64, kind="image", filename="moi.png", position=0),
                 RevisionFile(sha256="c" * 64, kind="pdf", filename="catalog.pdf", position=0)]
    changes = {c.name: c for c in revision_diff(old, new)}
    assert changes["images"].segments == [("delete", "cu.png"), ("insert", "moi.png")]
    assert changes["attachments"].segments == [("insert", "catalog.pdf")]
