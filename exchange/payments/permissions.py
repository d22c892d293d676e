"""Who may feature a listing and see its orders; used by views and templates alike."""
from flask import current_app

from exchange.accounts.permissions import belongs_to, can_administer, can_post


def payments_enabled() -> bool:
    """Featuring is offered only when a Stripe secret key is configured."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def can_feature(member, listing) -> bool:
    """A posting member of the owner business may pay to feature a public listing."""
    return (
        payments_enabled()
        and can_post(member)
        and belongs_to(member, listing.business_id)
        and listing.is_public
    )


def can_see_order(member, order) -> bool:
    return belongs_to(member, order.business_id) or can_administer(member)
