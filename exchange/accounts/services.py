"""Sign-up, verification, password reset and invitations."""
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from exchange.accounts.models import Business, Member
from exchange.accounts.tokens import make_token, read_token
from exchange.core.messages import lazy_message
from exchange.errors import Conflict, DomainError
from exchange.extensions import db
from exchange.mail import queue_mail
from exchange.timeutil import utcnow


def email_taken(email: str) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(Member).where(Member.email == Member.normalize_email(email))
    ) > 0


def tax_code_taken(tax_code: str) -> bool:
    return db.session.scalar(
        select(func.count()).select_from(Business).where(Business.tax_code == tax_code)
    ) > 0


def register_business(*, business_name, tax_code, province, full_name, email, password,
                      address="", sector=None, website="", phone="", locale="vi") -> Member:
    """Create a business with its first member and send the verification mail."""
    if tax_code_taken(tax_code):
        raise Conflict(_l("A business with this tax code is already registered."),
                       code="tax_code_taken")
    if email_taken(email):
        raise Conflict(_l("An account with this email already exists."), code="email_taken")
    business = Business(name=business_name.strip(), tax_code=tax_code, province=province,
                        address=address or "", sector=sector or None, website=website or "",
                        phone=phone or "")
    member = Member(business=business, full_name=full_name.strip(),
                    email=Member.normalize_email(email), locale=locale)
    member.set_password(password)
    db.session.add_all([business, member])
    db.session.flush()
    from exchange.moderation.services import enqueue_business
    enqueue_business(business)
    send_verification(member)
    return member


def send_verification(member: Member) -> None:
    token = make_token("verify", {"m": member.id, "e": member.email})
    queue_mail(member.email, _l("Confirm your email address"), "verify_email",
               locale=member.locale, member=member,
               link=url_for("accounts.verify", token=token, _external=True))


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
    member = db.session.scalar(select(Member).where(Member.email == Member.normalize_email(email)))
    if member is None or not member.is_active or not member.check_password(password):
        return None
    return member


def _password_stamp(member: Member) -> str:
    # changes whenever the password changes, so a reset link works only once
    return member.password_hash[-16:]


def request_password_reset(email: str) -> None:
    member = db.session.scalar(select(Member).where(Member.email == Member.normalize_email(email)))
    if member is None:
        return  # say nothing: do not reveal which emails have accounts
    token = make_token("reset", {"m": member.id, "s": _password_stamp(member)})
    queue_mail(member.email, _l("Reset your password"), "reset_password", locale=member.locale,
               member=member, link=url_for("accounts.reset_password", token=token, _external=True))


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
    if inviter.business_id is None:
        raise DomainError(_l("Only members of a business can invite colleagues."))
    if email_taken(email):
        raise Conflict(_l("An account with this email already exists."), code="email_taken")
    email = Member.normalize_email(email)
    token = make_token("invite", {"b": inviter.business_id, "e": email, "by": inviter.id})
    queue_mail(email, lazy_message(_l("You are invited to join %(name)s on the exchange"),
                                   name=inviter.business.name),
               "invitation", locale=inviter.locale, inviter=inviter,
               link=url_for("accounts.accept_invite", token=token, _external=True))


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
