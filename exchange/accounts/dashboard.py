"""What a member's dashboard shows; each feature contributes its part."""
from exchange.accounts.models import Member


def dashboard_context(member: Member) -> dict:
    context = {"member": member, "business": member.business, "owner_listings": []}
    if member.business_id:
        from exchange.listings import queries
        if hasattr(queries, "owner_listings"):
            context["owner_listings"] = queries.owner_listings(member.business_id)
    return context
