"""The rules of proposals on requests: send, revise, withdraw, shortlist, award, decline, close."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from exchange import taxonomy
from exchange.core.messages import lazy_message
from exchange.deals import notifications, permissions
from exchange.deals.models import (ClosureOutcome, DeclineReason, PriceKind, Proposal,
                                   ProposalFile, ProposalMessage, ProposalState, RequestClosure)
from exchange.errors import Conflict, DomainError, NotAllowed
from exchange.extensions import db
from exchange.inquiries.services import clean_body
from exchange.listings.models import Kind, Listing, Revision, Status
from exchange.timeutil import utcnow

MAX_FILES = 5
# a requester is mailed at once for this many proposals a day; the rest come in the digest
IMMEDIATE_MAILS_PER_DAY = 3
DAY = timedelta(days=1)
DETAIL_FIELDS = ("solution", "offer_id", "price_kind", "price_vnd", "price_max_vnd",
                 "lead_time_days", "transfer_mode", "valid_until", "message")


# --- the request's side ---

def closure_of(listing_id) -> RequestClosure | None:
    return db.session.get(RequestClosure, listing_id)


def closes_at(listing):
    revision = listing.approved_revision
    return revision.proposals_close_at if revision is not None else None


def is_open(listing, now=None) -> bool:
    """A published request takes proposals until its closing date or until it is closed."""
    if listing.kind != Kind.REQUEST or not listing.is_public:
        return False
    if closure_of(listing.id) is not None:
        return False
    deadline = closes_at(listing)
    return deadline is None or deadline > (now or utcnow())


def public_count(listing_id) -> int:
    """What everybody may know: how many businesses answered (not who, not at what price)."""
    return db.session.scalar(
        select(func.count(Proposal.id)).where(Proposal.request_id == listing_id,
                                              Proposal.state != ProposalState.WITHDRAWN)) or 0


def proposals_for(listing_id) -> list[Proposal]:
    """Every proposal on a request but withdrawn ones, with what the comparison shows."""
    return list(db.session.scalars(
        select(Proposal).where(Proposal.request_id == listing_id,
                               Proposal.state != ProposalState.WITHDRAWN)
        .options(joinedload(Proposal.business),
                 joinedload(Proposal.offer).joinedload(Listing.approved_revision),
                 selectinload(Proposal.files))
        .order_by(Proposal.created_at, Proposal.id)).unique())


def proposed_to(business_id) -> frozenset:
    """The requests the business sent a proposal to."""
    return frozenset(db.session.scalars(
        select(Proposal.request_id).where(Proposal.business_id == business_id)))


def proposal_of(business_id, listing_id) -> Proposal | None:
    if business_id is None:
        return None
    return db.session.scalar(select(Proposal).where(Proposal.request_id == listing_id,
                                                     Proposal.business_id == business_id))


def offers_to_link(business_id) -> list[Listing]:
    """The proposer's own published offers, the only ones a proposal may point to."""
    return list(db.session.scalars(
        select(Listing).join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.business_id == business_id, Listing.kind == Kind.OFFER,
               Listing.status == Status.PUBLISHED, Revision.expires_at > utcnow())
        .options(joinedload(Listing.approved_revision))
        .order_by(Listing.published_at.desc())).unique())


# --- the proposer's side ---

def _check_details(member, details: dict) -> dict:
    details = {name: details.get(name) for name in DETAIL_FIELDS}
    details["solution"] = (details["solution"] or "").strip()
    details["message"] = (details["message"] or "").strip()
    if not details["solution"]:
        raise DomainError(_l("Describe the solution you offer."), code="solution")
    kind = details["price_kind"]
    if kind not in tuple(PriceKind):
        raise DomainError(_l("Choose how the price is given."), code="price_kind")
    low, high = details["price_vnd"], details["price_max_vnd"]
    if kind == PriceKind.NEGOTIABLE:
        details["price_vnd"] = details["price_max_vnd"] = None
    elif kind == PriceKind.AMOUNT:
        if low is None:
            raise DomainError(_l("Give the price in VND."), code="price")
        details["price_max_vnd"] = None
    elif low is None or high is None or high < low:
        raise DomainError(_l("Give the range as a lower and a higher amount in VND."),
                          code="price")
    if details["transfer_mode"] not in taxonomy.codes(taxonomy.TRANSFER_MODES):
        raise DomainError(_l("Choose a transfer mode."), code="transfer_mode")
    if details["valid_until"] is None or details["valid_until"] < utcnow().date() - DAY:
        raise DomainError(_l("The proposal must be valid until a future date."),
                          code="valid_until")
    if details["offer_id"]:
        offer = db.session.get(Listing, details["offer_id"])
        if (offer is None or offer.business_id != member.business_id
                or offer.kind != Kind.OFFER or not offer.is_public):
            raise DomainError(_l("Link one of your own published offers."), code="offer")
    else:
        details["offer_id"] = None
    return details


def _attach(proposal, stored_rows) -> None:
    """Turn verified, stored files (files.stored) into this proposal's attachments."""
    if len(proposal.files) + len(stored_rows) > MAX_FILES:
        raise DomainError(lazy_message(_l("A proposal can have at most %(n)s PDF attachments."),
                                       n=MAX_FILES), code="too_many_files")
    start = len(proposal.files)
    for offset, row in enumerate(stored_rows):
        proposal.files.append(ProposalFile(sha256=row.sha256, filename=row.filename,
                                           position=start + offset))


def submit_proposal(member, listing, details: dict, files=()) -> Proposal:
    """A verified business answers an open request; its earlier, withdrawn answer is revised."""
    now = utcnow()
    if not permissions.can_propose(member, listing, is_open(listing, now)):
        if permissions.is_requester(member, listing):
            raise NotAllowed(_l("This is your own request."), code="own_request")
        if not permissions.is_verified_proposer(member):
            raise NotAllowed(_l("Only verified businesses can send proposals."),
                             code="not_verified")
        raise Conflict(_l("This request no longer takes proposals."), code="closed")
    details = _check_details(member, details)
    proposal = proposal_of(member.business_id, listing.id)
    if proposal is not None and proposal.state != ProposalState.WITHDRAWN:
        raise Conflict(_l("Your business already sent a proposal; revise it instead."),
                       code="duplicate")
    if proposal is None:
        proposal = Proposal(request_id=listing.id, business_id=member.business_id,
                            author_id=member.id, created_at=now, **details)
        db.session.add(proposal)
    else:
        for name, value in details.items():
            setattr(proposal, name, value)
        proposal.state = ProposalState.ACTIVE
        proposal.author_id = member.id
    proposal.updated_at = now
    _attach(proposal, list(files))
    db.session.flush()
    sent_today = db.session.scalar(
        select(func.count(Proposal.id)).where(Proposal.request_id == listing.id,
                                              Proposal.created_at > now - DAY))
    if sent_today <= IMMEDIATE_MAILS_PER_DAY:
        notifications.new_proposal(proposal)
    return proposal


def revise_proposal(member, proposal, details: dict, files=(), remove_ids=()) -> Proposal:
    if not permissions.can_revise(member, proposal, is_open(proposal.request)):
        raise Conflict(_l("This proposal can no longer be changed."), code="closed")
    details = _check_details(member, details)
    for name, value in details.items():
        setattr(proposal, name, value)
    removed = set(remove_ids or ())
    proposal.files = [f for f in proposal.files if f.id not in removed]
    for position, kept in enumerate(proposal.files):
        kept.position = position
    _attach(proposal, list(files))
    proposal.state = ProposalState.ACTIVE
    proposal.updated_at = utcnow()
    db.session.flush()
    return proposal


def withdraw_proposal(member, proposal) -> None:
    if not permissions.can_withdraw(member, proposal, is_open(proposal.request)):
        raise Conflict(_l("This proposal can no longer be withdrawn."), code="closed")
    proposal.state = ProposalState.WITHDRAWN
    proposal.is_shortlisted = False
    proposal.updated_at = utcnow()
    db.session.flush()


# --- the requester's decisions ---

def _decidable(member, proposal) -> None:
    if not permissions.can_decide(member, proposal.request, is_open(proposal.request)):
        raise NotAllowed(_l("Only the requester can decide, while the request is open."),
                         code="cannot_decide")
    if proposal.state != ProposalState.ACTIVE:
        raise Conflict(_l("This proposal was already decided or withdrawn."), code="decided")


def set_shortlisted(member, proposal, shortlisted: bool) -> None:
    _decidable(member, proposal)
    proposal.is_shortlisted = bool(shortlisted)
    db.session.flush()


def award(member, proposal) -> None:
    _decidable(member, proposal)
    proposal.state = ProposalState.AWARDED
    proposal.decided_at = utcnow()
    db.session.flush()
    notifications.proposal_decided(proposal)


def decline(member, proposal, reason: str, text: str = "") -> None:
    _decidable(member, proposal)
    if reason not in tuple(DeclineReason):
        raise DomainError(_l("Choose a reason."), code="reason")
    proposal.state = ProposalState.DECLINED
    proposal.decline_reason = reason
    proposal.decline_text = (text or "").strip()[:1000]
    proposal.is_shortlisted = False
    proposal.decided_at = utcnow()
    db.session.flush()
    notifications.proposal_decided(proposal)


def close_request(listing, *, actor=None, expired=False) -> RequestClosure:
    """No more proposals; every business that answered is told once."""
    if actor is not None and not permissions.can_decide(actor, listing, is_open(listing)):
        raise NotAllowed(_l("Only the requester can close the request while it is open."),
                         code="cannot_close")
    existing = closure_of(listing.id)
    if existing is not None:
        return existing
    proposals = proposals_for(listing.id)
    if any(p.state == ProposalState.AWARDED for p in proposals):
        outcome = ClosureOutcome.AWARDED
    else:
        outcome = ClosureOutcome.EXPIRED if expired else ClosureOutcome.NO_AWARD
    closure = RequestClosure(listing_id=listing.id, outcome=outcome, closed_at=utcnow(),
                             closed_by_id=actor.id if actor is not None else None)
    db.session.add(closure)
    db.session.flush()
    for proposal in proposals:
        notifications.request_closed(proposal, outcome)
    return closure


def close_due(now=None) -> int:
    """Close requests past their closing date, or no longer public, that have proposals."""
    now = now or utcnow()
    open_with_proposals = (
        select(Listing).join(Proposal, Proposal.request_id == Listing.id)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .outerjoin(RequestClosure, RequestClosure.listing_id == Listing.id)
        .where(RequestClosure.listing_id.is_(None), Listing.kind == Kind.REQUEST)
    )
    due = db.session.scalars(
        open_with_proposals.where(
            (Revision.proposals_close_at <= now) | (Listing.status != Status.PUBLISHED)
            | (Revision.expires_at <= now))
        .distinct()).all()
    for listing in due:
        close_request(listing, expired=True)
    return len(due)


def send_digests(now=None) -> int:
    """One mail a day to requesters who got more proposals than were mailed one by one."""
    now = now or utcnow()
    busy = db.session.execute(
        select(Proposal.request_id).where(Proposal.created_at > now - DAY)
        .group_by(Proposal.request_id)
        .having(func.count(Proposal.id) > IMMEDIATE_MAILS_PER_DAY)).scalars().all()
    for listing_id in busy:
        listing = db.session.get(Listing, listing_id)
        recent = [p for p in proposals_for(listing_id) if p.created_at > now - DAY]
        notifications.proposal_digest(listing, recent, now.date().isoformat())
    return len(busy)


# --- the thread ---

def post_message(member, proposal, body) -> ProposalMessage:
    if not permissions.can_write_in_thread(member, proposal):
        raise NotAllowed(_l("Only the two businesses can write here."), code="not_party")
    message = ProposalMessage(proposal_id=proposal.id, author_id=member.id,
                              author_business_id=member.business_id, body=clean_body(body))
    db.session.add(message)
    db.session.flush()
    notifications.new_proposal_message(message, proposal)
    return message
