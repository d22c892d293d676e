"""`flask exchange import-news` and `flask exchange reindex-content`."""
import csv
import time

import click

from exchange.content.importer import Report, import_items, read_items
from exchange.content.indexing import reindex_all
from exchange.effects import drain
from exchange.extensions import db
from exchange.search.outbox import sync

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("content")


@commands.command("import-news")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), default=None,
              help="CSV report of rejected items (default: FILE.rejects.csv).")
@click.option("--author", "author_name", default="", help="Author name shown on the articles.")
@click.option("--batch-size", default=500, show_default=True, help="Items per transaction.")
def import_news(path, rejects_path, author_name, batch_size):
    """Import news from an RSS/Atom file or a CSV (id,title,date,body_html[,image_url,
    category,tags]). Items are published with their own date; one already imported (same
    guid or id) is left alone, so a re-run creates nothing."""
    started = time.monotonic()  # reading and parsing the file count too
    try:
        total, items = read_items(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(str(exc)) from None
    report = Report()
    with click.progressbar(length=total, label="importing news", show_pos=True) as bar:
        import_items(items, report, author_name=author_name, batch_size=batch_size,
                     progress=bar.update)
    elapsed = max(time.monotonic() - started, 1e-6)
    drain()
    rejects_path = rejects_path or f"{path}.rejects.csv"
    if report.rejects:
        with open(rejects_path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "id", "reason"])
            writer.writerows(report.rejects)
    click.echo(f"{report.created} created, {report.existing} already imported, "
               f"{len(report.rejects)} rejected in {elapsed:.1f} s "
               f"({total / elapsed:.0f} items/s)")
    if report.rejects:
        click.echo(f"rejects: {rejects_path}")


@commands.command("reindex-content")
def reindex_content():
    """Send every public article and event to the content index again."""
    count = reindex_all()
    db.session.commit()
    sync()
    click.echo(f"{count} article(s) and event(s) sent to the index")
