"""What a member's dashboard shows; each feature contributes its part."""
from exchange.accounts.models import Member
from exchange.listings.queries import owner_listings


def dashboard_context(member: Member) -> dict:
    return {
        "member": member,
        "business": member.business,
        "owner_listings": owner_listings(member.business_id) if member.business_id else [],
    }
