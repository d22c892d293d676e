"""The rules of recorded deals: record, confirm or dispute, staff records, what counts."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, union_all

from exchange.accounts.models import Business
from exchange.accounts.permissions import can_moderate
from exchange.deals import permissions
from exchange.deals.models import Deal, DealKind, DealListing, DealSource, DealState
from exchange.deals.notifications import deal_recorded
from exchange.errors import Conflict, DomainError, NotAllowed
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.listings.rules import local_today
from exchange.timeutil import utcnow

MAX_VALUE_VND = 10**15


def listings_of_thread(thread) -> list[Listing]:
    # a service request to an expert is about no listing
    return [thread.listing] if thread.listing is not None else []


def listings_of_proposal(proposal) -> list[Listing]:
    return [proposal.request] + ([proposal.offer] if proposal.offer is not None else [])


def _check_terms(kind, value_vnd, concluded_on, story) -> str:
    if kind not in tuple(DealKind):
        raise DomainError(_l("Choose the type of deal."), code="kind")
    if value_vnd is not None and not 0 < value_vnd <= MAX_VALUE_VND:
        raise DomainError(_l("The value must be a positive amount in VND."), code="value")
    if concluded_on is None or concluded_on > local_today():
        raise DomainError(_l("The deal must have been concluded on or before today."),
                          code="date")
    return " ".join((story or "").split())[:200]


def _open_deal(**source) -> Deal | None:
    (name, value), = source.items()
    return db.session.scalar(select(Deal).where(
        getattr(Deal, name) == value, Deal.state != DealState.DISPUTED))


def record_deal(member, *, thread=None, proposal=None, kind, value_vnd, concluded_on,
                listing_ids=(), story="", story_public=False) -> Deal:
    """One party records a deal from an inquiry thread or an awarded proposal; the other
    party confirms it before it counts."""
    if thread is not None:
        if not permissions.can_record_from_thread(member, thread):
            raise NotAllowed(_l("Only the two businesses of the conversation can record "
                                "a deal."), code="not_party")
        parties = (thread.inquirer_business_id, thread.owner_business_id)
        allowed = listings_of_thread(thread)
        source, link = DealSource.INQUIRY, {"thread_id": thread.id}
    elif proposal is not None:
        if not permissions.can_record_from_proposal(member, proposal):
            raise NotAllowed(_l("Only the two businesses of an awarded proposal can record "
                                "a deal."), code="not_party")
        parties = (proposal.business_id, proposal.request.business_id)
        allowed = listings_of_proposal(proposal)
        source, link = DealSource.PROPOSAL, {"proposal_id": proposal.id}
    else:
        raise DomainError(_l("A deal is recorded from a conversation or a proposal."),
                          code="no_source")
    if _open_deal(**link) is not None:
        raise Conflict(_l("A deal was already recorded here."), code="duplicate")
    story = _check_terms(kind, value_vnd, concluded_on, story)
    counterpart = parties[1] if parties[0] == member.business_id else parties[0]
    deal = Deal(kind=kind, value_vnd=value_vnd, concluded_on=concluded_on, source=source,
                recorder_business_id=member.business_id, counterpart_business_id=counterpart,
                recorded_by_id=member.id, story=story,
                story_agreed_by_recorder=bool(story and story_public), **link)
    chosen = set(listing_ids or ())
    deal.listings = [x for x in allowed if not chosen or x.id in chosen]
    db.session.add(deal)
    db.session.flush()
    deal_recorded(deal)
    return deal


def confirm_deal(member, deal, story_public=False) -> None:
    if not permissions.can_answer_deal(member, deal):
        raise NotAllowed(_l("Only the other party can confirm this deal."), code="not_party")
    deal.state = DealState.CONFIRMED
    deal.story_agreed_by_counterpart = bool(deal.story and story_public)
    deal.answered_by_id = member.id
    deal.answered_at = deal.confirmed_at = utcnow()
    db.session.flush()


def dispute_deal(member, deal, reason: str) -> None:
    if not permissions.can_answer_deal(member, deal):
        raise NotAllowed(_l("Only the other party can dispute this deal."), code="not_party")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Say what is wrong with this record."), code="reason")
    deal.state = DealState.DISPUTED
    deal.dispute_reason = reason[:2000]
    deal.answered_by_id = member.id
    deal.answered_at = utcnow()
    db.session.flush()


def record_offline(staff, *, recorder_tax_code, counterpart_tax_code, kind, value_vnd,
                   concluded_on, source, listing_ids=(), story="") -> Deal:
    """A deal reported to the staff; it counts at once, with where it was reported."""
    if not can_moderate(staff):
        raise NotAllowed(_l("Only the exchange staff can record off-line deals."),
                         code="not_staff")
    businesses = [db.session.scalar(select(Business).where(Business.tax_code == code))
                  for code in (recorder_tax_code, counterpart_tax_code)]
    if None in businesses or businesses[0].id == businesses[1].id:
        raise DomainError(_l("Give the tax codes of two different registered businesses."),
                          code="businesses")
    if not (source or "").strip():
        raise DomainError(_l("Say where the deal was reported."), code="source")
    story = _check_terms(kind, value_vnd, concluded_on, story)
    listings = db.session.scalars(select(Listing).where(
        Listing.id.in_(list(listing_ids or ())),
        Listing.business_id.in_([b.id for b in businesses]))).all()
    if len(listings) != len(set(listing_ids or ())):
        raise DomainError(_l("Each listing must belong to one of the two businesses."),
                          code="listings")
    now = utcnow()
    deal = Deal(kind=kind, value_vnd=value_vnd, concluded_on=concluded_on,
                source=DealSource.OFFLINE, offline_source=source.strip()[:300],
                recorder_business_id=businesses[0].id, counterpart_business_id=businesses[1].id,
                recorded_by_id=staff.id, state=DealState.CONFIRMED, confirmed_at=now,
                answered_by_id=staff.id, answered_at=now, story=story,
                # staff write a story only when both businesses agreed to it
                story_agreed_by_recorder=bool(story), story_agreed_by_counterpart=bool(story))
    deal.listings = list(listings)
    db.session.add(deal)
    db.session.flush()
    return deal


# --- what counts ---

def confirmed_counts(business_ids) -> dict[int, int]:
    """Confirmed deals per business, either side."""
    confirmed = Deal.state == DealState.CONFIRMED
    sides = union_all(
        select(Deal.recorder_business_id.label("business_id")).where(confirmed),
        select(Deal.counterpart_business_id.label("business_id")).where(confirmed),
    ).subquery()
    return dict(db.session.execute(
        select(sides.c.business_id, func.count())
        .where(sides.c.business_id.in_(list(business_ids)))
        .group_by(sides.c.business_id)).all())


def confirmed_total() -> int:
    return db.session.scalar(select(func.count(Deal.id)).where(
        Deal.state == DealState.CONFIRMED)) or 0


def deals_of(business_id) -> list[Deal]:
    return list(db.session.scalars(
        select(Deal).where(or_(Deal.recorder_business_id == business_id,
                               Deal.counterpart_business_id == business_id))
        .order_by(Deal.created_at.desc(), Deal.id.desc())))


def public_stories(listing_id) -> list[Deal]:
    """Confirmed deals about a listing whose story both parties agreed to show."""
    deals = db.session.scalars(
        select(Deal).join(DealListing, DealListing.deal_id == Deal.id)
        .where(DealListing.listing_id == listing_id, Deal.state == DealState.CONFIRMED,
               Deal.story != "", Deal.story_agreed_by_recorder.is_(True),
               Deal.story_agreed_by_counterpart.is_(True))
        .order_by(Deal.concluded_on.desc())).all()
    return list(deals)


def deal_for_thread(thread_id) -> Deal | None:
    return _open_deal(thread_id=thread_id)


def deal_for_proposal(proposal_id) -> Deal | None:
    return _open_deal(proposal_id=proposal_id)
