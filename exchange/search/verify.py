"""Compare the listings index with the database and repair what differs."""
import os
import time
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.search import index
from exchange.search.documents import public_documents, public_listing_ids
from exchange.search.models import record_index_job

PAGE = 1000
CHUNK = 5000


@dataclass
class IndexReport:
    """What verify-index found: ids of listings by kind of difference."""

    in_database: int = 0
    in_index: int = 0
    missing: list[int] = field(default_factory=list)     # public, not in the index
    unexpected: list[int] = field(default_factory=list)  # in the index, not public
    unknown: list[int] = field(default_factory=list)     # in the index, no such listing
    stale: list[int] = field(default_factory=list)       # in the index with older content

    @property
    def differences(self) -> int:
        return len(self.missing) + len(self.unexpected) + len(self.unknown) + len(self.stale)


def indexed_versions(client: index.Meili) -> dict[int, str]:
    """id -> content version of every document in the live index, page by page."""
    found: dict[int, str] = {}
    offset = 0
    while True:
        try:
            page = client.get(f"/indexes/{index.index_name()}/documents",
                              params={"fields": "id,version", "limit": PAGE, "offset": offset})
        except index.MeiliError as exc:
            if exc.code == "index_not_found":
                return found
            raise
        for document in page["results"]:
            found[int(document["id"])] = document.get("version") or ""
        offset += PAGE
        if offset >= page["total"] or not page["results"]:
            return found


def compare() -> IndexReport:
    """Read the index first, then the database: a listing published in between is seen as
    missing (and its job, queued anyway, makes no harm), never as unexpected."""
    client = index.admin_client()
    indexed = indexed_versions(client)
    report = IndexReport(in_index=len(indexed))
    public = public_listing_ids()
    report.in_database = len(public)
    public_set = set(public)
    for start in range(0, len(public), CHUNK):
        for document in public_documents(public[start:start + CHUNK]):
            version = indexed.get(document["id"])
            if version is None:
                report.missing.append(document["id"])
            elif version != document["version"]:
                report.stale.append(document["id"])
    others = sorted(set(indexed) - public_set)
    existing = set()
    for start in range(0, len(others), CHUNK):
        existing.update(db.session.scalars(
            select(Listing.id).where(Listing.id.in_(others[start:start + CHUNK]))))
    report.unexpected = [i for i in others if i in existing]
    report.unknown = [i for i in others if i not in existing]
    return report


def repair(report: IndexReport) -> None:
    """Queue an index job for each listing that differs (the outbox builds the document, or
    the deletion, from the database as it is when it runs) and delete documents of
    listings the database does not have at all (a restore of an older backup)."""
    for listing_id in report.missing + report.stale + report.unexpected:
        record_index_job(listing_id, "verify_index")
    db.session.commit()
    if report.unknown:
        client = index.admin_client()
        for start in range(0, len(report.unknown), CHUNK):
            client.wait_for_task(index.delete_documents(client, report.unknown[start:start + CHUNK]))


def verify_index(fix: bool = True) -> IndexReport:
    report = compare()
    if fix and report.differences:
        repair(report)
    return report


def verify_if_due() -> IndexReport | None:
    """verify_index() at most every VERIFY_INDEX_INTERVAL seconds (0: never), for `tick`;
    the time of the last run is the modification time of VERIFY_INDEX_STAMP."""
    interval = current_app.config.get("VERIFY_INDEX_INTERVAL", 3600)
    stamp = current_app.config.get("VERIFY_INDEX_STAMP")
    if not interval or not stamp:
        return None
    try:
        if time.time() - os.path.getmtime(stamp) < interval:
            return None
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(stamp) or ".", exist_ok=True)
    with open(stamp, "a"):
        os.utime(stamp)  # first, so that a tick running meanwhile does not start another
    try:
        return verify_index()
    except index.SearchUnavailable as exc:
        current_app.logger.warning("verify-index skipped: %s", exc)
        return None
