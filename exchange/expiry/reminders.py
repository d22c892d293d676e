"""Reminders 14 and 2 days before a listing expires, one mail per business per round, and
the signed one-click renewal link they carry."""
from collections import defaultdict
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import contains_eager

from exchange.accounts.models import Member
from exchange.accounts.tokens import make_token, read_token
from exchange.core.urls import site_url
from exchange.deals.models import RequestClosure
from exchange.deals.notifications import business_recipients
from exchange.errors import DomainError
from exchange.expiry.models import ExpiryReminder
from exchange.extensions import db
from exchange.listings.lifecycle import RENEWAL_GRACE
from exchange.listings.models import Kind, Listing, Revision, Status
from exchange.listings.permissions import can_renew
from exchange.mail import queue_mail
from exchange.timeutil import utcnow

STAGES = (2, 14)  # days before the date, nearest first: a listing gets the nearest one due
RENEW_PURPOSE = "listing-renew"
# a link from the 14-day reminder still works through the 90 days after expiry
RENEW_LINK_MAX_AGE = int((timedelta(days=15) + RENEWAL_GRACE).total_seconds())


def reminder_date(listing: Listing):
    """("closing", date) for a request with a proposal closing date — its owners need that
    date more than the expiry — else ("expiry", the approved version's expiry)."""
    revision = listing.approved_revision
    if listing.kind == Kind.REQUEST and revision.proposals_close_at is not None:
        return "closing", revision.proposals_close_at
    return "expiry", revision.expires_at


def _due(now) -> list[tuple[Listing, str, int, object]]:
    horizon = now + timedelta(days=max(STAGES))
    listings = db.session.scalars(
        select(Listing)
        .join(Revision, Revision.id == Listing.approved_revision_id)
        .outerjoin(RequestClosure, RequestClosure.listing_id == Listing.id)
        .where(Listing.status == Status.PUBLISHED, RequestClosure.listing_id.is_(None),
               or_(and_(Revision.expires_at > now, Revision.expires_at <= horizon),
                   and_(Revision.proposals_close_at > now,
                        Revision.proposals_close_at <= horizon)))
        .options(contains_eager(Listing.approved_revision))
        .order_by(Listing.business_id, Listing.id)
    ).unique().all()
    due = []
    for listing in listings:
        subject, date = reminder_date(listing)
        if not now < date <= horizon:
            continue
        stage = next(days for days in STAGES if date - now <= timedelta(days=days))
        due.append((listing, subject, stage, date))
    if not due:
        return []
    sent = set(db.session.execute(
        select(ExpiryReminder.listing_id, ExpiryReminder.subject, ExpiryReminder.stage,
               ExpiryReminder.due_at)
        .where(ExpiryReminder.listing_id.in_([entry[0].id for entry in due]))
    ).all())
    return [entry for entry in due if (entry[0].id, entry[1], entry[2], entry[3]) not in sent]


def send_reminders(now=None) -> int:
    """Queue this round's reminders: per business one mail to each of its members listing
    every listing due. Records each reminder in the same transaction, so running again
    (the next `tick`) sends nothing twice. Returns the number of listings reminded of."""
    now = now or utcnow()
    by_business = defaultdict(list)
    for listing, subject, stage, date in _due(now):
        by_business[listing.business_id].append((listing, subject, stage, date))
    for business_id, entries in by_business.items():
        rows = [ExpiryReminder(listing_id=listing.id, business_id=business_id,
                               subject=subject, stage=stage, due_at=date, sent_at=now)
                for listing, subject, stage, date in entries]
        db.session.add_all(rows)
        db.session.flush()
        first = min(row.id for row in rows)
        for member in business_recipients(business_id):
            items = [{
                "title": listing.approved_revision.title, "subject": subject, "date": date,
                "days": max(1, -(-(date - now) // timedelta(days=1))),
                "page": site_url("listings.show", listing_id=listing.id),
                "renew": site_url("expiry.renew", token=renew_token(listing, member))
                if subject == "expiry" else None,
                "proposals": site_url("deals.compare", listing_id=listing.id)
                if subject == "closing" else None,
            } for listing, subject, stage, date in entries]
            queue_mail(member.email, _l("Your listings on the exchange end soon"),
                       "expiry_reminder", dedupe_key=f"expiry-{first}-to-{member.id}",
                       locale=member.locale or "vi", member=member, items=items,
                       dashboard=site_url("accounts.dashboard"))
    return sum(len(entries) for entries in by_business.values())


def renew_token(listing: Listing, member: Member) -> str:
    """Signed for one member and one expiry: once the listing is renewed (its expiry moved)
    the link has done its work and is refused."""
    expires = listing.approved_revision.expires_at
    return make_token(RENEW_PURPOSE, {"l": listing.id, "m": member.id,
                                      "e": int(expires.timestamp())})


def renewal_from_token(token: str) -> tuple[Listing, Member]:
    """The listing and member a renewal link was made for, if that member may still renew
    it; DomainError otherwise (forged, stale, used, or the member left the business)."""
    payload = read_token(RENEW_PURPOSE, token, RENEW_LINK_MAX_AGE)
    if not isinstance(payload, dict) or not all(
            isinstance(payload.get(key), int) and 0 < payload[key] < 2**31
            for key in ("l", "m", "e")):
        raise DomainError(_l("This link is not valid."), code="invalid_token")
    listing = db.session.get(Listing, payload["l"])
    member = db.session.get(Member, payload["m"])
    if listing is None or member is None or not member.is_active:
        raise DomainError(_l("This link is not valid."), code="invalid_token")
    if listing.approved_revision is None or \
            int(listing.approved_revision.expires_at.timestamp()) != payload["e"]:
        raise DomainError(_l("This listing was renewed already."), code="already_renewed")
    # the link acts for its member with that member's rights now, not when it was sent
    if not can_renew(member, listing):
        raise DomainError(_l("This listing can no longer be renewed from this link."),
                          code="not_renewable")
    return listing, member
