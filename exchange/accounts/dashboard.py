"""What a member's dashboard shows; each feature contributes its part."""
from flask import current_app

from exchange.accounts.models import Member

# app.extensions key: the parts features add to the dashboard, each a function of
# (member, page, gathered) returning the names its part of the template reads (listings:
# the owner's listings; moderation: the business's latest review); `gathered` holds what
# the parts before it returned (insights counts the listings the listings part found)
DASHBOARD_PARTS = "exchange.dashboard_parts"


def dashboard_context(member: Member, page: int = 1) -> dict:
    context = {"member": member, "business": member.business}
    for part in current_app.extensions.get(DASHBOARD_PARTS, ()):
        context.update(part(member, page, context))
    return context
