"""What of a listing a visitor may see: confidential parts and the publisher's identity."""
from flask import g, has_app_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange import taxonomy
from exchange.accounts.permissions import belongs_to, can_moderate
from exchange.core.messages import lazy_message
from exchange.disclosure.models import AccessRequest, AccessState
from exchange.extensions import db


def granted_business_ids(listing_id: int) -> set[int]:
    return set(db.session.scalars(
        select(AccessRequest.business_id).where(AccessRequest.listing_id == listing_id,
                                                AccessRequest.state == AccessState.GRANTED)))


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


def can_see_confidential(member, listing) -> bool:
    """The owner, staff and businesses granted access read the confidential parts."""
    return belongs_to(member, listing.business_id) or can_moderate(member) or has_grant(
        member, listing)


def can_see_identity(member, listing, revision=None) -> bool:
    revision = revision or listing.approved_revision
    return revision is None or not revision.is_anonymous or can_see_confidential(member, listing)


def can_request_access(member, listing) -> bool:
    """A signed-in member of another business, about a public listing with something held back."""
    revision = listing.approved_revision
    return bool(
        member and member.is_authenticated and member.business_id
        and member.business_id != listing.business_id and listing.is_public
        and revision is not None and (revision.has_confidential_parts or revision.is_anonymous)
    )


def anonymous_label(province: str, sector: str, verified: bool = True):
    """How an anonymous listing names its publisher: by province and sector only."""
    values = {"province": taxonomy.label(taxonomy.PROVINCES, province),
              "sector": taxonomy.label(taxonomy.SECTORS, sector)}
    if verified:
        return lazy_message(_l("A verified business in %(province)s, %(sector)s"), **values)
    return lazy_message(_l("A business in %(province)s, %(sector)s"), **values)


def publisher_name(listing, member=None, revision=None):
    """The publisher's name as this member may read it (None: anyone, e.g. a mail)."""
    revision = revision or listing.approved_revision
    if member is not None and can_see_identity(member, listing, revision):
        return listing.business.name
    if revision is not None and revision.is_anonymous:
        return anonymous_label(revision.province, revision.sector,
                               bool(listing.business.is_verified))
    return listing.business.name


def shown_files(member, listing, revision) -> list:
    """The revision's files this member may see listed."""
    if can_see_confidential(member, listing):
        return list(revision.files)
    return revision.public_files


def party_name(thread, business, member):
    """A business taking part in an inquiry thread, as `member` may read its name: the
    owner of an anonymous listing stays anonymous to an inquirer without a grant."""
    if business is not None and business.id == thread.owner_business_id and thread.listing:
        return publisher_name(thread.listing, member)
    return business.name if business is not None else ""
