"""What search hears and hooks into: the listing lifecycle's changes become index jobs (in
the change's transaction), the drain pushes them, and the page cache asks search's
freshness what the public sees. connect() runs when create_app registers the search
blueprint."""
from exchange.core.pagecache import PUBLIC_STATE
from exchange.effects import add_drain_step, queue_jobs
from exchange.listings import signals
from exchange.search import freshness
from exchange.search.models import IndexJob, record_index_job
from exchange.search.outbox import push_pending


def listing_public_change(listing, *, reason, **_):
    record_index_job(listing.id, reason)


def listings_published_in_bulk(_sender, *, listing_ids, reason, **_):
    queue_jobs(IndexJob, listing_ids, reason)


def public_state(app):
    # looked up on the module each time, so a test may stand in for freshness.current
    return freshness.current(app)


def connect(state) -> None:
    for signal in (signals.listing_published, signals.listing_hidden, signals.listing_changed):
        signal.connect(listing_public_change)
    signals.listings_published_in_bulk.connect(listings_published_in_bulk)
    # after the mail already queued, before matching (which searches the index)
    add_drain_step(state.app, push_pending, order=10, budgeted=False)
    state.app.extensions[PUBLIC_STATE] = public_state
