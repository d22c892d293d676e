"""`flask exchange sync-index` and `flask exchange reindex`."""
import time

import click

from exchange.search.index import SearchUnavailable
from exchange.search.outbox import refresh_lapsed_featuring, sync
from exchange.search.rebuild import count_public, reindex
from exchange.search.verify import verify_index

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("search")


@commands.command("sync-index")
@click.option("--timeout", default=30.0, show_default=True,
              help="Seconds to keep retrying before reporting what is left.")
def sync_index(timeout):
    """Push pending index jobs until Meilisearch confirms them (safe to re-run)."""
    refresh_lapsed_featuring()
    left = sync(timeout=timeout)
    if any(left.values()):
        click.echo(f"index not in sync yet: {left['pending']} job(s) pending, "
                   f"{left['enqueued']} waiting for Meilisearch")
        raise SystemExit(1)
    click.echo("index in sync")


@commands.command("reindex")
@click.option("--batch-size", default=5000, show_default=True)
def reindex_command(batch_size):
    """Rebuild the listings index from the database and swap it in atomically."""
    total = count_public()
    started = time.monotonic()
    with click.progressbar(length=total, label="indexing", show_pos=True,
                           item_show_func=lambda _: _rate(done[0], started)) as bar:
        done = [0]

        def advance(n):
            done[0] += n
            bar.update(n)

        try:
            figures = reindex(batch_size=batch_size, progress=advance)
        except SearchUnavailable as exc:
            raise click.ClickException(f"reindex failed, the live index is untouched: {exc}")
    click.echo(f"indexed {figures['documents']} listing(s) in {figures['seconds']:.1f}s "
               f"({figures['rate']:.0f} docs/s) and swapped the new index in")


def _rate(done: int, started: float) -> str:
    seconds = time.monotonic() - started
    return f"{done / seconds:.0f} docs/s" if seconds > 0 and done else ""


# exit status of `verify-index --dry-run` when index and database differ
EXIT_DIFFERENCES = 4


@commands.command("verify-index")
@click.option("--dry-run", is_flag=True, help="Report the differences; repair nothing.")
@click.option("--timeout", default=60.0, show_default=True,
              help="Seconds to wait for the repairs to reach Meilisearch.")
def verify_index_command(dry_run, timeout):
    """Compare the search index with the database and repair the differences.

    Exit status: 0 index and database agree, or the differences were repaired; 4 with
    --dry-run when they differ; 1 Meilisearch does not answer.
    """
    try:
        report = verify_index(fix=not dry_run)
    except SearchUnavailable as exc:
        raise click.ClickException(f"Meilisearch does not answer: {exc}")
    click.echo(f"database: {report.in_database} public listing(s); index: "
               f"{report.in_index} document(s)")
    for label, ids in (("missing from the index", report.missing),
                       ("in the index but not public", report.unexpected),
                       ("in the index but not in the database", report.unknown),
                       ("stale in the index", report.stale)):
        if ids:
            shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
            click.echo(f"{len(ids)} listing(s) {label}: {shown}")
    if not report.differences:
        click.echo("index and database agree")
        return
    if dry_run:
        click.echo("dry run: nothing was repaired")
        raise SystemExit(EXIT_DIFFERENCES)
    left = sync(timeout=timeout, while_reachable=True)
    pending = left["pending"] + left["enqueued"]
    click.echo(f"repaired {report.differences} difference(s)"
               + (f"; {pending} index job(s) still wait in the outbox" if pending else ""))
