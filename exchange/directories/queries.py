"""Read-side queries of the directories: which businesses and experts the public sees."""
from dataclasses import dataclass

from sqlalchemy import and_, exists, func, select

from exchange.accounts.models import Business
from exchange.directories.models import Expert, ExpertSector, ExpertService, ExpertState
from exchange.extensions import db
from exchange.listings.models import Listing, Revision, Status
from exchange.listings.queries import listed_businesses
from exchange.taxonomy import fold
from exchange.timeutil import utcnow

PER_PAGE = 24


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _page(query, order, page, per_page) -> Page:
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(*order).limit(per_page)
                               .offset((page - 1) * per_page)).all()
    return Page(items=list(items), total=total, page=page, per_page=per_page)


def business_directory(q="", sector=None, province=None, verified=False, page=1,
                       per_page=PER_PAGE) -> Page:
    """One page of the business directory, by name (diacritics ignored), A to Z."""
    query = listed_businesses()
    words = fold(q).split()
    for word in words:
        query = query.where(Business.name_folded.like(_like(word), escape="\\"))
    if sector:
        query = query.where(Business.sector == sector)
    if province:
        query = query.where(Business.province == province)
    if verified:
        query = query.where(Business.is_verified.is_(True))
    return _page(query, (Business.name_folded, Business.id), page, per_page)


def public_listing_counts(business_ids) -> dict[int, int]:
    """Public listings per business, for one directory page (one grouped query)."""
    if not business_ids:
        return {}
    rows = db.session.execute(
        select(Listing.business_id, func.count(Listing.id))
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.business_id.in_(business_ids), Listing.status == Status.PUBLISHED,
               Revision.expires_at > utcnow())
        .group_by(Listing.business_id))
    return dict(rows.all())


def expert_directory(q="", service=None, sector=None, province=None, page=1,
                     per_page=PER_PAGE) -> Page:
    """One page of approved experts, by name (diacritics ignored), A to Z."""
    query = select(Expert).where(Expert.state == ExpertState.APPROVED)
    for word in fold(q).split():
        query = query.where(Expert.name_folded.like(_like(word), escape="\\"))
    if service:
        query = query.where(exists(select(ExpertService.expert_id).where(
            and_(ExpertService.expert_id == Expert.id, ExpertService.service == service))))
    if sector:
        query = query.where(exists(select(ExpertSector.expert_id).where(
            and_(ExpertSector.expert_id == Expert.id, ExpertSector.sector == sector))))
    if province:
        query = query.where(Expert.province == province)
    return _page(query, (Expert.name_folded, Expert.id), page, per_page)


def experts_to_review() -> list[Expert]:
    """Entries waiting for a moderator, oldest change first."""
    return list(db.session.scalars(
        select(Expert).where(Expert.state == ExpertState.PENDING)
        .order_by(Expert.updated_at, Expert.id)))


def experts_of(business_id) -> list[Expert]:
    return list(db.session.scalars(
        select(Expert).where(Expert.business_id == business_id).order_by(Expert.id)))
