"""Mail about access requests, queued in the outbox (one per member and cause)."""
from flask_babel import lazy_gettext as _l

from exchange.core.urls import site_url
from exchange.deals.notifications import business_recipients
from exchange.mail import queue_mail


def _to_business(business_id, subject, template, dedupe, **context) -> None:
    for member in business_recipients(business_id):
        queue_mail(member.email, subject, template, dedupe_key=f"{dedupe}-to-{member.id}",
                   locale=member.locale or "vi", member=member, **context)


def request_received(access) -> None:
    """The owner learns that a business asks for access (its name is not hidden from them)."""
    _to_business(access.listing.business_id, _l("A business asks for your listing's details"),
                 "access_requested", f"access-requested-{access.id}", access=access,
                 title=access.listing.approved_revision.title,
                 link=site_url("disclosure.owner_requests"))


SUBJECTS = {
    "granted": _l("You were granted access to a listing's details"),
    "refused": _l("Your request for a listing's details was refused"),
    "revoked": _l("Your access to a listing's details was revoked"),
}


def request_decided(access) -> None:
    """The member who asked learns the owner's decision."""
    member = access.member
    queue_mail(member.email, SUBJECTS[str(access.state)], "access_decided",
               dedupe_key=f"access-{access.state}-{access.id}", locale=member.locale or "vi",
               member=member, access=access, title=access.listing.approved_revision.title,
               link=site_url("listings.show", listing_id=access.listing_id),
               requests_link=site_url("disclosure.my_requests"))
