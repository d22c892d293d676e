"""Moderation operations: enqueue, claim, decide, suspend and restore."""
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from exchange.accounts.models import Business, Member
from exchange.core.urls import site_url
from exchange.core.messages import lazy_message
from exchange.errors import Conflict, DomainError
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Listing, Status
from exchange.mail import queue_mail
from exchange.moderation.decisions import claimable_by, record_decision
from exchange.moderation.models import Decision, ItemKind, ItemState, QueueItem, record_audit
from exchange.search.models import record_index_job
from exchange.timeutil import utcnow

REASON_MAX = 2000
# what a listing's owner is told, per decision (the subject line of the mail)
# (lazy, so that queue_mail renders them in the recipient's language)
LISTING_SUBJECTS = {
    Decision.APPROVE: lambda title: lazy_message(
        _l("Your listing “%(title)s” was approved"), title=title),
    Decision.REQUEST_CHANGES: lambda title: lazy_message(
        _l("Changes requested for your listing “%(title)s”"), title=title),
    Decision.REJECT: lambda title: lazy_message(
        _l("Your listing “%(title)s” was not accepted"), title=title),
}
BUSINESS_SUBJECTS = {
    Decision.APPROVE: lambda name: lazy_message(
        _l("%(name)s is now a verified business"), name=name),
    Decision.REJECT: lambda name: lazy_message(
        _l("The verification of %(name)s was not accepted"), name=name),
}


class ItemNotFound(DomainError):
    status_code = 404


def enqueue_business(business: Business) -> QueueItem:
    """Put a newly registered business in the queue for verification (once)."""
    existing = db.session.scalar(
        select(QueueItem).where(QueueItem.kind == ItemKind.BUSINESS,
                                QueueItem.business_id == business.id,
                                QueueItem.state == ItemState.WAITING)
    )
    if existing is not None:
        return existing
    if business.id is None:
        db.session.flush()
    item = QueueItem(kind=ItemKind.BUSINESS, business_id=business.id, submitted_at=utcnow())
    db.session.add(item)
    db.session.flush()
    record_audit("business_submitted", business_id=business.id, queue_item_id=item.id)
    return item


def claim_minutes() -> int:
    return int(current_app.config.get("CLAIM_MINUTES", 15))


def get_item(item_id) -> QueueItem:
    try:
        item_id = int(item_id)
    except (TypeError, ValueError):
        item_id = None
    item = db.session.get(QueueItem, item_id) if item_id is not None else None
    if item is None:
        raise ItemNotFound(_l("There is no such item in the review queue."), code="not_found")
    return item


def _refusal(item_id, moderator_id, now) -> DomainError:
    """Why a conditional update touched no row, read after the fact."""
    item = get_item(item_id)
    db.session.refresh(item)
    if item.state == ItemState.DECIDED:
        who = item.decided_by.full_name if item.decided_by else "?"
        return Conflict(lazy_message(_l("This item was already decided by %(name)s."), name=who),
                        code="already_decided")
    if item.state == ItemState.CANCELLED:
        return Conflict(_l("This item was withdrawn by its owner before a decision."),
                        code="cancelled")
    if item.is_claimed_by_other(moderator_id, now):
        who = item.claimed_by.full_name if item.claimed_by else "?"
        return Conflict(lazy_message(_l("This item is being reviewed by %(name)s."), name=who),
                        code="claimed")
    return Conflict(_l("This item changed meanwhile; please reload the queue."), code="stale")


def claim_item(item_id, moderator_id, now=None) -> QueueItem:
    """Give the item to this moderator for CLAIM_MINUTES. The condition sits in the UPDATE
    itself, so two moderators racing for one item cannot both get it on any database."""
    now = now or utcnow()
    item = get_item(item_id)
    expires = now + timedelta(minutes=claim_minutes())
    result = db.session.execute(
        update(QueueItem)
        .where(QueueItem.id == item.id, claimable_by(moderator_id, now))
        .values(claimed_by_id=moderator_id, claim_expires_at=expires)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise _refusal(item.id, moderator_id, now)
    db.session.refresh(item)
    record_audit("claimed", actor_id=moderator_id, listing_id=item.listing_id,
                 business_id=item.business_id, queue_item_id=item.id,
                 until=expires.isoformat())
    return item


def release_item(item_id, moderator_id) -> QueueItem:
    """Hand a claimed item back to the queue before the claim runs out."""
    item = get_item(item_id)
    result = db.session.execute(
        update(QueueItem)
        .where(QueueItem.id == item.id, QueueItem.state == ItemState.WAITING,
               QueueItem.claimed_by_id == moderator_id)
        .values(claimed_by_id=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount == 1:
        record_audit("released", actor_id=moderator_id, listing_id=item.listing_id,
                     business_id=item.business_id, queue_item_id=item.id)
    db.session.refresh(item)
    return item


def release_expired_claims(now=None) -> int:
    """Clear claims that ran out, so the queue shows the items as free again."""
    now = now or utcnow()
    result = db.session.execute(
        update(QueueItem)
        .where(QueueItem.state == ItemState.WAITING, QueueItem.claimed_by_id.is_not(None),
               QueueItem.claim_expires_at <= now)
        .values(claimed_by_id=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def _clean_decision(item, decision, reason):
    try:
        decision = Decision(decision)
    except ValueError:
        raise DomainError(_l("Unknown decision: choose approve, request changes or reject."),
                          code="unknown_decision") from None
    reason = (reason or "").strip()
    if decision != Decision.APPROVE and not reason:
        raise DomainError(_l("Give the owner a reason for this decision."),
                          code="reason_required")
    if len(reason) > REASON_MAX:
        raise DomainError(lazy_message(_l("The reason is too long (at most %(n)d characters)."),
                                       n=REASON_MAX),
                          code="reason_too_long")
    if item.kind == ItemKind.BUSINESS and decision == Decision.REQUEST_CHANGES:
        raise DomainError(_l("A business verification is either approved or rejected."),
                          code="unknown_decision")
    return decision, reason or None


def decide_item(item_id, moderator_id, decision, reason=None, now=None) -> QueueItem:
    """Record a moderator's decision and apply it. The item is marked decided by a
    conditional UPDATE first (record_decision): of two moderators deciding at once exactly
    one row update succeeds; the other gets a Conflict and changes nothing."""
    now = now or utcnow()
    item = get_item(item_id)
    decision, reason = _clean_decision(item, decision, reason)
    if record_decision(QueueItem.id == item.id, decision, moderator_id, reason, via="queue",
                       now=now) != 1:
        raise _refusal(item.id, moderator_id, now)
    db.session.refresh(item)

    if item.kind in (ItemKind.LISTING, ItemKind.REVISION):
        _decide_revision(item, moderator_id, decision, reason)
    elif item.kind == ItemKind.BUSINESS:
        _decide_business(item, moderator_id, decision, reason)
    else:
        record_audit(f"report_{decision.value}", actor_id=moderator_id,
                     listing_id=item.listing_id, business_id=item.business_id,
                     queue_item_id=item.id, reason=reason)
    db.session.flush()
    return item


AUDIT_ACTIONS = {
    Decision.APPROVE: "approved",
    Decision.REQUEST_CHANGES: "changes_requested",
    Decision.REJECT: "rejected",
}


def _decide_revision(item, moderator_id, decision, reason):
    revision = item.revision
    listing = item.listing
    if revision is None or listing is None:
        raise DomainError(_l("This item has no listing to decide on."), code="broken_item")
    if listing.status == Status.WITHDRAWN:
        raise Conflict(_l("This listing was withdrawn by its owner."), code="cancelled")
    if decision == Decision.APPROVE:
        lifecycle.approve_revision(revision, reason)
    elif decision == Decision.REQUEST_CHANGES:
        lifecycle.request_changes(revision, reason)
    else:
        lifecycle.reject_revision(revision, reason)
    record_audit(AUDIT_ACTIONS[decision], actor_id=moderator_id, listing_id=listing.id,
                 business_id=listing.business_id, queue_item_id=item.id, reason=reason,
                 revision_id=revision.id, revision_number=revision.number, kind=item.kind)
    recipient = revision.author or listing.created_by or _business_contact(listing.business_id)
    if recipient is not None:
        queue_mail(
            recipient.email,
            LISTING_SUBJECTS[decision](revision.title),
            "decision",
            dedupe_key=f"moderation-decision-{item.id}",
            locale=recipient.locale or "vi",
            member=recipient, listing=listing, revision=revision, decision=decision.value,
            reason=reason, is_edit=item.kind == ItemKind.REVISION,
            listing_url=site_url("listings.show", listing_id=listing.id),
            edit_url=site_url("listings.edit", listing_id=listing.id),
            account_url=site_url("accounts.dashboard"),
        )


def _decide_business(item, moderator_id, decision, reason):
    business = item.business
    if business is None:
        raise DomainError(_l("This item has no business to verify."), code="broken_item")
    was_verified = business.is_verified
    business.is_verified = decision == Decision.APPROVE
    if business.is_verified != was_verified:
        # the index documents carry the badge (and the "verified businesses only" filter)
        for listing_id in db.session.scalars(select(Listing.id).where(
                Listing.business_id == business.id, Listing.status == Status.PUBLISHED)):
            record_index_job(listing_id, "business_verified")
    action = "business_verified" if decision == Decision.APPROVE else "business_rejected"
    record_audit(action, actor_id=moderator_id, business_id=business.id,
                 queue_item_id=item.id, reason=reason, tax_code=business.tax_code)
    recipient = _business_contact(business.id)
    if recipient is not None:
        queue_mail(
            recipient.email,
            BUSINESS_SUBJECTS[decision](business.name),
            "decision_business",
            dedupe_key=f"moderation-decision-{item.id}",
            locale=recipient.locale or "vi",
            member=recipient, business=business, decision=decision.value, reason=reason,
            account_url=site_url("accounts.dashboard"),
        )


def _business_contact(business_id) -> Member | None:
    """The business's first member: the one who registered it."""
    return db.session.scalar(
        select(Member).where(Member.business_id == business_id).order_by(Member.id).limit(1)
    )


def get_listing(listing_id) -> Listing:
    try:
        listing = db.session.get(Listing, int(listing_id))
    except (TypeError, ValueError):
        listing = None
    if listing is None:
        raise ItemNotFound(_l("There is no such listing."), code="not_found")
    return listing


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_l("Give a reason; the owner will read it."), code="reason_required")
    if len(reason) > REASON_MAX:
        raise DomainError(lazy_message(_l("The reason is too long (at most %(n)d characters)."),
                                       n=REASON_MAX),
                          code="reason_too_long")
    return reason


def suspend_listing(listing_id, moderator_id, reason) -> Listing:
    """Take a published listing offline for abuse; the owner is told why."""
    reason = _clean_reason(reason)
    listing = get_listing(listing_id)
    lifecycle.suspend(listing, moderator_id, reason)
    title = _public_title(listing)
    _mail_owner_about(listing, "suspended", reason,
                      lazy_message(_l("Your listing “%(title)s” was suspended"), title=title))
    return listing


def restore_listing(listing_id, moderator_id, reason) -> Listing:
    """Put a suspended listing back online."""
    reason = _clean_reason(reason)
    listing = get_listing(listing_id)
    lifecycle.restore(listing, moderator_id, reason)
    title = _public_title(listing)
    _mail_owner_about(listing, "restored", reason,
                      lazy_message(_l("Your listing “%(title)s” is online again"), title=title))
    return listing


def _public_title(listing) -> str:
    revision = listing.approved_revision or listing.latest_revision
    return revision.title if revision is not None else ""


def _mail_owner_about(listing, what, reason, subject):
    recipient = listing.created_by or _business_contact(listing.business_id)
    revision = listing.approved_revision or listing.latest_revision
    if recipient is None or revision is None:
        return
    queue_mail(
        recipient.email, subject, f"listing_{what}",
        locale=recipient.locale or "vi",
        member=recipient, listing=listing, revision=revision, reason=reason,
        listing_url=site_url("listings.show", listing_id=listing.id),
        account_url=site_url("accounts.dashboard"),
    )


def set_member_suspended(member_id, moderator_id, reason, suspended=True) -> Member:
    """Close (or reopen) a member's account for abuse: a suspended member cannot sign in and
    every open session ends at once (Member's session stamp); kept in the audit log."""
    reason = _clean_reason(reason)
    member = db.session.get(Member, member_id)
    if member is None:
        raise ItemNotFound(_l("No such member."), code="not_found")
    if member.is_active_account == suspended:
        member.is_active_account = not suspended
        record_audit("member_suspended" if suspended else "member_restored",
                     actor_id=moderator_id, business_id=member.business_id, reason=reason,
                     member_id=member.id)
        db.session.flush()
    return member
