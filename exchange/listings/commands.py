"""`flask exchange approve|expire`: review and expiry from the command line."""
import click
from sqlalchemy import select

from exchange.accounts.models import Member, Role
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Listing, RevisionStatus
from exchange.moderation.models import ItemState, QueueItem, record_audit
from exchange.timeutil import utcnow

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("listings")


def _moderator(email):
    query = select(Member).where(Member.role.in_((Role.MODERATOR, Role.ADMIN)))
    if email:
        query = query.where(Member.email == Member.normalize_email(email))
    return db.session.scalars(query.order_by(Member.id)).first()


@commands.command("approve")
@click.argument("listing_id", type=int)
@click.option("--moderator", "moderator_email", default="",
              help="Decide as this moderator (default: the first moderator account).")
@click.option("--reason", default=None, help="Optional note kept with the decision.")
def approve(listing_id, moderator_email, reason):
    """Approve the listing's version waiting for review (a new listing or an edit)."""
    listing = db.session.get(Listing, listing_id)
    if listing is None:
        raise click.ClickException(f"listing {listing_id} does not exist")
    revision = listing.latest_revision
    if revision.status != RevisionStatus.PENDING:
        raise click.ClickException(
            f"listing {listing_id} has nothing waiting for review (status {listing.status})")
    item = db.session.scalar(select(QueueItem).where(
        QueueItem.revision_id == revision.id, QueueItem.state == ItemState.WAITING))
    moderator = _moderator(moderator_email)
    try:
        if item is not None and moderator is not None:
            from exchange.moderation.services import decide_item
            decide_item(item.id, moderator.id, "approve", reason)
        else:
            # no moderator account yet (a fresh install): decide as the operator
            lifecycle.approve_revision(revision, reason)
            if item is not None:
                item.state, item.decision = ItemState.DECIDED, "approve"
                item.decided_at, item.reason = utcnow(), reason
            record_audit("approved", listing_id=listing.id, business_id=listing.business_id,
                         queue_item_id=item.id if item else None, reason=reason,
                         revision_id=revision.id, via="cli")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    from exchange.effects import drain
    drain()
    click.echo(f"listing {listing_id} approved (version {revision.number}); "
               f"status {listing.status}")


@commands.command("expire")
def expire():
    """Expire published listings whose expiry date has passed."""
    expired = lifecycle.expire_due()
    db.session.commit()
    from exchange.effects import drain
    drain()
    click.echo(f"expired {expired} listing(s)")
