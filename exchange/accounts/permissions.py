"""Named permission checks of accounts: the roles (requirements of the `can` vocabulary,
defined in exchange.accounts.requirements) and belonging to a business."""
from exchange.accounts.requirements import (  # noqa: F401  (what callers read from here)
    can_administer, can_edit_content, can_invite, can_moderate, can_post,
)


def belongs_to(member, business_id) -> bool:
    return bool(member and member.is_authenticated and member.business_id == business_id)
