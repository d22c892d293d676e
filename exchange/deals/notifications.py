"""Mail about proposals and deals, queued in the outbox with a dedupe key per cause."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.accounts.models import Member
from exchange.core.urls import site_url
from exchange.extensions import db
from exchange.mail import queue_mail


def business_recipients(business_id) -> list[Member]:
    """The members of a business who can read mail from the exchange."""
    return list(db.session.scalars(
        select(Member).where(Member.business_id == business_id,
                             Member.is_active_account.is_(True),
                             Member.email_verified_at.is_not(None))
        .order_by(Member.id)))


def _to_business(business_id, subject, template, dedupe, **context) -> None:
    for member in business_recipients(business_id):
        queue_mail(member.email, subject, template, dedupe_key=f"{dedupe}-to-{member.id}",
                   locale=member.locale or "vi", member=member, **context)


def new_proposal(proposal) -> None:
    _to_business(proposal.request.business_id, _l("A new proposal for your request"),
                 "proposal_new", f"proposal-new-{proposal.id}", proposal=proposal,
                 link=site_url("deals.compare", listing_id=proposal.request_id))


def proposal_digest(listing, proposals, day_key: str) -> None:
    _to_business(listing.business_id, _l("New proposals for your request today"),
                 "proposal_digest", f"proposal-digest-{listing.id}-{day_key}",
                 listing=listing, proposals=proposals,
                 link=site_url("deals.compare", listing_id=listing.id))


def proposal_decided(proposal) -> None:
    if proposal.state == "awarded":
        subject = _l("Your proposal was selected")
    else:
        subject = _l("Your proposal was not selected")
    _to_business(proposal.business_id, subject, "proposal_decided",
                 f"proposal-decided-{proposal.id}", proposal=proposal,
                 link=site_url("deals.proposal", proposal_id=proposal.id))


def request_closed(proposal, outcome) -> None:
    """Told once per proposal, however often or however the request is closed."""
    _to_business(proposal.business_id, _l("A request you answered is closed"),
                 "request_closed", f"request-closed-{proposal.id}", proposal=proposal,
                 outcome=str(outcome),
                 link=site_url("deals.proposal", proposal_id=proposal.id))


def new_proposal_message(message, proposal) -> None:
    other = (proposal.request.business_id if message.author_business_id == proposal.business_id
             else proposal.business_id)
    _to_business(other, _l("A new message about a proposal"), "proposal_message",
                 f"proposal-message-{message.id}", proposal=proposal,
                 link=site_url("deals.proposal", proposal_id=proposal.id))


def deal_recorded(deal) -> None:
    _to_business(deal.counterpart_business_id, _l("Please confirm a deal recorded on the "
                                                  "exchange"),
                 "deal_recorded", f"deal-recorded-{deal.id}", deal=deal,
                 link=site_url("deals.deal", deal_id=deal.id))
