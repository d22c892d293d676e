"""What owners learn from their listings: views, search impressions, inquiries, requests
for confidential details and proposals over the last 30 and 90 days, read in a few grouped
statements."""
from datetime import timedelta

from sqlalchemy import func, select

from exchange.deals.models import Proposal
from exchange.disclosure.models import AccessRequest
from exchange.extensions import db
from exchange.inquiries.models import Thread
from exchange.insights.models import ListingDayCount
from exchange.listings.forms import local_today
from exchange.timeutil import utcnow

PERIODS = (30, 90)
FIGURES = ("views", "impressions", "inquiries", "access_requests", "proposals")


def figures_for(listing_ids, days: int) -> dict[int, dict[str, int]]:
    """{listing id: {figure: count}} over the last `days` days (today included)."""
    ids = list(listing_ids)
    figures = {listing_id: dict.fromkeys(FIGURES, 0) for listing_id in ids}
    if not ids:
        return figures
    first_day = local_today() - timedelta(days=days - 1)
    since = utcnow() - timedelta(days=days)
    for listing_id, views, impressions in db.session.execute(
        select(ListingDayCount.listing_id, func.sum(ListingDayCount.views),
               func.sum(ListingDayCount.impressions))
        .where(ListingDayCount.listing_id.in_(ids), ListingDayCount.day >= first_day)
        .group_by(ListingDayCount.listing_id)
    ):
        figures[listing_id].update(views=int(views or 0), impressions=int(impressions or 0))
    for column, created, name in (
            (Thread.listing_id, Thread.created_at, "inquiries"),
            (AccessRequest.listing_id, AccessRequest.created_at, "access_requests"),
            (Proposal.request_id, Proposal.created_at, "proposals")):
        for listing_id, count in db.session.execute(
            select(column, func.count()).where(column.in_(ids), created >= since)
            .group_by(column)
        ):
            figures[listing_id][name] = count
    return figures


def listing_figures(listing_id: int) -> dict[int, dict[str, int]]:
    """{period in days: figures} for one listing's stats page."""
    return {days: figures_for([listing_id], days)[listing_id] for days in PERIODS}
