"""Listings as CSV in the import format, streamed page by page."""
import csv
import io
from collections.abc import Iterable, Iterator
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from exchange.accounts.models import Member
from exchange.core.urls import site_url
from exchange.extensions import db
from exchange.listings.forms import local_zone
from exchange.listings.models import Kind, Listing, Revision, Status
from exchange.timeutil import utcnow
from exchange.transfer.csv_format import COLUMNS, LIST_SEPARATOR, format_money, safe_cell

PAGE = 500
# what export writes after the import columns; import ignores them
INFO_COLUMNS = ("status", "published_at")


def site_external_id(listing: Listing) -> str:
    return site_url("listings.show", listing_id=listing.id)


def listing_cells(listing: Listing, revision: Revision, contact_email: str = "",
                  public: bool = False) -> list[str]:
    """One CSV record: the import columns, then the informational ones. The public file
    leaves out a confidential description and an anonymous listing's publisher."""
    is_offer = listing.kind == Kind.OFFER
    hide_description = public and revision.description_confidential
    hide_business = public and revision.is_anonymous
    expires = revision.expires_at.astimezone(local_zone()).date().isoformat() \
        if revision.expires_at else ""
    values = {
        "external_id": listing.external_id or site_external_id(listing),
        "kind": str(listing.kind),
        "title": revision.title,
        "summary": revision.summary,
        "description": "" if hide_description else revision.description or "",
        "category": revision.category,
        "sector": revision.sector,
        "province": revision.province,
        "price_vnd": format_money(revision.price_vnd if is_offer else revision.budget_max_vnd),
        "budget_min_vnd": "" if is_offer else format_money(revision.budget_min_vnd),
        "price_negotiable": "yes" if revision.price_negotiable else "no",
        "keywords": LIST_SEPARATOR.join(revision.keywords or []),
        "trl": "" if revision.trl is None else str(revision.trl),
        "ip_status": revision.ip_status or "none",
        "transfer_modes": LIST_SEPARATOR.join(revision.transfer_modes or []),
        "quantity": "" if revision.quantity is None else str(revision.quantity),
        "unit": revision.unit or "",
        "expires_at": expires,
        "business_tax_code": "" if hide_business else listing.business.tax_code,
        "business_name": "" if hide_business else listing.business.name,
        "contact_email": contact_email,
        "status": str(listing.status),
        "published_at": listing.published_at.isoformat() if listing.published_at else "",
    }
    return [safe_cell(values[name]) for name in COLUMNS + INFO_COLUMNS]


def export_query(statuses: Iterable[str] = (), since: datetime | None = None,
                 public_only: bool = False):
    stmt = select(Listing).options(joinedload(Listing.business))
    if public_only:
        stmt = stmt.join(Revision, Revision.id == Listing.approved_revision_id).where(
            Listing.status == Status.PUBLISHED, Revision.expires_at > utcnow())
    elif statuses:
        stmt = stmt.where(Listing.status.in_(list(statuses)))
    if since is not None:
        stmt = stmt.where(or_(
            Listing.updated_at >= since,
            Listing.id.in_(select(Revision.listing_id).where(Revision.created_at >= since)),
        ))
    return stmt


def iter_records(statuses=(), since=None, public_only=False,
                 with_contacts=True) -> Iterator[list[str]]:
    """Every matching listing as a record, read by id in pages so memory stays flat.

    The public file carries what the listing page shows (the approved version, no contact
    address); staff get the version under review and a member's address as well.
    """
    stmt = export_query(statuses, since, public_only)
    last_id = 0
    while True:
        page = db.session.scalars(
            stmt.where(Listing.id > last_id).order_by(Listing.id).limit(PAGE)
            .options(selectinload(Listing.revisions), joinedload(Listing.approved_revision))
        ).unique().all()
        if not page:
            return
        contacts = _contacts({listing.business_id for listing in page}) if with_contacts else {}
        for listing in page:
            revision = listing.approved_revision if public_only else (
                listing.latest_revision if listing.revisions else None)
            if revision is None:
                continue
            yield listing_cells(listing, revision, contacts.get(listing.business_id, ""),
                                public=public_only)
        last_id = page[-1].id


def _contacts(business_ids) -> dict[int, str]:
    """The first member of each business: who a re-import would invite."""
    rows = db.session.execute(
        select(Member.business_id, Member.email).where(Member.business_id.in_(business_ids))
        .order_by(Member.id)
    ).all()
    contacts = {}
    for business_id, email in rows:
        contacts.setdefault(business_id, email)
    return contacts


def header() -> list[str]:
    return list(COLUMNS + INFO_COLUMNS)


def write_csv(stream, records: Iterable[list[str]]) -> int:
    """Write a header and the records; returns how many records were written."""
    writer = csv.writer(stream)
    writer.writerow(header())
    count = 0
    for record in records:
        writer.writerow(record)
        count += 1
    return count


def csv_chunks(records: Iterable[list[str]], rows_per_chunk: int = 200) -> Iterator[str]:
    """The CSV as text chunks for a streamed response; a BOM first, for spreadsheets."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(header())
    for n, record in enumerate(records, 1):
        writer.writerow(record)
        if n % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()

