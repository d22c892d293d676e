"""Sign-up, verification, password reset and invitations."""
import functools
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from werkzeug import security

from exchange.accounts import signals
from exchange.accounts.models import Business, Member
from exchange.accounts.permissions import can_invite
from exchange.accounts.tokens import make_token, read_token
from exchange.core.messages import lazy_message
from exchange.core.urls import site_url
from exchange.errors import Conflict, DomainError, NotAllowed
from exchange.extensions import db
from exchange.mail import queue_mail
from exchange.timeutil import utcnow

INVITE_REFUSED = _l("Only members with a confirmed email address, of a business the exchange "
                    "has verified, can invite colleagues.")


def email_taken(email: str) -> bool:
    return member_by_email(email) is not None


def member_by_email(email: str) -> Member | None:
    return db.session.scalar(select(Member).where(Member.email == Member.normalize_email(email)))


@functools.cache
def _dummy_hash(method: str) -> str:
    return security.generate_password_hash(secrets.token_urlsafe(16), method=method)


def spend_a_password_check(password: str) -> None:
    """Check `password` against a hash nobody has, at the cost of checking a real one, so
    that an address without an account answers no faster than one with an account."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    security.check_password_hash(_dummy_hash(method), password)


def tax_code_taken(tax_code: str) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(Business).where(Business.tax_code == tax_code)
    ) > 0


def register_business(*, business_name, tax_code, province, full_name, email, password,
                      address="", sector=None, website="", phone="", locale="vi") -> Member | None:
    """Create a business with its first member and send the verification mail.

    An address that already has an account is not revealed: nothing is created, the page
    reads the same, and the account's owner is told by mail (None is returned)."""
    if tax_code_taken(tax_code):
        # businesses and their tax codes are public on the exchange: nothing is revealed
        raise Conflict(_l("A business with this tax code is already registered."),
                       code="tax_code_taken")
    existing = member_by_email(email)
    if existing is not None:
        spend_a_password_check(password)  # the new account's hash would have cost as much
        _tell_owner_of_attempt(existing, "register", locale=locale)
        return None
    business = Business(name=business_name.strip(), tax_code=tax_code, province=province,
                        address=address or "", sector=sector or None, website=website or "",
                        phone=phone or "")
    member = Member(business=business, full_name=full_name.strip(),
                    email=Member.normalize_email(email), locale=locale)
    member.set_password(password)
    db.session.add_all([business, member])
    db.session.flush()
    signals.business_registered.send(business)  # moderation queues it for verification
    send_verification(member)
    return member


def send_verification(member: Member) -> None:
    token = make_token("verify", {"m": member.id, "e": member.email})
    queue_mail(member.email, _l("Confirm your email address"), "verify_email",
               locale=member.locale, member=member,
               link=site_url("accounts.verify", token=token))


def verify_email(token: str) -> Member:
    data = read_token("verify", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    member = db.session.get(Member, data.get("m"))
    if member is None or member.email != data.get("e"):
        raise DomainError(_l("This link is not valid."), code="invalid_token")
    if member.is_email_verified:
        raise DomainError(_l("This link has already been used. Your email is verified: "
                             "please sign in."), code="used")
    member.email_verified_at = utcnow()
    return member


def authenticate(email: str, password: str) -> Member | None:
    """The member with this address and password, if active. Every attempt checks one
    password hash, whether or not the address has an account, so the time an answer takes
    does not tell which addresses are registered."""
    member = member_by_email(email)
    if member is None:
        spend_a_password_check(password)
        return None
    if not member.check_password(password) or not member.is_active:
        return None
    return member


def _tell_owner_of_attempt(member: Member, attempt: str, *, inviter: Member | None = None,
                           locale="vi") -> None:
    """Mail the owner of an address that someone tried to register or invite: the page
    that tried says what it says for any address, the owner learns it here."""
    queue_mail(member.email, _l("Someone tried to use your email address on the exchange"),
               "account_exists", locale=member.locale or locale, member=member,
               attempt=attempt, inviter_business=inviter.business.name if inviter else "",
               login_link=site_url("accounts.login"), reset_link=_reset_link(member))


def end_all_sessions(member: Member) -> None:
    """Sign the member out everywhere: every session and remember cookie stops working."""
    member.end_sessions()
    db.session.flush()


def _password_stamp(member: Member) -> str:
    # changes whenever the password changes, so a reset link works only once
    return member.password_hash[-16:]


def _reset_link(member: Member) -> str:
    token = make_token("reset", {"m": member.id, "s": _password_stamp(member)})
    return site_url("accounts.reset_password", token=token)


def request_password_reset(email: str) -> None:
    member = member_by_email(email)
    if member is None:
        return  # say nothing: do not reveal which emails have accounts
    queue_mail(member.email, _l("Reset your password"), "reset_password", locale=member.locale,
               member=member, link=_reset_link(member))


def member_for_reset(token: str) -> Member:
    data = read_token("reset", token, current_app.config["RESET_TOKEN_MAX_AGE"])
    member = db.session.get(Member, data.get("m"))
    if member is None or _password_stamp(member) != data.get("s"):
        raise DomainError(_l("This link has already been used or is not valid."), code="used")
    return member


def reset_password(token: str, password: str) -> Member:
    member = member_for_reset(token)
    member.set_password(password)
    if not member.is_email_verified:
        member.email_verified_at = utcnow()  # the link proved the address
    return member


def invite_colleague(inviter: Member, email: str) -> None:
    if not can_invite(inviter):
        raise NotAllowed(INVITE_REFUSED, code="cannot_invite")
    existing = member_by_email(email)
    if existing is not None:
        # the inviter is told "sent", as for any address; the owner is told by mail
        _tell_owner_of_attempt(existing, "invite", inviter=inviter, locale=inviter.locale)
        return
    email = Member.normalize_email(email)
    token = make_token("invite", {"b": inviter.business_id, "e": email, "by": inviter.id})
    queue_mail(email, lazy_message(_l("You are invited to join %(name)s on the exchange"),
                                   name=inviter.business.name),
               "invitation", locale=inviter.locale, inviter=inviter,
               link=site_url("accounts.accept_invite", token=token))


def read_invitation(token: str) -> dict:
    data = read_token("invite", token, current_app.config["INVITE_TOKEN_MAX_AGE"])
    if email_taken(data["e"]):
        raise DomainError(_l("This invitation has already been used. Please sign in."),
                          code="used")
    business = db.session.get(Business, data["b"])
    if business is None:
        raise DomainError(_l("This link is not valid."), code="invalid_token")
    return {"business": business, "email": data["e"]}


def accept_invitation(token: str, full_name: str, password: str) -> Member:
    invitation = read_invitation(token)
    member = Member(business=invitation["business"], full_name=full_name.strip(),
                    email=invitation["email"], email_verified_at=utcnow())
    member.set_password(password)
    db.session.add(member)
    db.session.flush()
    return member
