"""What a member's dashboard shows; each feature contributes its part."""
from exchange.accounts.models import Member
from exchange.core.panels import page_parts

# the page parts (core.panels.add_page_part) of the dashboard are functions of
# (member, page, gathered) returning the names their card of the template reads
# (listings: the owner's listings; moderation: the business's latest review); `gathered`
# holds what the parts before it returned (insights counts the listings the listings part
# found)
DASHBOARD = "dashboard"


def dashboard_context(member: Member, page: int = 1) -> dict:
    context = {"member": member, "business": member.business}
    return page_parts(DASHBOARD, member, page, context, into=context)
