"""`flask exchange create-moderator|create-editor|create-admin`."""
import secrets

import click
from sqlalchemy import select

from exchange.accounts.models import Member, Role
from exchange.extensions import db
from exchange.timeutil import utcnow

# create_app() adds these to `flask exchange …` (exchange/cli.py); the names stay flat
commands = click.Group("accounts")


def _grant(email, role, full_name, password):
    email = Member.normalize_email(email)
    member = db.session.scalar(select(Member).where(Member.email == email))
    created = member is None
    if created:
        member = Member(email=email, full_name=full_name or email.split("@")[0])
        password = password or secrets.token_urlsafe(12)
        member.set_password(password)
        member.email_verified_at = utcnow()
        db.session.add(member)
    elif password:
        member.set_password(password)
    member.role = role
    db.session.commit()
    click.echo(f"{email} is now {role}" + (f" (password: {password})" if created else ""))


@commands.command("create-moderator")
@click.argument("email")
@click.option("--name", "full_name", default="")
@click.option("--password", default="", help="Set this password (generated for new accounts).")
def create_moderator(email, full_name, password):
    """Create a moderator account, or grant the role to an existing member."""
    _grant(email, Role.MODERATOR, full_name, password)


@commands.command("create-editor")
@click.argument("email")
@click.option("--name", "full_name", default="")
@click.option("--password", default="", help="Set this password (generated for new accounts).")
def create_editor(email, full_name, password):
    """Create an editor account (news and events), or grant the role to an existing member."""
    _grant(email, Role.EDITOR, full_name, password)


@commands.command("create-admin")
@click.argument("email")
@click.option("--name", "full_name", default="")
@click.option("--password", default="", help="Set this password (generated for new accounts).")
def create_admin(email, full_name, password):
    """Create an admin account, or grant the role to an existing member."""
    _grant(email, Role.ADMIN, full_name, password)
