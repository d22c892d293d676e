"""Who may feature a listing and see its orders, and which providers take payment.

Featuring is decided here, once (`can.feature`): the listing page's button, the checkout
route and the service that places the order all ask it."""
from flask import current_app

from exchange.accounts.permissions import belongs_to, can_administer, can_post
from exchange.accounts.requirements import can
from exchange.listings.permissions import is_owner, listing_is_public
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


@can.rule("take_payments")
def payments_on(member, *_) -> bool:
    """Featuring is offered (a payment provider is configured), whoever asks."""
    return payments_enabled()


# the owner's featuring panel (its orders, refunds due) and the checkout route: the owner
# business, whatever the listing's state
can_manage_featuring = can.register("manage_featuring", payments_on & is_owner)
# a posting member of the owner business may pay to feature a public listing
can_feature = can.register("feature", payments_on & can_post & is_owner & listing_is_public)


@can.rule("see_order")
def can_see_order(member, order) -> bool:
    return belongs_to(member, order.business_id) or can_administer(member)
