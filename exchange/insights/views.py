"""The counters' hooks and the owner's page of one listing's figures."""
from flask import Blueprint, current_app, render_template, request
from flask_login import login_required

from exchange.accounts.dashboard import DASHBOARD
from exchange.accounts.requirements import can
from exchange.core.pagecache import SHOWN
from exchange.core.panels import add_page_part
from exchange.extensions import db
from exchange.insights import counting, queries
from exchange.listings.models import Listing
from exchange.listings.visibility import visible_listing

bp = Blueprint("insights", __name__)


@bp.record_once
def _listen(state):
    # answers the page cache replays are counted there (core.pagecache.tell_counters)
    state.app.extensions.setdefault(SHOWN, []).append(counting.record)


@bp.after_app_request
def _count_answer(response):
    shown = request.environ.get(SHOWN)
    if shown and response.status_code == 200:
        counting.record(current_app._get_current_object(), request.environ, shown)
    return response


def dashboard_figures(_member, _page, gathered) -> dict:
    """The last 30 days' figures of the listings the dashboard lists."""
    listings = gathered.get("owner_listings") or []
    return {"listing_figures": queries.figures_for([item.id for item in listings], 30)}


add_page_part(bp, DASHBOARD, dashboard_figures)


@bp.route("/listings/<int:listing_id>/stats")
@login_required
def listing_stats(listing_id):
    listing = visible_listing(listing_id, can.own_listing,
                              load=lambda key: db.session.get(Listing, key))
    return render_template("insights/listing_stats.html", listing=listing,
                           revision=listing.approved_revision or listing.latest_revision,
                           figures=queries.listing_figures(listing.id),
                           periods=queries.PERIODS)
