"""`flask exchange seed-plans`, `expire-features` and `import-statement`."""
import click

from exchange.effects import drain
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.payments.plans import ensure_default_plans
from exchange.payments.services import expire_features
from exchange.payments.statement import import_statement

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("payments")


@commands.command("seed-plans")
def seed_plans():
    """Create the default featuring plans (7 and 30 days) if there are no plans yet."""
    created = ensure_default_plans()
    db.session.commit()
    click.echo(f"created {created} plan(s)" if created else "plans already exist")


@commands.command("expire-features")
def expire_features_command():
    """Re-index listings whose paid feature has ended (safe to re-run; part of `tick`)."""
    ended = expire_features()
    db.session.commit()
    drain()
    click.echo(f"{ended} feature(s) ended")


@commands.command("import-statement")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_statement_command(path):
    """Record the credits of a bank statement (CSV or XLSX); re-running it changes nothing."""
    from pathlib import Path

    try:
        result = import_statement(path, Path(path).read_bytes(), None)
    except DomainError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    drain()
    click.echo(f"{result.rows} credit(s): {result.recorded} new, {result.duplicates} already "
               f"recorded, {result.fulfilled} order(s) paid, {result.queued} for review"
               + (f"; lines without a transaction id: {result.skipped}" if result.skipped
                  else ""))
