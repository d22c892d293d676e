"""`flask exchange seed-plans` and `flask exchange expire-features`."""
import click

from exchange.cli import register
from exchange.extensions import db


@register
@click.command("seed-plans")
def seed_plans():
    """Create the default featuring plans (7 and 30 days) if there are no plans yet."""
    from exchange.payments.plans import ensure_default_plans

    created = ensure_default_plans()
    db.session.commit()
    click.echo(f"created {created} plan(s)" if created else "plans already exist")


@register
@click.command("expire-features")
def expire_features_command():
    """Re-index listings whose paid feature has ended (safe to re-run; part of `tick`)."""
    from exchange.effects import drain
    from exchange.payments.services import expire_features

    ended = expire_features()
    db.session.commit()
    drain()
    click.echo(f"{ended} feature(s) ended")
