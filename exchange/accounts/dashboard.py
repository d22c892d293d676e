"""What a member's dashboard shows; each feature contributes its part."""
from sqlalchemy import select

from exchange.accounts.models import Member
from exchange.extensions import db
from exchange.listings.queries import owner_listings
from exchange.moderation.models import ItemKind, QueueItem


def latest_business_review(business_id: int) -> QueueItem | None:
    return db.session.scalar(
        select(QueueItem)
        .where(QueueItem.business_id == business_id, QueueItem.kind == ItemKind.BUSINESS)
        .order_by(QueueItem.submitted_at.desc(), QueueItem.id.desc())
        .limit(1)
    )


def dashboard_context(member: Member, page: int = 1) -> dict:
    business_id = member.business_id
    listings_page = owner_listings(business_id, page) if business_id else None
    return {
        "member": member,
        "business": member.business,
        "business_review": latest_business_review(business_id) if business_id else None,
        "owner_listings": listings_page.items if listings_page else [],
        "owner_pages": listings_page,
    }
