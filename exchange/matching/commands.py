"""`flask exchange send-alerts` and `flask exchange rematch`."""
import time

import click
from sqlalchemy import func, select

from exchange.effects import drain
from exchange.extensions import db
from exchange.matching.alerts import send_alerts
from exchange.matching.models import MatchJob, MatchJobState, SavedSearch
from exchange.matching.notices import send_match_notices
from exchange.matching.services import match_all_public, run_match_jobs
from exchange.search.index import SearchUnavailable

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("matching")


@commands.command("send-alerts")
def send_alerts_command():
    """Mail each member the listings published since the last run that match their saved
    searches, one digest per member (safe to re-run: nothing is announced twice)."""
    total = db.session.scalar(select(func.count()).select_from(SavedSearch)) or 0
    started = time.monotonic()
    done = [0]
    with click.progressbar(length=total, label="saved searches", show_pos=True,
                           item_show_func=lambda _: _rate(done[0], started)) as bar:
        def advance(n):
            done[0] += n
            bar.update(n)
        try:
            figures = send_alerts(progress=advance)
        except SearchUnavailable as exc:
            db.session.rollback()
            raise click.ClickException(f"search engine unavailable, nothing sent: {exc}")
    drain()
    click.echo(f"{figures['searches']} saved search(es) in {figures['seconds']:.1f}s: "
               f"{figures['mails']} digest(s), {figures['listings']} listing(s) announced")


@commands.command("rematch")
def rematch_command():
    """Recompute the matches of every public listing (after a bulk import or tuning)."""
    queued = match_all_public()
    with click.progressbar(length=queued, label="matching", show_pos=True) as bar:
        while True:
            done = run_match_jobs(force=True)
            bar.update(done)
            left = db.session.scalar(select(func.count()).select_from(MatchJob).where(
                MatchJob.state == MatchJobState.PENDING))
            if not left or not done:
                break
    send_match_notices()
    click.echo(f"matched {queued} listing(s); {left} left pending")


def _rate(done: int, started: float) -> str:
    seconds = time.monotonic() - started
    return f"{done / seconds:.0f}/s" if seconds > 0 and done else ""
