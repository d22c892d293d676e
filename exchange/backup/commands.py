"""`flask exchange backup DIR` and `flask exchange restore DIR`."""
import click

from exchange.backup.archive import (BackupError, code_heads, restore_backup, verify_backup,
                                     write_backup)
from exchange.search.index import SearchUnavailable
from exchange.search.outbox import sync
from exchange.search.verify import verify_index

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("backup")


@commands.command("backup")
@click.argument("directory", type=click.Path(file_okay=False))
def backup_command(directory):
    """Back up the database and the uploads into DIRECTORY (new or empty), with a
    manifest of versions and checksums."""
    try:
        manifest = write_backup(directory)
    except BackupError as exc:
        raise click.ClickException(str(exc))
    size = sum(entry["size"] for entry in manifest["files"])
    click.echo(f"backed up the {manifest['database']['kind']} database and "
               f"{len(manifest['files']) - 1} upload(s), {size / 1e6:.1f} MB, into {directory}")


@commands.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def restore_command(directory, yes):
    """Restore the database and the uploads from a backup DIRECTORY, then bring the
    search index in line with the restored database. Stop the web app and `tick` first."""
    try:
        manifest = verify_backup(directory)
    except BackupError as exc:
        raise click.ClickException(f"not restored: {exc}")
    click.echo(f"backup of {manifest['created_at']} verified: {len(manifest['files'])} "
               "file(s) match their checksums")
    if not yes:
        click.confirm("Replace the database and the uploads with this backup?", abort=True)
    try:
        result = restore_backup(directory)
    except BackupError as exc:
        raise click.ClickException(f"restore failed: {exc}")
    click.echo(f"database restored; uploads restored ({result.uploads_removed} file(s) "
               "not in the backup removed)")
    _reconcile_index()
    revision = (manifest.get("app") or {}).get("schema_revision")
    if revision is not None and revision not in code_heads():
        click.echo(f"the backup's schema is at revision {revision}: run `flask db upgrade`")


def _reconcile_index():
    try:
        report = verify_index()
    except SearchUnavailable as exc:
        click.echo(f"search index not checked, Meilisearch does not answer ({exc}); run "
                   "`flask exchange verify-index` once it is back")
        return
    left = sync(timeout=60, while_reachable=True)
    pending = left["pending"] + left["enqueued"]
    click.echo(f"search index: {report.differences} difference(s) with the restored database "
               "repaired" + (f", {pending} index job(s) still wait in the outbox"
                             if pending else ""))
