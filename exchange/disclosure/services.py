"""Access requests: accept the agreement, ask, grant, refuse, revoke (services flush only)."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange.accounts.permissions import belongs_to
from exchange.disclosure import notifications, visibility
from exchange.disclosure.agreement import agreement_for, text_version
from exchange.disclosure.models import AccessRequest, AccessState, AgreementAcceptance
from exchange.errors import Conflict, DomainError, NotAllowed
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.moderation.models import record_audit
from exchange.timeutil import utcnow

MAX_STATEMENT = 2000
MAX_REASON = 1000


def open_request(listing, business_id) -> AccessRequest | None:
    """The business's pending or granted request for the listing, if any."""
    return db.session.scalar(
        select(AccessRequest).where(
            AccessRequest.listing_id == listing.id, AccessRequest.business_id == business_id,
            AccessRequest.state.in_([AccessState.PENDING, AccessState.GRANTED]))
        .order_by(AccessRequest.id.desc()).limit(1))


def requested_by(business_id) -> frozenset:
    """The listings the business asked access to (whatever became of it)."""
    return frozenset(db.session.scalars(
        select(AccessRequest.listing_id).where(AccessRequest.business_id == business_id)))


def latest_request(listing, business_id) -> AccessRequest | None:
    return db.session.scalar(
        select(AccessRequest).where(AccessRequest.listing_id == listing.id,
                                    AccessRequest.business_id == business_id)
        .order_by(AccessRequest.id.desc()).limit(1))


def request_access(member, listing, statement: str, *, accepted_version: str | None = None,
                   ip_address: str = "") -> AccessRequest:
    """Ask for a listing's confidential parts. When the listing has an agreement, the member
    must have accepted exactly its current text (`accepted_version`, the hash of the text
    they were shown: a text changed meanwhile must be read again); the acceptance is kept."""
    if not visibility.can_request_access(member, listing):
        raise NotAllowed(_l("You cannot ask for access to this listing."), code="not_allowed")
    statement = (statement or "").strip()
    if len(statement) < 10:
        raise DomainError(_l("Say in a few words why your business is interested."),
                          code="statement_short")
    if len(statement) > MAX_STATEMENT:
        raise DomainError(_l("The statement is too long."), code="statement_long")
    if open_request(listing, member.business_id) is not None:
        raise Conflict(_l("Your business already asked for access to this listing."),
                       code="duplicate")
    required = agreement_for(listing)
    acceptance = None
    if required is not None:
        if accepted_version != text_version(required):
            raise DomainError(_l("Please read and accept the confidentiality agreement first."),
                              code="agreement_required")
        acceptance = AgreementAcceptance(
            listing_id=listing.id, member_id=member.id, business_id=member.business_id,
            text_sha256=text_version(required), text=required,
            ip_address=(ip_address or "")[:45], accepted_at=utcnow())
        db.session.add(acceptance)
    access = AccessRequest(listing_id=listing.id, business_id=member.business_id,
                           member_id=member.id, statement=statement, acceptance=acceptance,
                           state=AccessState.PENDING, created_at=utcnow())
    db.session.add(access)
    db.session.flush()
    record_audit("access_requested", actor_id=member.id, listing_id=listing.id,
                 business_id=member.business_id, request_id=access.id,
                 agreement_sha256=acceptance.text_sha256 if acceptance else None)
    notifications.request_received(access)
    return access


def _decide(member, access: AccessRequest, allowed_from, target, reason=None) -> AccessRequest:
    if not belongs_to(member, access.listing.business_id):
        raise NotAllowed(_l("Only the listing's owner decides on access."), code="not_owner")
    if access.state not in allowed_from:
        raise Conflict(_l("This request was already decided."), code="decided")
    access.state = target
    access.reason = reason
    access.decided_at = utcnow()
    access.decided_by_id = member.id
    db.session.flush()
    record_audit(f"access_{target}", actor_id=member.id, listing_id=access.listing_id,
                 business_id=access.business_id, reason=reason, request_id=access.id)
    return access


def grant(member, access: AccessRequest) -> AccessRequest:
    _decide(member, access, (AccessState.PENDING,), AccessState.GRANTED)
    notifications.request_decided(access)
    return access


def refuse(member, access: AccessRequest, reason: str) -> AccessRequest:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give the requester a reason."), code="reason_required")
    _decide(member, access, (AccessState.PENDING,), AccessState.REFUSED, reason[:MAX_REASON])
    notifications.request_decided(access)
    return access


def revoke(member, access: AccessRequest, reason: str | None = None) -> AccessRequest:
    reason = (reason or "").strip()[:MAX_REASON] or None
    _decide(member, access, (AccessState.GRANTED,), AccessState.REVOKED, reason)
    notifications.request_decided(access)
    return access


def set_business_agreement(business, text: str | None) -> None:
    business.agreement_text = (text or "").strip() or None


def requests_for_owner(business_id: int) -> list[AccessRequest]:
    return list(db.session.scalars(
        select(AccessRequest).join(Listing, Listing.id == AccessRequest.listing_id)
        .where(Listing.business_id == business_id)
        .order_by(AccessRequest.state != AccessState.PENDING, AccessRequest.id.desc())
        .limit(200)))


def pending_count(business_id: int) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count()).select_from(AccessRequest)
        .join(Listing, Listing.id == AccessRequest.listing_id)
        .where(Listing.business_id == business_id,
               AccessRequest.state == AccessState.PENDING)) or 0


def requests_of(business_id: int) -> list[AccessRequest]:
    return list(db.session.scalars(
        select(AccessRequest).where(AccessRequest.business_id == business_id)
        .order_by(AccessRequest.id.desc()).limit(200)))
