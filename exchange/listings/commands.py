"""`flask exchange expire`: expiry from the command line (`approve` is moderation's)."""
import click

from exchange.effects import drain
from exchange.extensions import db
from exchange.listings import lifecycle

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("listings")


@commands.command("expire")
def expire():
    """Expire published listings whose expiry date has passed."""
    expired = lifecycle.expire_due()
    db.session.commit()
    drain()
    click.echo(f"expired {expired} listing(s)")
