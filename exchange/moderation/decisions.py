"""The one writer of a queue item's state: decisions, wherever they are made, and
cancellations."""
from sqlalchemy import and_, or_, update

from exchange.extensions import db
from exchange.moderation.models import Decision, ItemState, QueueItem
from exchange.timeutil import utcnow

# where a decision comes from: the review queue, `flask exchange approve`, an import that
# publishes, a lifecycle step taken without the queue (demo data, a decision recorded
# first by one of the others), the owner withdrawing the listing (a cancellation)
VIAS = ("queue", "cli", "import", "lifecycle", "owner")


def claimable_by(moderator_id, now):
    """The rows a moderator may take: waiting, and free, expired or already theirs."""
    return and_(
        QueueItem.state == ItemState.WAITING,
        or_(
            QueueItem.claimed_by_id.is_(None),
            QueueItem.claim_expires_at.is_(None),
            QueueItem.claim_expires_at <= now,
            QueueItem.claimed_by_id == moderator_id,
        ),
    )


def record_decision(which, decision, moderator_id=None, reason=None, *, via: str,
                    now=None) -> int:
    """Mark the waiting items `which` (a condition on QueueItem) decided, or with `decision`
    None cancelled (their subject went away before a decision). Returns how many changed.

    The condition sits in the UPDATE itself: through the queue (via="queue") only an item
    this moderator may take changes, and stays claimed by them, so of two moderators
    deciding at once exactly one UPDATE touches the row (PostgreSQL re-checks the
    condition after the first one commits); the caller refreshes the item. Elsewhere any
    waiting item changes and the session's copies are brought up to date."""
    if via not in VIAS:
        raise ValueError(f"via must be one of {', '.join(VIAS)}")
    now = now or utcnow()
    if decision is None:
        values = {"state": ItemState.CANCELLED}
    else:
        values = {"state": ItemState.DECIDED, "decision": Decision(decision).value,
                  "reason": reason, "decided_by_id": moderator_id, "decided_at": now}
    condition, synchronize = QueueItem.state == ItemState.WAITING, "fetch"
    if via == "queue":
        condition, synchronize = claimable_by(moderator_id, now), False
        values.update(claimed_by_id=moderator_id, claim_expires_at=None)
    result = db.session.execute(
        update(QueueItem).where(which, condition).values(**values)
        .execution_options(synchronize_session=synchronize))
    return result.rowcount
