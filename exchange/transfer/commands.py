"""`flask exchange import-listings` and `flask exchange export-listings`."""
import io
import os
from datetime import datetime, time

import click
from sqlalchemy import select

from exchange.accounts.models import Member
from exchange.extensions import db
from exchange.listings.forms import local_zone
from exchange.listings.models import Status
from exchange.transfer.csv_format import COLUMNS, FormatError, checked_tax_code
from exchange.transfer.exporter import iter_records, write_csv
from exchange.transfer.importer import Importer, RejectsWriter

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("transfer")


class _CountingReader(io.RawIOBase):
    """Counts the bytes read, so the progress bar can follow the file without a first pass."""

    def __init__(self, raw):
        self.raw = raw
        self.done = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        n = self.raw.readinto(buffer)
        self.done += n or 0
        return n

    def close(self):
        self.raw.close()
        super().close()


def _moderator(email):
    member = db.session.scalar(select(Member).where(Member.email == Member.normalize_email(email)))
    if member is None or not member.is_moderator:
        raise click.BadParameter(f"{email} is not a moderator account", param_hint="--moderator")
    return member


# exit statuses of import-listings besides 0 (done) and click's 1 (the file cannot be
# read) and 2 (bad options); documented in docs/operations.md
EXIT_INDEX_PENDING = 3


@commands.command("import-listings")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--status", type=click.Choice(["pending", "published"]), default="pending",
              show_default=True, help="pending: into the review queue; published: approved "
                                      "in the name of --moderator.")
@click.option("--moderator", "moderator_email", default=None,
              help="Moderator who answers for a published import (recorded in the audit log).")
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
@click.option("--rejects", "rejects_path", type=click.Path(dir_okay=False), default=None,
              help="CSV report of rejected rows (default: FILE.rejects.csv).")
@click.option("--batch-size", default=1000, show_default=True,
              help="Rows per transaction.")
@click.option("--allow-business", "allowed", multiple=True, metavar="TAXCODE",
              help="A published import may create and change listings of this business, "
                   "although it was already on the exchange (repeatable).")
@click.option("--trust-existing-businesses", is_flag=True,
              help="A published import may create and change listings of any business "
                   "already on the exchange.")
@click.option("--index-wait", type=click.FloatRange(min=0), default=None,
              help="Seconds a published import waits for Meilisearch to confirm its "
                   "documents (default: IMPORT_INDEX_TIMEOUT, 600). It never waits for a "
                   "server that does not answer.")
def import_listings_command(path, status, moderator_email, dry_run, rejects_path, batch_size,
                            allowed, trust_existing_businesses, index_wait):
    """Import listings from a CSV file (UTF-8, comma or semicolon; safe to re-run).

    A published import creates and changes listings only of the businesses it brings in
    itself; rows of businesses that were already on the exchange go to the rejects report
    unless --allow-business names them (or --trust-existing-businesses).

    Exit status: 0 done (rejected rows are in the report), 1 the file cannot be read,
    2 bad options, 3 done but index jobs still wait in the outbox.
    """
    allowed_businesses = set()
    for raw in allowed:
        if not (tax_code := checked_tax_code(raw)):
            raise click.BadParameter(f"{raw} is not a valid tax code",
                                     param_hint="--allow-business")
        allowed_businesses.add(tax_code)

    moderator_id = None
    if moderator_email:
        moderator_id = _moderator(moderator_email).id
    elif status == "published":
        raise click.UsageError("--status published needs --moderator EMAIL")
    rejects_path = rejects_path or os.path.splitext(path)[0] + ".rejects.csv"
    if os.path.abspath(rejects_path) == os.path.abspath(path):
        raise click.BadParameter("the report would overwrite the file", param_hint="--rejects")
    # the report is created with its first row, well into the run: check its place now
    if not os.access(os.path.dirname(os.path.abspath(rejects_path)), os.W_OK):
        raise click.BadParameter(f"cannot write {rejects_path}", param_hint="--rejects")
    if os.path.exists(rejects_path):
        os.remove(rejects_path)  # a report left by an earlier run would be mistaken for this one's
    size = os.path.getsize(path)
    counting = _CountingReader(open(path, "rb"))
    stream = io.BufferedReader(counting)
    rejects = RejectsWriter(rejects_path, COLUMNS)
    with click.progressbar(length=size, label="dry run" if dry_run else "importing",
                           item_show_func=lambda text: text) as bar:

        def progress(report, seconds):
            if report.rows % 100 == 0:
                rate = report.rows / seconds if seconds else 0
                bar.current_item = f"{report.rows:,} rows, {rate:,.0f} rows/s"
                bar.update(counting.done - bar.pos)

        importer = Importer(status=status, moderator_id=moderator_id, dry_run=dry_run,
                            batch_size=batch_size, rejects=rejects, progress=progress,
                            allowed_businesses=allowed_businesses,
                            trust_existing_businesses=trust_existing_businesses,
                            index_wait=index_wait)
        try:
            report = importer.run(stream)
        except FormatError as exc:
            rejects.close()
            if os.path.exists(rejects_path):
                os.remove(rejects_path)
            raise click.ClickException(f"{path}: {exc}") from None
        finally:
            stream.close()
            rejects.close()
        bar.current_item = f"{report.rows:,} rows, {report.rows_per_second:,.0f} rows/s"
        bar.update(size - bar.pos)

    verb = "would be" if dry_run else "were"
    click.echo(f"{report.rows} row(s) read in {report.seconds:.1f}s "
               f"({report.rows_per_second:,.0f} rows/s): {report.created} {verb} created, "
               f"{report.updated} updated, {report.unchanged} unchanged, "
               f"{report.rejected} rejected")
    click.echo(f"{report.businesses_created} new business(es), "
               f"{report.invitations} invitation(s) to claim them")
    if report.invitations and not dry_run:
        click.echo("the invitations are in the mail outbox: `flask exchange send-mail` (or the "
                   "periodic tick) sends them")
    _echo_existing_businesses(report, dry_run)
    if report.businesses_without_contact:
        click.echo(f"{report.businesses_without_contact} new business(es) without a "
                   "contact_email: nobody was invited to claim them")
    index_pending = False
    if report.index:
        left = report.index
        if any(left.values()):
            index_pending = True
            if report.index_unreachable:
                click.echo("search index: Meilisearch does not answer; the database part is "
                           "complete")
            click.echo(f"search index: {left['pending'] + left['enqueued']} index job(s) wait "
                       f"in the outbox ({left['pending']} job(s) pending, {left['enqueued']} "
                       "waiting for Meilisearch); `flask exchange sync-index` (or the "
                       "periodic tick) finishes them")
        else:
            click.echo("search index in sync")
    if report.rejected:
        click.echo(f"rejected rows (line, column, reason): {rejects_path}")
    if dry_run:
        click.echo("dry run: nothing was written")
    elif status == "pending" and report.created + report.updated:
        click.echo("the listings wait in the review queue (/moderation)")
    if index_pending:
        raise SystemExit(EXIT_INDEX_PENDING)


def _echo_existing_businesses(report, dry_run, shown=20) -> None:
    """Which rows touched businesses that were already here, so the operator can check."""
    touched = report.existing_businesses
    if touched:
        rows = sum(len(lines) for lines in touched.values())
        click.echo(f"{rows} row(s) {'would create or change' if dry_run else 'created or changed'}"
                   f" listings of {len(touched)} business(es) already on the exchange:")
        for tax_code, lines in list(touched.items())[:shown]:
            listed = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 else "")
            click.echo(f"  {tax_code}: line(s) {listed}")
        if len(touched) > shown:
            click.echo(f"  … and {len(touched) - shown} more business(es)")
    if report.refused_existing:
        click.echo(f"{report.refused_existing} row(s) refused: their business was already on "
                   "the exchange and is not named by --allow-business (see the rejects report)")


@commands.command("export-listings")
@click.argument("path", type=click.Path(dir_okay=False, allow_dash=True))
@click.option("--status", "statuses", multiple=True,
              type=click.Choice([s.value for s in Status]),
              help="Only listings in this status (repeatable; default: all).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only listings created or changed on or after this date (YYYY-MM-DD).")
def export_listings_command(path, statuses, since):
    """Export listings to CSV in the import format ("-" writes to standard output)."""
    since_at = datetime.combine(since.date(), time.min, tzinfo=local_zone()) if since else None
    if path == "-":
        write_csv(click.get_text_stream("stdout"), iter_records(statuses, since_at))
        return
    # a BOM, so that spreadsheets read the file as UTF-8
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        count = write_csv(stream, iter_records(statuses, since_at))
    click.echo(f"exported {count} listing(s) to {path}")
