"""Who may see, edit, withdraw and submit a listing; used by views and templates alike."""
from exchange.accounts.permissions import belongs_to, can_moderate, can_post
from exchange.listings.lifecycle import can_renew as renewable, can_transition
from exchange.listings.models import RevisionStatus, Status
from exchange.listings.visibility import has_grant

EDITABLE = (
    Status.DRAFT, Status.PENDING_REVIEW, Status.CHANGES_REQUESTED, Status.PUBLISHED,
    Status.EXPIRED, Status.SUSPENDED,
)


def is_owner(member, listing) -> bool:
    return belongs_to(member, listing.business_id)


def can_view(member, listing) -> bool:
    """The public sees published, unexpired listings; owners and moderators see any state."""
    return listing.is_public or is_owner(member, listing) or can_moderate(member)


def can_view_private(member, listing) -> bool:
    """Unapproved content (drafts, pending revisions, their files)."""
    return is_owner(member, listing) or can_moderate(member)


def can_edit(member, listing) -> bool:
    return can_post(member) and is_owner(member, listing) and listing.status in EDITABLE


def can_withdraw(member, listing) -> bool:
    return can_post(member) and is_owner(member, listing) and can_transition(
        listing, Status.WITHDRAWN)


def can_submit(member, listing) -> bool:
    """A draft, or a listing sent back for changes, can be sent to review as it is."""
    return (
        can_post(member)
        and is_owner(member, listing)
        and listing.status in (Status.DRAFT, Status.CHANGES_REQUESTED)
        and listing.latest_revision.status != RevisionStatus.PENDING
    )


def can_see_file(member, listing, revision_file) -> bool:
    """Files of the approved revision of a public listing are public, except confidential
    ones, which only businesses granted access see; others are private."""
    if can_view_private(member, listing):
        return True
    if not (listing.is_public and revision_file.revision_id == listing.approved_revision_id):
        return False
    if revision_file.is_confidential:
        return has_grant(member, listing)
    return True


def can_renew(member, listing) -> bool:
    """The owner renews a published listing, or one expired less than 90 days ago."""
    return can_post(member) and is_owner(member, listing) and renewable(listing)
