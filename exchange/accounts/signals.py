"""What accounts announce; moderation connects a receiver (see exchange.listings.signals
for how signals are used)."""
from blinker import Namespace

_signals = Namespace()

# sign-up registered a new business (sender), flushed, in the sign-up's transaction
business_registered = _signals.signal("business-registered")
