"""`flask exchange` commands of the moderation feature."""
import click
from sqlalchemy import select

from exchange.accounts.models import Member, Role
from exchange.core.audit import record_audit
from exchange.effects import drain
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.models import Listing, RevisionStatus
from exchange.moderation.decisions import record_decision
from exchange.moderation.models import Decision, ItemState, QueueItem
from exchange.moderation.queue import queue_stats
from exchange.moderation.services import decide_item, release_expired_claims, set_member_suspended

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("moderation")


@commands.command("release-claims")
def release_claims():
    """Return items whose claim ran out to the queue (safe to run at any time)."""
    count = release_expired_claims()
    db.session.commit()
    click.echo(f"{count} expired claim(s) released")


@commands.command("queue-stats")
def show_queue_stats():
    """Print the review queue's counts, oldest item and median wait."""
    stats = queue_stats()
    for state, count in stats.counts.items():
        click.echo(f"{state:>10}: {count}")
    for kind, count in stats.waiting_by_kind.items():
        click.echo(f"  waiting {kind}: {count}")
    if stats.oldest is not None:
        click.echo(f"oldest waiting: #{stats.oldest.id} since {stats.oldest.submitted_at:%Y-%m-%d %H:%M} UTC")
    if stats.median_wait is not None:
        click.echo(f"median wait (7 days, {stats.decided_recently} decided): {stats.median_wait}")


def _member_by_email(email):
    member = db.session.scalar(select(Member).where(Member.email == Member.normalize_email(email)))
    if member is None:
        raise click.ClickException(f"no member with the email {email}")
    return member


@commands.command("suspend-member")
@click.argument("email")
@click.option("--reason", required=True, help="Why; kept in the audit log.")
def suspend_member(email, reason):
    """Close a member's account: sign-in is refused and every open session ends."""
    member = set_member_suspended(_member_by_email(email).id, None, reason, suspended=True)
    db.session.commit()
    click.echo(f"{member.email} is suspended; every session has ended")


@commands.command("restore-member")
@click.argument("email")
@click.option("--reason", required=True, help="Why; kept in the audit log.")
def restore_member(email, reason):
    """Reopen a suspended member's account."""
    member = set_member_suspended(_member_by_email(email).id, None, reason, suspended=False)
    db.session.commit()
    click.echo(f"{member.email} can sign in again")


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
            decide_item(item.id, moderator.id, "approve", reason)
        else:
            # no moderator account yet (a fresh install): decide as the operator
            if item is not None:
                record_decision(QueueItem.id == item.id, Decision.APPROVE, None, reason,
                                via="cli")
            lifecycle.approve_revision(revision, reason)
            record_audit("approved", listing_id=listing.id, business_id=listing.business_id,
                         queue_item_id=item.id if item else None, reason=reason,
                         revision_id=revision.id, via="cli")
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error.message)) from None
    drain()
    click.echo(f"listing {listing_id} approved (version {revision.number}); "
               f"status {listing.status}")
