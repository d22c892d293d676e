"""What of a listing a visitor may see: confidential parts and the publisher's identity."""
from flask import g, has_app_context
from sqlalchemy import select

from exchange.accounts.requirements import can
from exchange.disclosure.models import AccessRequest, AccessState
from exchange.extensions import db
from exchange.listings.visibility import (  # noqa: F401  (what callers read from here)
    anonymous_label, can_see_confidential, can_see_identity, publisher_name, register_grant_check,
    shown_files,
)


def granted_business_ids(listing_id: int) -> set[int]:
    return set(db.session.scalars(
        select(AccessRequest.business_id).where(AccessRequest.listing_id == listing_id,
                                                AccessRequest.state == AccessState.GRANTED)))


@register_grant_check
def has_grant(member, listing) -> bool:
    """Whether the member's business holds a grant for the listing (kept per request)."""
    if not (member and member.is_authenticated and member.business_id):
        return False
    # a page asks several times (panel, files, name): one query per listing and request
    cache = g.setdefault("disclosure_grants", {}) if has_app_context() else {}
    key = (listing.id, member.business_id)
    if key not in cache:
        cache[key] = db.session.scalar(
            select(AccessRequest.id).where(AccessRequest.listing_id == listing.id,
                                           AccessRequest.business_id == member.business_id,
                                           AccessRequest.state == AccessState.GRANTED)
            .limit(1)) is not None
    return cache[key]


@can.rule("request_access")
def can_request_access(member, listing) -> bool:
    """A signed-in member of another business, about a public listing with something held back."""
    revision = listing.approved_revision
    return bool(
        member and member.is_authenticated and member.business_id
        and member.business_id != listing.business_id and listing.is_public
        and revision is not None and (revision.has_confidential_parts or revision.is_anonymous)
    )
