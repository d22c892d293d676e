"""What of a listing a visitor may see: the listing itself (and the one loader of a listing
for a visitor), its confidential parts and the publisher's identity.

Beyond the owner and staff, who may read a listing's confidential parts is decided by the
feature that grants access (exchange.disclosure): it registers its check here, so listings
never import it."""
from collections.abc import Callable

from flask import abort, current_app, g
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from exchange import taxonomy
from exchange.accounts.permissions import belongs_to, can_moderate
from exchange.accounts.requirements import can, requirement, standing
from exchange.core.bounded import bounded_in
from exchange.core.messages import lazy_message
from exchange.listings import queries
from exchange.extensions import db
from exchange.listings.models import Listing

_grant_checks: list[Callable] = []
OWNERS = "listings.owners"  # app.extensions: listing id -> its business, in this process
# listing ids are 32-bit columns on PostgreSQL: a larger number would be a database error
MAX_ID = 2 ** 31


@can.rule("own_listing")
def is_owner(member, listing, *_) -> bool:
    """A member of the business that posted the listing."""
    return belongs_to(member, listing.business_id)


@requirement
def listing_is_public(member, listing, *_) -> bool:
    """Published and unexpired: what anyone may see."""
    return listing.is_public


can.register("see_public_listing", listing_is_public)
# the public sees published, unexpired listings; owners and moderators see any state
can_view = can.register("view_listing", listing_is_public | is_owner | can_moderate)
# unapproved content (drafts, pending revisions, their files)
can_view_private = can.register("view_private_listing", is_owner | can_moderate)


def find_visible_listing(listing_id: int, may_see: Callable = can_view, member=None,
                         load: Callable = queries.listing_for_page) -> Listing | None:
    """The listing if `may_see(member, listing)` (the current user by default), else None."""
    if not 0 < listing_id < MAX_ID:
        return None
    listing = load(listing_id)
    member = current_user if member is None else member
    if listing is None or not may_see(member, listing):
        return None
    return listing


def visible_listing(listing_id: int, may_see: Callable = can_view, member=None,
                    load: Callable = queries.listing_for_page) -> Listing:
    """A listing this visitor may see; anything else is a 404, so hidden listings stay
    unknown. `may_see` narrows it (e.g. `can.see_public_listing` for pages kept for
    everyone, `can.own_listing` for the owner's own pages)."""
    listing = find_visible_listing(listing_id, may_see, member, load)
    if listing is None:
        abort(404)
    return listing


def listing_for_panel(listing_id: int) -> Listing | None:
    """The listing a page's panels are about, loaded once per request (the page's view
    hands over the one it loaded: `keep_for_panels`); None if this visitor may not see it."""
    loaded = g.setdefault("listings_for_panels", {})
    if listing_id not in loaded:
        loaded[listing_id] = find_visible_listing(listing_id)
    return loaded[listing_id]


def keep_for_panels(listing: Listing) -> None:
    g.setdefault("listings_for_panels", {})[listing.id] = listing


def note_listed(listings) -> None:
    """The page being rendered lists these listings (their publishers' names, say)."""
    g.setdefault("listings_listed", []).extend(listings)


def listed() -> list[Listing]:
    return list(g.get("listings_listed", ()))


def register_grant_check(check: Callable) -> Callable:
    """`check(member, listing) -> bool`: whether the member's business was granted access."""
    if check not in _grant_checks:
        _grant_checks.append(check)
    return check


@can.rule("hold_grant")
def has_grant(member, listing, *_) -> bool:
    """The member's business was granted access to the listing's confidential parts."""
    return any(check(member, listing) for check in _grant_checks)


# the owner, staff and businesses granted access read the confidential parts
can_see_confidential = can.register("see_confidential", is_owner | can_moderate | has_grant)


@can.rule("see_identity")
def can_see_identity(member, listing, revision=None) -> bool:
    revision = revision or listing.approved_revision
    return revision is None or not revision.is_anonymous or can_see_confidential(member, listing)


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


def party_name(thread, business, member=None):
    """A business taking part in an inquiry thread, as `member` may read its name: the
    owner of an anonymous listing stays anonymous to an inquirer without a grant."""
    if business is not None and business.id == thread.owner_business_id and thread.listing:
        return publisher_name(thread.listing, member)
    return business.name if business is not None else ""


def reads_as_public(member, listing) -> bool:
    """Whether `member` reads the listing's page as any visitor does: not its owner or
    staff, and not holding access to what it keeps from the public."""
    if not (member and member.is_authenticated):
        return True
    if can_view_private(member, listing):
        return False
    return not (is_sensitive(listing) and has_grant(member, listing))


def is_sensitive(listing) -> bool:
    """Its approved version hides the publisher or keeps parts from the public."""
    revision = listing.approved_revision
    return revision is not None and (revision.is_anonymous or revision.has_confidential_parts)


def shared_page_guard_arguments(listing) -> dict:
    """What `shared_page_guard` is asked with for a listing's page: the businesses whose
    members read it otherwise (the owner; the publisher of a listed anonymous listing, which
    names itself to its own business and those granted access) and those listings."""
    sensitive = [item for item in listed()
                 if item.approved_revision and item.approved_revision.is_anonymous]
    if is_sensitive(listing):
        sensitive.append(listing)
    return {"business_ids": sorted({listing.business_id}
                                   | {item.business_id for item in sensitive}),
            "sensitive_ids": sorted({item.id for item in sensitive})}


def shared_page_guard(member, business_ids: list[int], sensitive_ids: list[int]) -> bool:
    """The guard of a page shared with members (`pagecache.share_with_members`) that shows
    listings of `business_ids`, `sensitive_ids` among them: the member reads the page as any
    visitor does — not staff, not of one of those businesses, without access to a
    sensitive one."""
    if not (member and member.is_authenticated):
        return True
    if can_moderate(member) or member.business_id in business_ids:
        return False
    for listing_id in sensitive_ids:
        listing = queries.listing_for_page(listing_id)
        if listing is not None and has_grant(member, listing):
            return False
    return True


def shown_files(member, listing, revision) -> list:
    """The revision's files this member may see listed."""
    if can_see_confidential(member, listing):
        return list(revision.files)
    return revision.public_files


def owner_business_of(listing_id: int) -> int | None:
    """The business a listing belongs to (it never changes hands), kept in this process."""
    owners = bounded_in(current_app, OWNERS, 100_000)
    owner = owners.get(listing_id)
    if owner is None and 0 < listing_id < MAX_ID:
        owner = db.session.scalar(select(Listing.business_id).where(Listing.id == listing_id))
        if owner is not None:
            owners.set(listing_id, owner)
    return owner


def shared_standing(member, listing_id: int, *parties: frozenset | None):
    """For a panel about a listing (`panels.panel`'s `shared_by`): the member's standing,
    shared with every member of that standing, unless their business owns the listing or
    is among its `parties` (the listing ids their business has to do with, as a feature
    counts them: conversations, proposals, access requests); then None."""
    business_id = getattr(member, "business_id", None)
    if business_id and (owner_business_of(listing_id) == business_id
                        or any(listing_id in (listed or ()) for listed in parties)):
        return None
    return standing(member)
