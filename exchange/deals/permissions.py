"""Who may propose, read, revise and decide proposals: requirements of the `can` vocabulary,
used by views and templates alike."""
from exchange.accounts.permissions import belongs_to, can_moderate, can_post
from exchange.accounts.requirements import can
from exchange.deals.models import Proposal, ProposalState
from exchange.listings.models import Kind
from exchange.listings.permissions import is_owner


@can.rule("act_for_business")
def can_act_for_business(member, *_) -> bool:
    """A signed-in, active member of a business with a confirmed email."""
    return bool(can_post(member) and member.is_active)


@can.rule("propose_as_verified")
def is_verified_proposer(member, *_) -> bool:
    """Only verified businesses, through members with a confirmed email, may propose."""
    return bool(can_act_for_business(member) and member.business is not None
                and member.business.is_verified)


# the business that posted the request (a listing like any other)
is_requester = is_owner


@can.rule("own_proposal")
def is_proposer(member, proposal: Proposal) -> bool:
    return belongs_to(member, proposal.business_id)


@can.rule("propose")
def can_propose(member, listing, is_open: bool) -> bool:
    """`is_open`: the request takes proposals (see proposals.is_open)."""
    return (listing.kind == Kind.REQUEST and is_open and is_verified_proposer(member)
            and not is_requester(member, listing))


@can.rule("see_proposals")
def can_see_proposals(member, listing) -> bool:
    """The whole list (and the comparison table): the requester and the staff."""
    return is_requester(member, listing) or can_moderate(member)


@can.rule("view_proposal")
def can_view_proposal(member, proposal: Proposal) -> bool:
    """One proposal, its files and its thread: its two parties and the staff, nobody else."""
    return (is_proposer(member, proposal) or is_requester(member, proposal.request)
            or can_moderate(member))


@can.rule("revise_proposal")
def can_revise(member, proposal: Proposal, is_open: bool) -> bool:
    return (is_open and is_proposer(member, proposal) and is_verified_proposer(member)
            and proposal.state in (ProposalState.ACTIVE, ProposalState.WITHDRAWN))


@can.rule("withdraw_proposal")
def can_withdraw(member, proposal: Proposal, is_open: bool) -> bool:
    return (is_open and is_proposer(member, proposal) and can_act_for_business(member)
            and proposal.state == ProposalState.ACTIVE)


@can.rule("decide_proposals")
def can_decide(member, listing, is_open: bool) -> bool:
    """Shortlist, award, decline and close: the requester while the request is open."""
    return is_open and is_requester(member, listing) and can_act_for_business(member)


@can.rule("write_in_proposal_thread")
def can_write_in_thread(member, proposal: Proposal) -> bool:
    return can_act_for_business(member) and (
        is_proposer(member, proposal) or is_requester(member, proposal.request))


# --- deals ---

@can.rule("record_deal_from_thread")
def can_record_from_thread(member, thread) -> bool:
    return can_act_for_business(member) and thread.involves(member.business_id)


@can.rule("record_deal_from_proposal")
def can_record_from_proposal(member, proposal: Proposal) -> bool:
    return (can_act_for_business(member) and proposal.state == ProposalState.AWARDED
            and (is_proposer(member, proposal) or is_requester(member, proposal.request)))


@can.rule("view_deal")
def can_view_deal(member, deal) -> bool:
    return bool(member and member.is_authenticated
                and (deal.involves(member.business_id) or can_moderate(member)))


@can.rule("answer_deal")
def can_answer_deal(member, deal) -> bool:
    """Confirm or dispute: the other party, once, while the deal waits for it."""
    return (can_act_for_business(member) and deal.state == "pending"
            and belongs_to(member, deal.counterpart_business_id))
