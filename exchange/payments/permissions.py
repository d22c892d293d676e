"""Who may feature a listing and see its orders, and which providers take payment."""
from flask import current_app

from exchange.accounts.permissions import belongs_to, can_administer, can_post
from exchange.payments.models import Provider
from exchange.payments.vietqr import receiving_account


def provider_enabled(provider: str) -> bool:
    if provider == Provider.STRIPE:
        return bool(current_app.config.get("STRIPE_SECRET_KEY"))
    if provider == Provider.VIETQR:
        return receiving_account() is not None
    return False


def enabled_providers() -> list[Provider]:
    """The configured providers, bank transfer first (how most Vietnamese businesses pay)."""
    return [p for p in (Provider.VIETQR, Provider.STRIPE) if provider_enabled(p)]


def payments_enabled() -> bool:
    """Featuring is offered only when at least one provider is configured."""
    return bool(enabled_providers())


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
