"""What of a listing a visitor may see: confidential parts and the publisher's identity.

Beyond the owner and staff, who may read a listing's confidential parts is decided by the
feature that grants access (exchange.disclosure): it registers its check here, so listings
never import it."""
from collections.abc import Callable

from flask_babel import lazy_gettext as _l

from exchange import taxonomy
from exchange.accounts.permissions import belongs_to, can_moderate
from exchange.core.messages import lazy_message

_grant_checks: list[Callable] = []


def register_grant_check(check: Callable) -> Callable:
    """`check(member, listing) -> bool`: whether the member's business was granted access."""
    if check not in _grant_checks:
        _grant_checks.append(check)
    return check


def has_grant(member, listing) -> bool:
    return any(check(member, listing) for check in _grant_checks)


def can_see_confidential(member, listing) -> bool:
    """The owner, staff and businesses granted access read the confidential parts."""
    return belongs_to(member, listing.business_id) or can_moderate(member) or has_grant(
        member, listing)


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


def shown_files(member, listing, revision) -> list:
    """The revision's files this member may see listed."""
    if can_see_confidential(member, listing):
        return list(revision.files)
    return revision.public_files
