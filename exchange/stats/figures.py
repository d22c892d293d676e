"""The department's figures for a period, as the data stood at a given moment.

Everything is computed from timestamps the exchange keeps, so a report "as of" a past date
gives the same numbers today as it did on that date:
- a listing counts as published when it was first published (`published_at`), with the
  content (sector, province, category) of the version that was in force at the cut-off;
- a listing is active at the cut-off when it had been published, the version in force had
  not expired, and its last status event before the cut-off in the audit log (approved,
  restored, withdrawn, expired, suspended) did not take it offline;
- a business counts as verified when the audit log recorded its verification;
- deals count once confirmed (confirmed before the cut-off), by their conclusion date.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import and_, case, distinct, exists, func, or_, select

from exchange.accounts.models import Business
from exchange.deals.models import Deal, DealListing, DealState, Proposal
from exchange.extensions import db
from exchange.inquiries.models import Thread
from exchange.listings.forms import local_zone
from exchange.listings.models import Kind, Listing, Revision, RevisionStatus
from exchange.moderation.models import AuditEntry

ONLINE_EVENTS = ("approved", "restored", "import_decision")
OFFLINE_EVENTS = ("withdrawn", "expired", "suspended")
FILTERS = ("sector", "province", "category", "kind")


@dataclass(frozen=True)
class Scope:
    """A period [first, last] (local dates), what it is filtered by, and the cut-off."""

    first: date
    last: date
    as_of: date | None = None
    sector: str | None = None
    province: str | None = None
    category: str | None = None
    kind: str | None = None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=local_zone())

    @property
    def end(self) -> datetime:
        return datetime.combine(self.last + timedelta(days=1), time(), tzinfo=local_zone())

    @property
    def cutoff(self) -> datetime:
        """The end of the period, or the end of the "as of" day when that comes first."""
        if self.as_of is None:
            return self.end
        as_of_end = datetime.combine(self.as_of + timedelta(days=1), time(),
                                     tzinfo=local_zone())
        return min(self.end, as_of_end)

    @property
    def last_day(self) -> date:
        """The last day the figures cover: the period's, or the "as of" day before it."""
        return (self.cutoff - timedelta(days=1)).date()

    @property
    def filters_listings(self) -> bool:
        return any((self.sector, self.province, self.category, self.kind))


@dataclass
class Figures:
    businesses_registered: int = 0
    businesses_verified: int = 0
    offers_published: int = 0
    requests_published: int = 0
    offers_active: int = 0
    requests_active: int = 0
    inquiries: int = 0
    proposals: int = 0
    deals: int = 0
    deal_value_vnd: int = 0
    series: list = field(default_factory=list)
    sectors: list = field(default_factory=list)


def in_force(cutoff):
    """Per listing, the approved version in force at the cut-off (a subquery)."""
    return (select(Revision.listing_id, func.max(Revision.id).label("revision_id"))
            .where(Revision.status.in_((RevisionStatus.APPROVED, RevisionStatus.SUPERSEDED)),
                   Revision.decided_at < cutoff)
            .group_by(Revision.listing_id).subquery("in_force"))


def _content_filters(scope: Scope, revision) -> list:
    wanted = []
    for name in ("sector", "province", "category"):
        value = getattr(scope, name)
        if value:
            wanted.append(getattr(revision, name) == value)
    return wanted


def _listings(scope: Scope):
    """Listings joined to the version in force at the cut-off, filtered by the scope."""
    forced = in_force(scope.cutoff)
    query = (select(Listing.id).join(forced, forced.c.listing_id == Listing.id)
             .join(Revision, Revision.id == forced.c.revision_id))
    conditions = _content_filters(scope, Revision)
    if scope.kind:
        conditions.append(Listing.kind == scope.kind)
    return query.where(*conditions)


def _business_filters(scope: Scope) -> list:
    wanted = [Business.created_at < scope.cutoff]
    if scope.province:
        wanted.append(Business.province == scope.province)
    if scope.sector:
        wanted.append(Business.sector == scope.sector)
    return wanted


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _bucket_starts(scope: Scope, spans) -> list[datetime]:
    return [datetime.combine(first, time(), tzinfo=local_zone()) for first, _last in spans]


def listing_rows(scope: Scope, spans) -> list:
    """One pass over the listings published before the cut-off, grouped by kind, sector and
    bucket of the period (-1: published before the period): how many, and how many of them
    were online at the cut-off. Every listing figure of the page comes from these rows."""
    cutoff = scope.cutoff
    forced = in_force(cutoff)
    # per listing, its latest online and latest offline status event before the cut-off,
    # in one grouped read of the status events (no second look at the audit rows)
    last_event = (
        select(AuditEntry.listing_id,
               func.max(case((AuditEntry.action.in_(ONLINE_EVENTS), AuditEntry.id)))
               .label("last_online"),
               func.max(case((AuditEntry.action.in_(OFFLINE_EVENTS), AuditEntry.id)))
               .label("last_offline"))
        .where(AuditEntry.action.in_(ONLINE_EVENTS + OFFLINE_EVENTS), AuditEntry.at < cutoff)
        .group_by(AuditEntry.listing_id).subquery("last_event"))
    starts = _bucket_starts(scope, spans)
    bucket = case(
        (Listing.published_at < scope.start, -1),
        *[(Listing.published_at < following, index)
          for index, following in enumerate(starts[1:] + [cutoff])],
        else_=-1).label("bucket")
    went_offline = and_(last_event.c.last_offline.is_not(None),
                        or_(last_event.c.last_online.is_(None),
                            last_event.c.last_offline > last_event.c.last_online))
    # no status event at all: published in bulk (import, demo) and still online
    online = case((and_(Revision.expires_at >= cutoff, ~func.coalesce(went_offline, False)),
                   1), else_=0)
    conditions = _content_filters(scope, Revision)
    if scope.kind:
        conditions.append(Listing.kind == scope.kind)
    return db.session.execute(
        select(Listing.kind, Revision.sector, bucket, func.count(), func.sum(online))
        .join(forced, forced.c.listing_id == Listing.id)
        .join(Revision, Revision.id == forced.c.revision_id)
        .outerjoin(last_event, last_event.c.listing_id == Listing.id)
        .where(Listing.published_at < cutoff, *conditions)
        .group_by(Listing.kind, Revision.sector, bucket)).all()


def businesses_registered(scope: Scope) -> int:
    return db.session.scalar(select(func.count(Business.id)).where(
        Business.created_at >= scope.start, *_business_filters(scope))) or 0


def businesses_verified(scope: Scope) -> int:
    return db.session.scalar(
        select(func.count(distinct(AuditEntry.business_id)))
        .join(Business, Business.id == AuditEntry.business_id)
        .where(AuditEntry.action == "business_verified", AuditEntry.at >= scope.start,
               AuditEntry.at < scope.cutoff, *_business_filters(scope))) or 0


def inquiries(scope: Scope) -> int:
    query = select(Thread.id).where(Thread.created_at >= scope.start,
                                    Thread.created_at < scope.cutoff)
    if scope.filters_listings:
        query = query.where(Thread.listing_id.in_(_listings(scope)))
    return _count(query)


def proposals(scope: Scope) -> int:
    if scope.kind == Kind.OFFER:
        return 0  # proposals answer requests
    query = select(Proposal.id).where(Proposal.created_at >= scope.start,
                                      Proposal.created_at < scope.cutoff)
    if scope.filters_listings:
        query = query.where(Proposal.request_id.in_(_listings(scope)))
    return _count(query)


def _deals(scope: Scope):
    query = select(Deal).where(Deal.state == DealState.CONFIRMED,
                               Deal.confirmed_at < scope.cutoff,
                               Deal.concluded_on >= scope.first,
                               Deal.concluded_on <= scope.last_day)
    if scope.filters_listings:
        query = query.where(exists(select(DealListing.deal_id).where(
            DealListing.deal_id == Deal.id, DealListing.listing_id.in_(_listings(scope)))))
    return query


def deal_rows(scope: Scope) -> list:
    """(concluded_on, value_vnd) of the deals the scope counts."""
    found = _deals(scope).subquery()
    return db.session.execute(select(found.c.concluded_on, found.c.value_vnd)).all()


def buckets(scope: Scope) -> list[tuple[date, date]]:
    """Days for a period of up to two months, months for longer ones."""
    if (scope.last - scope.first).days <= 62:
        return [(scope.first + timedelta(days=n),) * 2
                for n in range((scope.last - scope.first).days + 1)]
    found, day = [], scope.first
    while day <= scope.last:
        following = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
        found.append((day, min(following - timedelta(days=1), scope.last)))
        day = following
    return found


def _bucket_index(spans, day: date) -> int | None:
    for index, (first, last) in enumerate(spans):
        if first <= day <= last:
            return index
    return None


def compute(scope: Scope) -> Figures:
    spans = buckets(scope)
    figures = Figures(
        businesses_registered=businesses_registered(scope),
        businesses_verified=businesses_verified(scope),
        inquiries=inquiries(scope),
        proposals=proposals(scope),
    )
    series = [{"first": first, "last": last, "offers": 0, "requests": 0, "deals": 0,
               "deal_value_vnd": 0} for first, last in spans]
    sectors: dict[str, dict] = {}
    for kind, sector, bucket, count, online in listing_rows(scope, spans):
        offers = kind == Kind.OFFER
        if offers:
            figures.offers_active += int(online or 0)
        else:
            figures.requests_active += int(online or 0)
        if bucket < 0:
            continue
        name = "offers" if offers else "requests"
        setattr(figures, f"{name}_published", getattr(figures, f"{name}_published") + count)
        series[bucket][name] += count
        row = sectors.setdefault(sector, {"sector": sector, "offers": 0, "requests": 0})
        row[name] += count
    for concluded_on, value in deal_rows(scope):
        figures.deals += 1
        figures.deal_value_vnd += value or 0
        index = _bucket_index(spans, concluded_on)
        if index is not None:
            series[index]["deals"] += 1
            series[index]["deal_value_vnd"] += value or 0
    figures.series = series
    figures.sectors = sorted(sectors.values(), key=lambda r: -(r["offers"] + r["requests"]))
    return figures
