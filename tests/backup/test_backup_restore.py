"""Backup, then change and break things, then restore: the database, the uploads and the
search index are as they were at the backup, on SQLite and on PostgreSQL."""
import json

import pytest
from sqlalchemy import inspect, select, text

from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Listing, Status
from tests.conftest import PG_URL
from tests.factories import make_listing, publish
from tests.helpers import settle
from tests.search.test_outbox import index_documents


def run(app, *args):
    return app.test_cli_runner().invoke(args=["exchange", *map(str, args)])


def upload(app, name: str, data: bytes):
    from pathlib import Path
    path = Path(app.config["UPLOAD_DIR"]) / name[:2] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


@pytest.fixture
def world(app, owner, post, meili):
    published = post(title="Máy sấy nông sản năng lượng mặt trời")
    pending = make_listing(owner.business, owner, title="Dây chuyền ép viên nén mùn cưa")
    kept_file = upload(app, "ab" + "1" * 62, b"anh chup may say")
    return {"published": published, "pending": pending, "kept_file": kept_file}


def test_backup_change_restore_gives_back_database_uploads_and_index(app, tmp_path, owner,
                                                                     post, meili, world):
    backup = tmp_path / "backup"
    result = run(app, "backup", backup)
    assert result.exit_code == 0, result.output
    manifest = json.loads((backup / "manifest.json").read_text())
    kind = db.engine.dialect.name
    assert manifest["database"]["kind"] == kind
    assert manifest["meilisearch"]["version"].startswith("1.")
    assert manifest["created_at"] and "code_heads" in manifest["app"]
    files = {entry["path"]: entry for entry in manifest["files"]}
    assert set(files) == {manifest["database"]["dump"], f"uploads/ab/{'ab' + '1' * 62}"}
    assert all(len(entry["sha256"]) == 64 for entry in files.values())

    # after the backup: the pending listing is published, a new one appears, the published
    # one is edited, an upload is lost and another added, a table is dropped
    published, pending = world["published"], world["pending"]
    publish(pending)
    extra = post(title="Thiết bị lọc nước RO công nghiệp", wait=False)
    lifecycle.save_edit(published, owner.id, {"title": "Máy sấy nông sản thế hệ mới"})
    publish(published)
    settle(meili)
    world["kept_file"].unlink()
    new_file = upload(app, "cd" + "2" * 62, b"tep moi")
    db.session.execute(text("DROP TABLE alerts_sent"))
    db.session.commit()
    before = index_documents(meili, app)
    assert {pending.id, extra.id} <= set(before)
    assert before[published.id]["title"] == "Máy sấy nông sản thế hệ mới"
    ids = (published.id, pending.id, extra.id)

    result = run(app, "restore", backup, "--yes")
    assert result.exit_code == 0, result.output
    assert "3 difference(s) with the restored database repaired" in result.output, \
        result.output

    db.session.remove()
    assert inspect(db.engine).has_table("alerts_sent")
    statuses = dict(db.session.execute(select(Listing.id, Listing.status)
                                       .where(Listing.id.in_(ids))).all())
    assert statuses == {published.id: Status.PUBLISHED, pending.id: Status.PENDING_REVIEW}
    meili.wait_idle()
    after = index_documents(meili, app)
    assert set(after) == {published.id}  # the pending and the unknown listing are gone
    assert after[published.id]["title"] == "Máy sấy nông sản năng lượng mặt trời"
    assert world["kept_file"].read_bytes() == b"anh chup may say"
    assert not new_file.exists()

    check = run(app, "verify-index", "--dry-run")
    assert check.exit_code == 0 and "index and database agree" in check.output, check.output


def test_restore_refuses_a_damaged_backup_and_touches_nothing(app, tmp_path, owner, world):
    backup = tmp_path / "backup"
    assert run(app, "backup", backup).exit_code == 0
    later = make_listing(owner.business, owner, title="Tin đăng sau khi sao lưu").id
    damaged = backup / "uploads" / "ab" / ("ab" + "1" * 62)
    damaged.write_bytes(b"anh chup may sau")  # same size, other bytes
    result = run(app, "restore", backup, "--yes")
    assert result.exit_code == 1
    assert "does not match its checksum" in result.output
    db.session.remove()
    assert db.session.get(Listing, later) is not None


@pytest.mark.parametrize("change,reason", [
    (lambda m: m["database"].update(kind="mysql"), "holds a mysql database"),
    (lambda m: m["app"].update(schema_revision="9999_from_the_future"), "unknown to this"),
    (lambda m: m.update(format=2), "unknown manifest format"),
    (lambda m: m["files"].append({"path": "../etc/passwd", "size": 1, "sha256": "0"}),
     "outside the backup"),
])
def test_restore_refuses_a_mismatched_manifest(app, tmp_path, world, change, reason):
    backup = tmp_path / "backup"
    assert run(app, "backup", backup).exit_code == 0
    manifest = json.loads((backup / "manifest.json").read_text())
    change(manifest)
    (backup / "manifest.json").write_text(json.dumps(manifest))
    result = run(app, "restore", backup, "--yes")
    assert result.exit_code == 1 and reason in result.output, result.output


def test_a_file_added_to_the_backup_is_refused(app, tmp_path, world):
    backup = tmp_path / "backup"
    assert run(app, "backup", backup).exit_code == 0
    (backup / "uploads" / "zz").mkdir()
    (backup / "uploads" / "zz" / "planted").write_bytes(b"x")
    result = run(app, "restore", backup, "--yes")
    assert result.exit_code == 1 and "is not in the manifest" in result.output


def test_backup_needs_a_new_or_empty_directory(app, tmp_path, world):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "something").write_text("x")
    result = run(app, "backup", tmp_path / "old")
    assert result.exit_code == 1 and "not empty" in result.output


def test_a_directory_without_manifest_is_not_restored(app, tmp_path, world):
    (tmp_path / "half").mkdir()
    result = run(app, "restore", tmp_path / "half", "--yes")
    assert result.exit_code == 1 and "manifest.json is missing" in result.output


@pytest.mark.skipif(not PG_URL.startswith("postgresql"), reason="pg_dump is for PostgreSQL")
def test_backup_needs_a_pg_dump_as_new_as_the_server(app, tmp_path, world, monkeypatch):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.setenv("PATH", str(bin_dir))
    result = run(app, "backup", tmp_path / "b1")
    assert result.exit_code == 1 and "pg_dump is not installed" in result.output
    assert not (tmp_path / "b1").exists()

    # an old client left on the machine, as after a server upgrade
    old = bin_dir / "pg_dump"
    old.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    old.chmod(0o755)
    result = run(app, "backup", tmp_path / "b2")
    assert result.exit_code == 1 and "pg_dump 9 is older than the PostgreSQL server" \
        in result.output, result.output
