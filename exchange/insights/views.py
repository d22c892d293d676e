"""The counters' hooks and the owner's page of one listing's figures."""
from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user, login_required

from exchange.core.pagecache import SHOWN
from exchange.extensions import db
from exchange.insights import counting, queries
from exchange.listings import permissions
from exchange.listings.models import Listing

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


@bp.app_context_processor
def _insight_helpers():
    return {"listing_figures": queries.figures_for}


@bp.route("/listings/<int:listing_id>/stats")
@login_required
def listing_stats(listing_id):
    listing = db.session.get(Listing, listing_id)
    if listing is None or not permissions.is_owner(current_user, listing):
        abort(404)
    return render_template("insights/listing_stats.html", listing=listing,
                           revision=listing.approved_revision or listing.latest_revision,
                           figures=queries.listing_figures(listing.id),
                           periods=queries.PERIODS)
