"""The only code that changes a listing's or a revision's status.

It writes listings, revisions and the audit log, and announces each change
(exchange.listings.signals) for the features to write their own rows: moderation its queue
items, search its index jobs, matching its match jobs."""
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update

from exchange.core.audit import record_audit
from exchange.core.messages import lazy_message
from exchange.errors import IllegalTransition
from exchange.extensions import db
from exchange.listings import signals
from exchange.listings.models import Listing, Revision, RevisionFile, RevisionStatus, Status
from exchange.listings.rules import end_of_day, expiry_bounds, local_zone
from exchange.timeutil import utcnow

ALLOWED = {
    Status.DRAFT: {Status.PENDING_REVIEW, Status.WITHDRAWN},
    Status.PENDING_REVIEW: {
        Status.PUBLISHED, Status.CHANGES_REQUESTED, Status.REJECTED, Status.WITHDRAWN,
    },
    Status.CHANGES_REQUESTED: {Status.PENDING_REVIEW, Status.WITHDRAWN},
    Status.REJECTED: set(),
    Status.PUBLISHED: {Status.EXPIRED, Status.WITHDRAWN, Status.SUSPENDED},
    Status.SUSPENDED: {Status.PUBLISHED, Status.WITHDRAWN},
    Status.EXPIRED: {Status.PENDING_REVIEW, Status.PUBLISHED, Status.WITHDRAWN},
    Status.WITHDRAWN: set(),
}
# an expired listing can be renewed (like a published one) for this long after its expiry
RENEWAL_GRACE = timedelta(days=90)


def _move(listing: Listing, target: Status) -> None:
    if target not in ALLOWED[Status(listing.status)]:
        raise IllegalTransition(
            lazy_message(_l("A listing that is %(state)s cannot become %(target)s."),
                         state=listing.status, target=target),
            code="illegal_transition",
        )
    listing.status = target


def can_transition(listing: Listing, target: Status) -> bool:
    return target in ALLOWED[Status(listing.status)]


def create_listing(business_id, author_id, kind, content, files=()) -> Listing:
    """A new draft listing with its first revision."""
    listing = Listing(business_id=business_id, created_by_id=author_id, kind=kind,
                      status=Status.DRAFT)
    revision = Revision(listing=listing, number=1, author_id=author_id, **content)
    revision.files = list(files)
    db.session.add_all([listing, revision])
    db.session.flush()
    return listing


def submit(listing: Listing, actor_id) -> None:
    """Send a draft (or a listing sent back for changes) to the review queue."""
    revision = listing.latest_revision
    if revision.id is not None and revision.id == listing.approved_revision_id:
        # re-sending an approved version (e.g. an expired one) unchanged reviews nothing
        raise IllegalTransition(_l("Edit the listing first; there is nothing new to review."),
                                code="nothing_to_review")
    _move(listing, Status.PENDING_REVIEW)
    revision.status = RevisionStatus.PENDING
    revision.submitted_at = utcnow()
    signals.revision_submitted.send(
        listing, revision=revision,
        kind="revision" if listing.approved_revision_id else "listing",
        actor_id=actor_id, action="submitted")


def save_edit(listing: Listing, author_id, content, files=None) -> Revision:
    """Apply an owner's edit. An edit of a published listing becomes a new revision under
    review while the approved one stays public; other edits change the working revision."""
    latest = listing.latest_revision
    status = Status(listing.status)
    if status in (Status.REJECTED, Status.WITHDRAWN):
        raise IllegalTransition(_l("This listing can no longer be edited."), code="not_editable")
    if latest.id == listing.approved_revision_id:
        new_files = [
            RevisionFile(sha256=f.sha256, kind=f.kind, filename=f.filename, position=f.position,
                         is_confidential=f.is_confidential)
            for f in latest.files
        ] if files is None else list(files)
        # unchanged fields carry over, so a partial edit never blanks the approved content
        revision = Revision(listing=listing, number=latest.number + 1, author_id=author_id,
                            **{**latest.content(), **content})
        db.session.add(revision)
        revision.files = new_files
    else:
        revision = latest
        for name, value in content.items():
            setattr(revision, name, value)
        if files is not None:
            revision.files = list(files)
    db.session.flush()
    if status in (Status.PUBLISHED, Status.SUSPENDED) and revision.status != RevisionStatus.PENDING:
        revision.status = RevisionStatus.PENDING
        revision.submitted_at = utcnow()
        signals.revision_submitted.send(listing, revision=revision, kind="revision",
                                        actor_id=author_id, action="revision_submitted")
    elif status in (Status.CHANGES_REQUESTED, Status.EXPIRED):
        submit(listing, author_id)
    return revision


def approve_revision(revision: Revision, reason=None) -> None:
    listing = revision.listing
    _require_pending(revision)
    now = utcnow()
    if listing.approved_revision_id is None or listing.status in (
        Status.PENDING_REVIEW, Status.EXPIRED
    ):
        _move(listing, Status.PUBLISHED)
        listing.published_at = listing.published_at or now
    previous = listing.approved_revision
    if previous is not None and previous.id != revision.id:
        previous.status = RevisionStatus.SUPERSEDED
    revision.status = RevisionStatus.APPROVED
    revision.decided_at = now
    revision.decision_reason = reason
    listing.approved_revision = revision
    listing.approved_revision_id = revision.id
    db.session.flush()
    signals.revision_decided.send(listing, revision=revision, decision="approve", reason=reason)
    signals.listing_published.send(listing, reason="approved")


def request_changes(revision: Revision, reason: str) -> None:
    _decide_against(revision, reason, Status.CHANGES_REQUESTED,
                    RevisionStatus.CHANGES_REQUESTED, "request_changes")


def reject_revision(revision: Revision, reason: str) -> None:
    _decide_against(revision, reason, Status.REJECTED, RevisionStatus.REJECTED, "reject")


def _decide_against(revision, reason, listing_status, revision_status, decision) -> None:
    """A version sent back or refused; a published listing keeps its approved version."""
    listing = revision.listing
    _require_pending(revision)
    if listing.approved_revision_id is None:
        _move(listing, listing_status)
    revision.status = revision_status
    revision.decided_at = utcnow()
    revision.decision_reason = reason
    signals.revision_decided.send(listing, revision=revision, decision=decision, reason=reason)


def _require_pending(revision: Revision) -> None:
    if revision.status != RevisionStatus.PENDING:
        raise IllegalTransition(_l("This version is not waiting for review."),
                                code="not_pending")


def withdraw(listing: Listing, actor_id) -> None:
    was_public = listing.status == Status.PUBLISHED
    _move(listing, Status.WITHDRAWN)
    for revision in listing.revisions:
        if revision.status in (RevisionStatus.PENDING, RevisionStatus.DRAFT):
            revision.status = RevisionStatus.WITHDRAWN
    signals.listing_withdrawn.send(listing, actor_id=actor_id)
    record_audit("withdrawn", actor_id=actor_id, listing_id=listing.id,
                 business_id=listing.business_id)
    if was_public:
        signals.listing_hidden.send(listing, reason="withdrawn")


def suspend(listing: Listing, actor_id, reason: str) -> None:
    _move(listing, Status.SUSPENDED)
    record_audit("suspended", actor_id=actor_id, listing_id=listing.id,
                 business_id=listing.business_id, reason=reason)
    signals.listing_hidden.send(listing, reason="suspended")


def restore(listing: Listing, actor_id, reason: str | None = None) -> None:
    if listing.status != Status.SUSPENDED:
        raise IllegalTransition(_l("Only a suspended listing can be restored."),
                                code="not_suspended")
    _move(listing, Status.PUBLISHED)
    record_audit("restored", actor_id=actor_id, listing_id=listing.id,
                 business_id=listing.business_id, reason=reason)
    signals.listing_published.send(listing, reason="restored")


def expire_due(now=None) -> int:
    """Expire every published listing whose approved version has passed its expiry date."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Listing)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .where(Listing.status == Status.PUBLISHED, Revision.expires_at <= now)
    ).all()
    for listing in due:
        _move(listing, Status.EXPIRED)
        record_audit("expired", listing_id=listing.id, business_id=listing.business_id)
        signals.listing_hidden.send(listing, reason="expired")
    return len(due)


def can_renew(listing: Listing, now=None) -> bool:
    """A published listing, or one expired less than RENEWAL_GRACE ago, can be renewed."""
    approved = listing.approved_revision
    if approved is None:
        return False
    if listing.status == Status.PUBLISHED:
        return True
    return (listing.status == Status.EXPIRED
            and (now or utcnow()) <= approved.expires_at + RENEWAL_GRACE)


def lifetime_days(listing: Listing) -> int:
    """The listing's original lifetime: from posting to the expiry it was first approved
    with (kept on the listing at the first renewal, since renewing moves the expiry)."""
    if listing.lifetime_days:
        return listing.lifetime_days
    span = listing.approved_revision.expires_at - listing.created_at
    return max(1, round(span.total_seconds() / 86400))


def renewed_expiry(listing: Listing, now=None):
    """Where a renewal now moves the expiry: one lifetime further (from today for an
    expired listing), never past the category's longest lifetime from today."""
    now = now or utcnow()
    approved = listing.approved_revision
    start = max(approved.expires_at, now).astimezone(local_zone()).date()
    today = now.astimezone(local_zone()).date()
    latest = expiry_bounds(approved.category, today)[1]
    return end_of_day(min(start + timedelta(days=lifetime_days(listing)), latest))


def renew(listing: Listing, actor_id, now=None) -> bool:
    """Extend a published or recently expired listing by its original lifetime. Content
    unchanged since approval: at once, without review (True). A change waiting for review
    (or sent back): the new expiry joins that change and is reviewed with it (False)."""
    now = now or utcnow()
    if not can_renew(listing, now):
        raise IllegalTransition(_l("This listing can no longer be renewed."),
                                code="not_renewable")
    expiry = renewed_expiry(listing, now)
    lifetime = lifetime_days(listing)
    listing.lifetime_days = lifetime
    latest = listing.latest_revision
    if latest.id != listing.approved_revision_id and latest.status in (
        RevisionStatus.DRAFT, RevisionStatus.PENDING, RevisionStatus.CHANGES_REQUESTED,
    ):
        save_edit(listing, actor_id, {"expires_at": expiry})
        record_audit("renewal_submitted", actor_id=actor_id, listing_id=listing.id,
                     business_id=listing.business_id, expires_at=expiry.isoformat())
        return False
    was_expired = listing.status == Status.EXPIRED
    if was_expired:
        _move(listing, Status.PUBLISHED)
    # the approved content is unchanged; only its end date moves, so nothing new to review
    listing.approved_revision.expires_at = expiry
    record_audit("renewed", actor_id=actor_id, listing_id=listing.id,
                 business_id=listing.business_id, expires_at=expiry.isoformat())
    if was_expired:
        signals.listing_published.send(listing, reason="renewed")
    else:
        signals.listing_changed.send(listing, reason="renewed")
    db.session.flush()
    return True


def submit_new_many(entries, actor_id=None, approve=False) -> list[dict]:
    """create_listing + submit (+ approve_revision when `approve`) for many new listings in
    a few statements, for bulk imports: the same rows, states, audit entries and (through
    the bulk signals) queue items and outbox jobs as one listing at a time (keep it in step
    with those three). Table inserts, because the ORM's bulk path costs more per row than
    the rest of an import together.

    Each entry is a dict with business_id, kind, content and external_id (required: it
    finds the new rows again without RETURNING, which SQLite answers one row at a time).
    Returns listing_id, revision_id, queue_item_id and business_id for each, in order."""
    if not entries:
        return []
    now = utcnow()
    external_ids = [e["external_id"] for e in entries]
    db.session.execute(insert(Listing.__table__), [
        {"business_id": e["business_id"], "created_by_id": None, "kind": e["kind"],
         "status": Status.PUBLISHED if approve else Status.PENDING_REVIEW,
         "external_id": e["external_id"], "published_at": now if approve else None,
         "created_at": now, "updated_at": now} for e in entries])
    listing_for = dict(db.session.execute(
        select(Listing.external_id, Listing.id).where(Listing.external_id.in_(external_ids))
    ).all())
    listing_ids = [listing_for[external_id] for external_id in external_ids]
    db.session.execute(insert(Revision.__table__), [
        {**e["content"], "listing_id": listing_id, "number": 1, "author_id": None,
         "status": RevisionStatus.APPROVED if approve else RevisionStatus.PENDING,
         "created_at": now, "submitted_at": now, "decided_at": now if approve else None}
        for e, listing_id in zip(entries, listing_ids)])
    revision_for = dict(db.session.execute(
        select(Revision.listing_id, Revision.id).where(Revision.listing_id.in_(listing_ids))
    ).all())
    if approve:
        listings = Listing.__table__
        db.session.execute(
            update(listings).where(listings.c.id == bindparam("listing"))
            .values(approved_revision_id=bindparam("revision")),
            [{"listing": listing_id, "revision": revision_for[listing_id]}
             for listing_id in listing_ids])
    made = [{"listing_id": listing_id, "revision_id": revision_for[listing_id],
             "business_id": e["business_id"]}
            for e, listing_id in zip(entries, listing_ids)]
    # moderation adds each one's queue item and "submitted" audit entry, and the item's id
    # to `made` (what revision_submitted does for submit())
    signals.revisions_submitted_in_bulk.send(None, made=made, actor_id=actor_id)
    if approve:
        signals.listings_published_in_bulk.send(
            None, listing_ids=[m["listing_id"] for m in made], reason="approved")
    return made
