"""`flask exchange` commands of the moderation feature."""
import click

from exchange.cli import register
from exchange.extensions import db
from exchange.moderation.queue import queue_stats
from exchange.moderation.services import release_expired_claims


@register
@click.command("release-claims")
def release_claims():
    """Return items whose claim ran out to the queue (safe to run at any time)."""
    count = release_expired_claims()
    db.session.commit()
    click.echo(f"{count} expired claim(s) released")


@register
@click.command("queue-stats")
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
