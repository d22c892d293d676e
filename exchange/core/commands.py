"""`flask exchange seed-demo`, `send-mail` and `tick` (the periodic jobs)."""
import click

from exchange.accounts.demo import seed_people
from exchange.content.indexing import index_due
from exchange.deals.proposals import close_due, send_digests
from exchange.effects import drain
from exchange.expiry.reminders import send_reminders
from exchange.extensions import db
from exchange.insights.counting import flush as flush_counts
from exchange.listings.demo import seed_listings
from exchange.listings.lifecycle import expire_due
from exchange.mail import send_pending
from exchange.payments.services import expire_features
from exchange.search.verify import verify_if_due

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("core")


@commands.command("seed-demo")
@click.option("--listings", "listing_count", default=None, type=int,
              help="How many listings to create (default: a realistic hand-written set).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has businesses.")
def seed_demo(listing_count, if_empty):
    """Create demo businesses, members, moderators and listings (idempotent)."""
    people = seed_people(only_if_empty=if_empty)
    if people is None:
        click.echo("database already has data; nothing seeded")
        return
    db.session.commit()
    created = seed_listings(people, listing_count)
    db.session.commit()
    drain()
    click.echo(f"demo data ready: {len(people['businesses'])} businesses, {created} new listings")
    click.echo("sign in as moderator: moderator@sangiaodich.vn / demo-Password-1")


@commands.command("send-mail")
def send_mail():
    """Send mail waiting in the outbox (retries what failed before)."""
    total = 0
    while sent := send_pending():
        total += sent
    click.echo(f"sent {total} mail(s)")


@commands.command("tick")
def tick():
    """One round of periodic work: expire listings and features, remind owners of listings
    that end soon, sync the index, match, send mail."""
    expired = expire_due()
    features_ended = expire_features()
    # after expiry, so a request that expired this round closes this round too
    requests_closed = close_due()
    send_digests()
    # after expiry: what expired this round is not reminded of any more
    reminded = send_reminders()
    # news and events whose scheduled time came: pages show them already; the index
    # learns of them here, through the same outbox the drain below sends
    content_due = index_due()
    db.session.commit()
    flush_counts()
    # at a low rate (VERIFY_INDEX_INTERVAL): the index against the database, repaired by
    # index jobs that the drain below sends
    verified = verify_if_due()
    drain()
    click.echo(f"expired {expired} listing(s), {features_ended} feature(s) ended, "
               f"{requests_closed} request(s) closed to proposals, "
               f"{reminded} listing(s) reminded of their end, "
               f"{content_due} scheduled article(s)/event(s) sent to the index")
    if verified is not None:
        click.echo(f"index verified: {verified.differences} difference(s) repaired")
