"""Streaming import of listings from CSV, in batches of one transaction each."""
import csv
import os
import time
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from exchange.accounts.models import Business, Member
from exchange.accounts.tokens import make_token
from exchange.core.audit import AuditEntry, record_audit
from exchange.core.urls import site_endpoint, site_url
from exchange.dbstats import analyze
from exchange.core.messages import lazy_message
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.forms import local_zone
from exchange.listings.models import Listing, RevisionStatus, Status
from exchange.mail import OutboxMail, queue_mail
from exchange.moderation.decisions import record_decision
from exchange.moderation.models import Decision, ItemState, QueueItem
from exchange.moderation.services import enqueue_business
from exchange.search.index import search_health
from exchange.search.outbox import backlog, push_pending, sync
from exchange.transfer.csv_format import (ListingRow, RejectedRow, RowError, new_listing_expiry,
                                          read_rows, safe_cell, validate_row)

BATCH_SIZE = 1000
INDEX_PUSH_BATCH = 5000
PENDING, PUBLISHED = "pending", "published"
# what a re-run may not change on a listing that exists
FINAL_STATES = (Status.REJECTED, Status.WITHDRAWN)
# how long a published import waits for Meilisearch to confirm its documents
DEFAULT_INDEX_WAIT = 600
# what an import writes to: their statistics are refreshed once it is done
TOUCHED_TABLES = ("businesses", "listings", "listing_revisions", "queue_items",
                  "audit_entries", "index_jobs", "match_jobs", "outbox_mails")


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    businesses_created: int = 0
    invitations: int = 0
    businesses_without_contact: int = 0
    batches: int = 0
    seconds: float = 0.0
    dry_run: bool = False
    index: dict = field(default_factory=dict)
    # rows that created or changed listings of businesses already on the exchange (not
    # created by an import and still unclaimed): tax code -> line numbers
    existing_businesses: dict = field(default_factory=dict)
    refused_existing: int = 0  # such rows a published import refused
    # Meilisearch did not answer: the import did not wait for it
    index_unreachable: bool = False

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def own_listing_id(external_id: str) -> int | None:
    """Export names listings that have no external id by their URL on this exchange, so a
    file exported here and imported back finds them again instead of copying them."""
    found = site_endpoint(external_id)
    if found is not None and found[0] == "listings.show":
        return found[1]["listing_id"]
    return None


class RejectsWriter:
    """The report of rejected rows: where, which column, why, then the row as it was, so the
    file can be fixed in a spreadsheet and imported again (the extra columns are ignored).

    Given a path, the file is created with the first rejected row: a run that rejects
    nothing, or cannot read the file at all, leaves no report behind. Cells are escaped
    against spreadsheet formulas as the export escapes them (the import undoes it).
    """

    def __init__(self, target, header: tuple[str, ...]):
        self.target = target
        self.header = header
        self.count = 0
        self._file = None
        self._writer = None

    def write(self, rejected: RejectedRow) -> None:
        if self._writer is None:
            self._open()
        self._writer.writerow([safe_cell(value) for value in (
            rejected.line,
            "; ".join(e.column for e in rejected.errors if e.column),
            "; ".join(e.reason for e in rejected.errors),
            *[rejected.cells.get(name, "") for name in self.header],
        )])
        self.count += 1

    def _open(self) -> None:
        stream = self.target
        if isinstance(self.target, (str, os.PathLike)):
            # a BOM, so that spreadsheets read the report as UTF-8
            stream = self._file = open(self.target, "w", encoding="utf-8-sig", newline="")
        self._writer = csv.writer(stream)
        self._writer.writerow(["line", "column", "reason", *self.header])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class Importer:
    """One run of an import. Each batch is planned against the database, then applied and
    committed on its own: a crash loses at most the batch in flight, and external_id lets
    the next run skip what is already in."""

    def __init__(self, *, status=PENDING, moderator_id=None, dry_run=False,
                 batch_size=BATCH_SIZE, rejects=None, progress=None, push_index=True,
                 allowed_businesses=(), trust_existing_businesses=False, index_wait=None):
        if status not in (PENDING, PUBLISHED):
            raise ValueError(f"status must be {PENDING} or {PUBLISHED}")
        if status == PUBLISHED and moderator_id is None:
            raise ValueError("a published import needs the moderator who answers for it")
        self.status = status
        self.moderator_id = moderator_id
        self.dry_run = dry_run
        self.batch_size = batch_size
        self.rejects = rejects
        self.progress = progress
        self.push_index = push_index and not dry_run
        self.index_wait = index_wait
        self.report = ImportReport(dry_run=dry_run)
        # a published import skips review, so it may change only what the file brings in
        # itself, and the businesses the operator names (see _may_publish_for)
        self.allowed_businesses = set(allowed_businesses)
        self.trust_existing_businesses = trust_existing_businesses
        self._own: set[str] = set()  # tax codes of businesses the import brought in
        # tax codes a dry run would have created: later rows find them "existing"
        self._planned_businesses: set[str] = set()
        self._invited: set[tuple[str, str]] = set()
        self._unclaimed: set[str] = set()
        self._new: dict[str, dict] = {}  # this batch's new listings, by external id

    # -- driving -----------------------------------------------------------------------

    def run(self, stream) -> ImportReport:
        started = time.monotonic()
        batch: list[ListingRow | RejectedRow] = []
        for line, cells in read_rows(stream):
            batch.append(validate_row(line, cells))
            if len(batch) >= self.batch_size:
                self._batch(batch, started)
                batch = []
        if batch:
            self._batch(batch, started)
        if not self.dry_run and self.report.created + self.report.updated:
            analyze(*TOUCHED_TABLES)
        if self.push_index and self.status == PUBLISHED:
            self._sync_index()
        self.report.seconds = time.monotonic() - started
        return self.report

    def _batch(self, rows, started) -> None:
        try:
            self._apply_batch(rows, started)
            if self.dry_run:
                db.session.rollback()
            else:
                db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
        # nothing of the batch is kept: the session holds committed rows weakly, so
        # memory stays flat however long the file is
        self.report.batches += 1

    def _sync_index(self) -> None:
        """Send the import's index jobs (and any left by a crashed run) once the database is
        done, in requests of INDEX_PUSH_BATCH documents: Meilisearch indexes a few large
        batches faster than many small ones, and does not compete with the import for the
        CPU meanwhile. Then wait until it has confirmed them, at most `index_wait` seconds
        (IMPORT_INDEX_TIMEOUT) and not at all while Meilisearch does not answer: the jobs
        wait in the outbox for `tick` or `sync-index`, the database part is done."""
        if not search_health():
            self.report.index_unreachable = True
            self.report.index = backlog()
            return
        try:
            while push_pending(force=True, batch=INDEX_PUSH_BATCH):
                pass
        except Exception:  # noqa: BLE001 - the jobs stay in the outbox for sync-index
            db.session.rollback()
            current_app.logger.exception("index push failed; jobs stay pending")
        wait = self.index_wait
        if wait is None:
            wait = current_app.config.get("IMPORT_INDEX_TIMEOUT", DEFAULT_INDEX_WAIT)
        self.report.index = sync(timeout=wait, while_reachable=True)
        self.report.index_unreachable = any(self.report.index.values()) and not search_health()

    def _apply_batch(self, rows, started) -> None:
        good = [row for row in rows if isinstance(row, ListingRow)]
        businesses = self._businesses({row.tax_code for row in good})
        listings = self._listings([row.external_id for row in good])
        self._new = {}
        for row in rows:
            if isinstance(row, ListingRow):
                problem = self._import_row(row, businesses, listings)
                if problem is not None:
                    row = RejectedRow(row.line, [problem], row.cells)
            if isinstance(row, RejectedRow):
                self.report.rejected += 1
                if self.rejects is not None:
                    self.rejects.write(row)
            self.report.rows += 1
            if self.progress is not None:
                self.progress(self.report, time.monotonic() - started)
        self._create_listings(list(self._new.values()))

    # -- look-ups, one query per batch -----------------------------------------------------

    def _businesses(self, tax_codes) -> dict[str, Business]:
        found = db.session.scalars(select(Business).where(Business.tax_code.in_(tax_codes)))
        businesses = {business.tax_code: business for business in found}
        claimed = set(db.session.scalars(
            select(Member.business_id).where(Member.business_id.in_(
                [b.id for b in businesses.values()])).distinct()))
        self._unclaimed = {b.tax_code for b in businesses.values() if b.id not in claimed}
        # a business an earlier import created that nobody has claimed yet is still the
        # import's own: a re-run after a crash goes on as the first run would have
        imported = set(db.session.scalars(
            select(AuditEntry.business_id).where(
                AuditEntry.action == "business_imported",
                AuditEntry.business_id.in_([b.id for b in businesses.values()]))))
        self._own |= {b.tax_code for b in businesses.values()
                      if b.id in imported and b.id not in claimed}
        return businesses

    def _listings(self, external_ids) -> dict[str, Listing]:
        by_site_id = {own_listing_id(ext): ext for ext in external_ids}
        by_site_id.pop(None, None)
        found = db.session.scalars(
            select(Listing)
            .where(Listing.external_id.in_(external_ids)
                   | (Listing.id.in_(list(by_site_id)) & Listing.external_id.is_(None)))
            .options(selectinload(Listing.revisions))
        )
        return {listing.external_id or by_site_id[listing.id]: listing for listing in found}

    # -- one row ---------------------------------------------------------------------------

    def _import_row(self, row: ListingRow, businesses, listings) -> RowError | None:
        business = businesses.get(row.tax_code)
        if business is None and row.tax_code not in self._planned_businesses:
            problem = self._check_new_business(row)
            if problem:
                return problem
            self._own.add(row.tax_code)
            if self.dry_run:
                self._planned_businesses.add(row.tax_code)
                self.report.businesses_created += 1
            else:
                business = businesses[row.tax_code] = self._create_business(row)
        unclaimed = row.tax_code in self._unclaimed or row.tax_code in self._planned_businesses
        if unclaimed and row.contact_email:
            self._invite(row.tax_code, business, row.contact_email)

        listing = listings.get(row.external_id)
        if listing is None:
            if problem := self._check_existing_business(row):
                return problem
            if row.external_id in self._new:
                # the file repeats an id within one batch: the later row wins, as it would
                # had the earlier one been imported already
                self.report.updated += 1
            else:
                self.report.created += 1
            if not self.dry_run:
                self._new[row.external_id] = {
                    "business_id": business.id, "kind": row.kind,
                    "external_id": row.external_id,
                    "content": {"expires_at": new_listing_expiry(), **row.content},
                    "row": row,
                }
            return None
        return self._update_listing(row, listing, business)

    def _check_existing_business(self, row) -> RowError | None:
        """Called for a row about to create or change a listing. A business that was on the
        exchange before (its people manage it here) gets listings published in its name
        only when the operator says so; a pending import sends them to review instead."""
        if row.tax_code in self._own:
            return None
        if self.status == PUBLISHED and not (self.trust_existing_businesses
                                             or row.tax_code in self.allowed_businesses):
            self.report.refused_existing += 1
            return RowError("business_tax_code", (
                f"business {row.tax_code} was already on this exchange: a published import "
                f"changes its listings only with --allow-business {row.tax_code} (or "
                "--trust-existing-businesses); or import this row with --status pending, "
                "for review"))
        self.report.existing_businesses.setdefault(row.tax_code, []).append(row.line)
        return None

    def _check_new_business(self, row) -> RowError | None:
        if not row.business_name:
            return RowError("business_name", f"business name missing: no business with tax "
                                             f"code {row.tax_code} exists yet")
        if not row.contact_email:
            # files from other exchanges carry no addresses: the business still comes in,
            # for moderators to verify, but nobody can be invited to claim it
            self.report.businesses_without_contact += 1
        return None

    def _create_business(self, row) -> Business:
        """A business as sign-up makes it: unverified, in the queue for verification."""
        content = row.content
        business = Business(name=row.business_name, tax_code=row.tax_code,
                            province=content["province"], sector=content["sector"],
                            is_verified=False)
        db.session.add(business)
        db.session.flush()
        enqueue_business(business)
        record_audit("business_imported", actor_id=self.moderator_id, business_id=business.id,
                     external_id=row.external_id, line=row.line)
        self._unclaimed.add(row.tax_code)
        self.report.businesses_created += 1
        return business

    def _invite(self, tax_code, business, email) -> None:
        """Invite the address to claim the business; the dedupe key keeps re-runs quiet."""
        if (tax_code, email) in self._invited:
            return
        self._invited.add((tax_code, email))
        dedupe_key = f"import-invitation-{tax_code}-{email}"[:200]
        if self.dry_run:
            if not db.session.scalar(select(OutboxMail.id)
                                     .where(OutboxMail.dedupe_key == dedupe_key)):
                self.report.invitations += 1
            return
        token = make_token("invite", {"b": business.id, "e": email, "by": None})
        mail = queue_mail(
            email,
            lazy_message(_l("%(name)s is on the Technology & Equipment Exchange: claim your "
                            "account"), name=business.name),
            "import_invitation",
            dedupe_key=dedupe_key,
            business=business, link=site_url("accounts.accept_invite", token=token),
        )
        if mail is not None:
            self.report.invitations += 1

    def _create_listings(self, entries) -> None:
        """The batch's new listings in one go: per-listing flushes would cost more than
        everything else the import does together."""
        approve = self.status == PUBLISHED
        made = lifecycle.submit_new_many(entries, actor_id=self.moderator_id, approve=approve)
        if not approve or not made:
            return
        record_decision(QueueItem.id.in_([m["queue_item_id"] for m in made]),
                        Decision.APPROVE, self.moderator_id, via="import")
        db.session.execute(insert(AuditEntry.__table__), [
            {"action": "import_decision", "actor_id": self.moderator_id,
             "listing_id": m["listing_id"], "business_id": m["business_id"],
             "queue_item_id": m["queue_item_id"],
             "details": {"revision_id": m["revision_id"], "external_id": entry["external_id"],
                         "line": entry["row"].line}}
            for entry, m in zip(entries, made)])

    def _update_listing(self, row, listing, business) -> RowError | None:
        if str(listing.kind) != row.kind:
            return RowError("kind", f"listing {row.external_id} is already imported as "
                                    f"{listing.kind}; the kind of a listing cannot change")
        if business is not None and listing.business_id != business.id:
            return RowError("business_tax_code", f"listing {row.external_id} belongs to "
                                                 "another business")
        if listing.status in FINAL_STATES:
            return RowError("external_id", f"listing {row.external_id} was {listing.status} "
                                           "on this exchange and is not updated")
        latest = listing.latest_revision
        changed = any(not _same(name, getattr(latest, name), value)
                      for name, value in row.content.items())
        wants_review = (self.status == PUBLISHED
                        and latest.status == RevisionStatus.PENDING)
        if not changed and not wants_review:
            self.report.unchanged += 1
            return None
        if problem := self._check_existing_business(row):
            return problem
        self.report.updated += 1
        if self.dry_run:
            return None
        if changed:
            latest = lifecycle.save_edit(listing, None, row.content)
        if listing.status == Status.DRAFT:
            lifecycle.submit(listing, self.moderator_id)
        if self.status == PUBLISHED and latest.status == RevisionStatus.PENDING:
            item = db.session.scalar(select(QueueItem).where(
                QueueItem.revision_id == latest.id, QueueItem.state == ItemState.WAITING))
            self._approve(listing, item, row)
        return None

    def _approve(self, listing, item, row) -> None:
        """Publish as reviewed by the moderator who runs the import, recorded as such."""
        revision = listing.latest_revision
        if item is not None:
            record_decision(QueueItem.id == item.id, Decision.APPROVE, self.moderator_id,
                            via="import")
        lifecycle.approve_revision(revision)
        record_audit("import_decision", actor_id=self.moderator_id, listing_id=listing.id,
                     business_id=listing.business_id,
                     queue_item_id=item.id if item is not None else None,
                     revision_id=revision.id, external_id=row.external_id, line=row.line)


def _same(name, current, new) -> bool:
    if name == "expires_at" and current is not None and new is not None:
        # the file carries a day, the database an instant within it
        zone = local_zone()
        return current.astimezone(zone).date() == new.astimezone(zone).date()
    return current == new


def import_listings(stream, **options) -> ImportReport:
    return Importer(**options).run(stream)
