"""What the listing lifecycle announces; the features that react connect receivers here.

lifecycle.py sends each signal synchronously, inside the transaction of the change it
announces: a receiver writes its own rows (moderation its queue items, search its index
jobs, matching its match jobs) in that same transaction, so a transition that is rolled
back leaves none of them behind. Receivers are connected when create_app registers the
feature's blueprint (`bp.record_once`), never at import time. The sender is the listing
(or, for the bulk signals, None)."""
from blinker import Namespace

_signals = Namespace()

# a version was sent for review: revision=, kind= ("listing" for a new listing's first
# version, "revision" for an edit of a published one), actor_id=, action= (the audit
# action the queue records with its item: "submitted", "revision_submitted")
revision_submitted = _signals.signal("revision-submitted")
# a pending version was decided outside or inside the queue: revision=, decision=
# ("approve", "request_changes", "reject"), reason=
revision_decided = _signals.signal("revision-decided")
# a version was approved (new content for the public) or the listing is public again:
# reason= ("approved", "restored", "renewed")
listing_published = _signals.signal("listing-published")
# the listing is no longer public: reason= ("withdrawn", "suspended", "expired")
listing_hidden = _signals.signal("listing-hidden")
# what the public sees of a listing changed without it going on or off line: reason=
# ("renewed": only its expiry moved)
listing_changed = _signals.signal("listing-changed")
# the owner withdrew the listing (public or not): actor_id=
listing_withdrawn = _signals.signal("listing-withdrawn")
# lifecycle.submit_new_many: made= (a list of dicts with listing_id, revision_id,
# business_id; a receiver of this signal adds queue_item_id), actor_id=
revisions_submitted_in_bulk = _signals.signal("revisions-submitted-in-bulk")
# lifecycle.submit_new_many with approve: listing_ids=, reason= ("approved")
listings_published_in_bulk = _signals.signal("listings-published-in-bulk")
