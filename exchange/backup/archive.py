"""Write a backup directory (database dump, uploads, manifest) and restore one."""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import inspect, text

from exchange.dbstats import analyze
from exchange.extensions import db
from exchange.search import index
from exchange.timeutil import utcnow

FORMAT = 1
MANIFEST = "manifest.json"
UPLOADS = "uploads"
DUMPS = {"postgresql": "database.pgdump", "sqlite": "database.sqlite3"}


class BackupError(Exception):
    """The backup cannot be written, or a backup cannot (or must not) be restored."""


@dataclass
class RestoreResult:
    manifest: dict
    files: int
    uploads_removed: int


# --- what the manifest records ---------------------------------------------------------

def database_kind() -> str:
    name = db.engine.dialect.name
    if name not in DUMPS:
        raise BackupError(f"backups support PostgreSQL and SQLite, not {name}")
    return name


def schema_revision() -> str | None:
    """The Alembic revision the database is at (None for a schema made without Alembic)."""
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory
    directory = current_app.extensions["migrate"].directory
    return {script.revision for script in ScriptDirectory(directory).walk_revisions()}


def code_heads() -> list[str]:
    from alembic.script import ScriptDirectory
    return sorted(ScriptDirectory(current_app.extensions["migrate"].directory).get_heads())


def meilisearch_version() -> str | None:
    try:
        return index.admin_client().get("/version").get("pkgVersion")
    except index.SearchUnavailable:
        return None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- PostgreSQL tools ------------------------------------------------------------------

def _libpq_target() -> tuple[str, dict]:
    """The database as pg_dump/pg_restore name it; the password goes in the environment,
    not on a command line that `ps` shows."""
    url = db.engine.url
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    target = url.set(drivername="postgresql", password=None)
    return target.render_as_string(hide_password=False), env


def _server_major() -> int:
    return int(db.session.scalar(text("SHOW server_version_num"))) // 10000


def check_pg_tool(tool: str) -> str:
    """The tool's path, if installed and not older than the server (an older pg_dump
    refuses to dump a newer server; its archives may lack what the server has)."""
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"{tool} is not installed; install the PostgreSQL client tools "
                          f"of the server's version ({_server_major()})")
    output = subprocess.run([path, "--version"], capture_output=True, text=True,
                            check=True).stdout
    match = re.search(r"(\d+)(?:\.(\d+))?", output)
    major = int(match.group(1)) if match else 0
    server = _server_major()
    if major < server:
        raise BackupError(f"{tool} {major} is older than the PostgreSQL server ({server}); "
                          f"install the client tools of version {server} or later")
    return path


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[:2000]}")


# --- backup ------------------------------------------------------------------------------

def _dump_database(kind: str, target: Path) -> None:
    if kind == "postgresql":
        pg_dump = check_pg_tool("pg_dump")
        url, env = _libpq_target()
        _run([pg_dump, "--format=custom", "--no-owner", "--no-privileges",
              "--file", str(target), "--dbname", url], env)
        return
    # the online backup API: a consistent copy while the app keeps writing
    raw = db.engine.raw_connection()
    try:
        copy = sqlite3.connect(target)
        try:
            raw.driver_connection.backup(copy)
        finally:
            copy.close()
    finally:
        raw.close()


def _copy_uploads(source: Path, target: Path) -> None:
    target.mkdir()
    if not source.is_dir():
        return
    for path in sorted(source.rglob("*")):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, destination)


def _listed_files(directory: Path) -> list[dict]:
    return [{"path": path.relative_to(directory).as_posix(), "size": path.stat().st_size,
             "sha256": sha256_of(path)}
            for path in sorted(directory.rglob("*"))
            if path.is_file() and path.name != MANIFEST]


def write_backup(directory: str) -> dict:
    """Dump the database, copy the uploads, then write the manifest (last: a directory
    without one is an unfinished backup and restore refuses it)."""
    target = Path(directory)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; back up into a new directory")
    kind = database_kind()
    if kind == "postgresql":
        check_pg_tool("pg_dump")  # before anything is written
    target.mkdir(parents=True, exist_ok=True)
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "app": {"schema_revision": schema_revision(), "code_heads": code_heads()},
        "database": {"kind": kind, "dump": DUMPS[kind],
                     "server_version": _server_major() if kind == "postgresql"
                     else sqlite3.sqlite_version},
        "meilisearch": {"version": meilisearch_version()},
    }
    db.session.commit()  # end the read transaction before the dump takes its own snapshot
    _dump_database(kind, target / DUMPS[kind])
    # after the dump: every file the dumped rows name was stored before they committed
    _copy_uploads(Path(current_app.config["UPLOAD_DIR"]), target / UPLOADS)
    manifest["files"] = _listed_files(target)
    temporary = target / (MANIFEST + ".tmp")
    temporary.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    temporary.replace(target / MANIFEST)
    return manifest


# --- restore -----------------------------------------------------------------------------

def read_manifest(directory: Path) -> dict:
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path} is missing: not a backup, or an unfinished one")
    try:
        manifest = json.loads(path.read_text())
    except ValueError as exc:
        raise BackupError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: unknown manifest format {manifest.get('format')!r}"
                          if isinstance(manifest, dict) else f"{path}: not a manifest")
    return manifest


def verify_backup(directory: str) -> dict:
    """Check the manifest against this installation and every file against its checksum;
    nothing is touched. Returns the manifest."""
    source = Path(directory)
    manifest = read_manifest(source)
    kind = database_kind()
    database = manifest.get("database") or {}
    if database.get("kind") != kind:
        raise BackupError(f"the backup holds a {database.get('kind')} database; this "
                          f"installation uses {kind}")
    if database.get("dump") != DUMPS[kind]:
        raise BackupError(f"the manifest names the dump {database.get('dump')!r}, "
                          f"expected {DUMPS[kind]!r}")
    revision = (manifest.get("app") or {}).get("schema_revision")
    if revision is not None and revision not in known_revisions():
        raise BackupError(f"the backup's schema revision {revision} is unknown to this "
                          "version of the exchange (made by a newer one?)")
    files = manifest.get("files")
    if not isinstance(files, list):
        raise BackupError("the manifest lists no files")
    listed = {}
    for entry in files:
        relative = str(entry.get("path", ""))
        if not relative or relative.startswith("/") or ".." in Path(relative).parts:
            raise BackupError(f"the manifest names a file outside the backup: {relative!r}")
        listed[relative] = entry
    if DUMPS[kind] not in listed:
        raise BackupError(f"the manifest does not list the database dump {DUMPS[kind]}")
    for relative, entry in listed.items():
        path = source / relative
        if not path.is_file():
            raise BackupError(f"{relative} is missing from the backup")
        if path.stat().st_size != entry.get("size") or sha256_of(path) != entry.get("sha256"):
            raise BackupError(f"{relative} does not match its checksum: the backup is "
                              "damaged or was changed")
    uploads = source / UPLOADS
    if uploads.is_dir():
        for path in uploads.rglob("*"):
            if path.is_file() and path.relative_to(source).as_posix() not in listed:
                raise BackupError(f"{path.relative_to(source)} is not in the manifest")
    return manifest


def _restore_database(kind: str, dump: Path) -> None:
    if kind == "postgresql":
        pg_restore = check_pg_tool("pg_restore")
        url, env = _libpq_target()
        db.session.remove()
        db.engine.dispose()
        _run([pg_restore, "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", "--dbname", url, str(dump)], env)
    else:
        db.session.remove()
        raw = db.engine.raw_connection()
        try:
            source = sqlite3.connect(dump)
            try:
                source.backup(raw.driver_connection)
            finally:
                source.close()
        finally:
            raw.close()
    db.engine.dispose()  # no pooled connection keeps a view of the database before


def _restore_uploads(source: Path, target: Path, checksums: dict[str, str]) -> int:
    """Make UPLOAD_DIR hold exactly the backup's files, in place (it may be a mount)."""
    target.mkdir(parents=True, exist_ok=True)
    wanted = set()
    if source.is_dir():
        for path in source.rglob("*"):
            if path.is_file():
                relative = path.relative_to(source)
                wanted.add(relative)
                destination = target / relative
                expected = checksums[(Path(UPLOADS) / relative).as_posix()]
                if not destination.is_file() or sha256_of(destination) != expected:
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(path, destination)
    removed = 0
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(target) not in wanted:
            path.unlink()
            removed += 1
    return removed


def restore_backup(directory: str) -> RestoreResult:
    """Verify the backup, then restore the database and the uploads. The caller reconciles
    the search index afterwards (it still holds what it held before)."""
    manifest = verify_backup(directory)
    source = Path(directory)
    kind = manifest["database"]["kind"]
    _restore_database(kind, source / manifest["database"]["dump"])
    removed = _restore_uploads(source / UPLOADS, Path(current_app.config["UPLOAD_DIR"]),
                               {entry["path"]: entry["sha256"] for entry in manifest["files"]})
    analyze(*db.metadata.tables)  # a restored PostgreSQL database has no statistics
    return RestoreResult(manifest=manifest, files=len(manifest["files"]),
                         uploads_removed=removed)
