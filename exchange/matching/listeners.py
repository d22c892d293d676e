"""What matching hears and hooks into: a listing going on or off line becomes a match job
(in the change's transaction), and the drain runs the jobs. connect() runs when create_app
registers the matching blueprint."""
from exchange.effects import add_drain_step, queue_jobs
from exchange.listings import signals
from exchange.matching.models import MatchJob, record_match_job
from exchange.matching.outbox import drain_matching


def listing_on_or_off_line(listing, *, reason, **_):
    record_match_job(listing.id, reason)


def listings_published_in_bulk(_sender, *, listing_ids, reason, **_):
    queue_jobs(MatchJob, listing_ids, reason)


def connect(state) -> None:
    # a renewal that only moves the expiry (listing_changed) changes no counterpart
    for signal in (signals.listing_published, signals.listing_hidden):
        signal.connect(listing_on_or_off_line)
    signals.listings_published_in_bulk.connect(listings_published_in_bulk)
    # after the index jobs are pushed: matching searches the index
    add_drain_step(state.app, drain_matching, order=20, budgeted=True)
