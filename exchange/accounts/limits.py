"""Abuse limits on what visitors and members send: what each counts, what a refused one reads."""
import hashlib

from flask import current_app, request
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user

from exchange.accounts.models import Member
from exchange.extensions import limiter

# the limits are settings (config.py); they are counted in RATELIMIT_STORAGE_URI, by default
# the SQLite file of exchange/ratelimits.py


# --- what a limit counts ---

def by_address() -> str:
    return "ip:" + (get_remote_address() or "unknown")


def by_account() -> str:
    if current_user.is_authenticated:
        return f"member:{current_user.id}"
    return by_address()


def by_email() -> str:
    """The email address a form names (the target of a mail, or the account signed in to);
    hashed, so the limit store holds no addresses."""
    email = Member.normalize_email(request.form.get("email") or "")
    return "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]


def setting(name):
    """The limit string comes from the config when each request is checked."""
    return lambda: current_app.config[name]


# --- the messages a refused visitor reads (gettext: rendered while the request runs) ---

def sign_in_message():
    return _("Too many sign-in attempts. Please wait a few minutes and try again.")


def sign_up_message():
    return _("Too many sign-ups from your network. Please try again later.")


def reset_message():
    return _("Too many password-reset requests. Please check your mailbox, or try again later.")


def resend_message():
    return _("We have already sent you several confirmation links. Please check your mailbox "
             "(and its spam folder), or try again later.")


def invite_message():
    return _("You have sent too many invitations. Please try again later.")


def too_fast_message():
    return _("You are sending messages too quickly. Please wait a little and try again.")


def limit(name, key_func, message, **options):
    """A limit on a route's POSTs, read from the config setting `name`."""
    return limiter.limit(setting(name), key_func=key_func, methods=["POST"],
                         error_message=message, **options)


def member_actions(message):
    """One allowance per address shared by everything a signed-in member can send
    (invitations, confirmation links, inquiries, replies): many accounts behind one address
    cannot multiply it."""
    return limiter.shared_limit(setting("MEMBER_ACTIONS_IP_RATE_LIMIT"), scope="member-actions",
                                key_func=by_address, methods=["POST"], error_message=message)
