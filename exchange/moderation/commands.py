"""`flask exchange` commands of the moderation feature."""
import click

from exchange.extensions import db
from exchange.moderation.queue import queue_stats
from exchange.moderation.services import release_expired_claims

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
    from sqlalchemy import select

    from exchange.accounts.models import Member
    member = db.session.scalar(select(Member).where(Member.email == Member.normalize_email(email)))
    if member is None:
        raise click.ClickException(f"no member with the email {email}")
    return member


@commands.command("suspend-member")
@click.argument("email")
@click.option("--reason", required=True, help="Why; kept in the audit log.")
def suspend_member(email, reason):
    """Close a member's account: sign-in is refused and every open session ends."""
    from exchange.moderation.services import set_member_suspended
    member = set_member_suspended(_member_by_email(email).id, None, reason, suspended=True)
    db.session.commit()
    click.echo(f"{member.email} is suspended; every session has ended")


@commands.command("restore-member")
@click.argument("email")
@click.option("--reason", required=True, help="Why; kept in the audit log.")
def restore_member(email, reason):
    """Reopen a suspended member's account."""
    from exchange.moderation.services import set_member_suspended
    member = set_member_suspended(_member_by_email(email).id, None, reason, suspended=False)
    db.session.commit()
    click.echo(f"{member.email} can sign in again")
