"""Businesses and their members."""
import hmac
import secrets
import unicodedata
from datetime import datetime
from enum import StrEnum

import idna
from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, event, inspect
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug import security

from exchange.core.panelstate import track_for_panels
from exchange.extensions import db
from exchange.taxonomy import fold
from exchange.timeutil import UTCDateTime, utcnow


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    EDITOR = "editor"  # writes the department's news and events; no moderation rights
    ADMIN = "admin"


class MatchMailMode(StrEnum):
    DAILY = "daily"
    IMMEDIATE = "immediate"
    OFF = "off"


class Business(db.Model):
    __tablename__ = "businesses"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # lower-case, without diacritics, kept by a listener: the directory's name search
    name_folded: Mapped[str] = mapped_column(String(200), default="", index=True)
    tax_code: Mapped[str] = mapped_column(String(14), unique=True)
    province: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    sector: Mapped[str | None] = mapped_column(String(40))
    website: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    is_verified: Mapped[bool] = mapped_column(default=False)
    # the business's own confidentiality agreement for its listings (None: the template)
    agreement_text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["Member"]] = relationship(back_populates="business", order_by="Member.id")

    def __repr__(self):
        return f"<Business {self.id} {self.tax_code}>"


@event.listens_for(Business.name, "set")
def _fold_business_name(business, value, _old, _initiator):
    business.name_folded = fold(value or "")[:200]


def new_session_stamp() -> str:
    return secrets.token_urlsafe(16)


class Member(UserMixin, db.Model):
    __tablename__ = "members"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int | None] = mapped_column(ForeignKey("businesses.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # stored lower-cased: uniqueness is case-insensitive on every database
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(Text)
    role: Mapped[Role] = mapped_column(String(20), default=Role.MEMBER)
    phone: Mapped[str] = mapped_column(String(30), default="")
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    can_send_inquiries: Mapped[bool] = mapped_column(default=True)
    match_mail_mode: Mapped[MatchMailMode] = mapped_column(String(20), default=MatchMailMode.DAILY)
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # carried by every session and remember cookie (get_id); a new value ends them all
    session_stamp: Mapped[str] = mapped_column(String(32), default=new_session_stamp)

    business: Mapped[Business | None] = relationship(back_populates="members")

    @staticmethod
    def normalize_email(email: str) -> str:
        """The one spelling of an address that is stored and looked up: NFKC, case-folded,
        domain IDNA-encoded. Full-width letters, ligatures, capitals and Unicode domains
        written two ways all arrive at the same account; a look-alike letter that is
        really another letter (a dotless ı) keeps its difference instead of being folded
        onto someone else's address, and forms refuse it in the local part (valid_email)."""
        text = unicodedata.normalize("NFKC", (email or "").strip())
        text = unicodedata.normalize("NFKC", text.casefold())
        local, at, domain = text.rpartition("@")
        if not at or not domain:
            return text
        try:
            domain = idna.encode(domain.rstrip("."), uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError):
            pass  # not a domain name: kept as written, and refused where addresses are entered
        return f"{local}@{domain}"

    def set_password(self, password: str) -> None:
        method = (current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
                  if has_app_context() else "scrypt")
        self.password_hash = security.generate_password_hash(password, method=method)

    def check_password(self, password: str) -> bool:
        return security.check_password_hash(self.password_hash, password)

    def get_id(self) -> str:
        """What the session and the remember cookie name: the member and the stamp that
        was current when they signed in."""
        if self.session_stamp is None:
            self.session_stamp = new_session_stamp()
        return f"{self.id}:{self.session_stamp}"

    def end_sessions(self) -> None:
        """Every session and remember cookie issued so far stops working."""
        self.session_stamp = new_session_stamp()

    def has_session_stamp(self, stamp: str) -> bool:
        return bool(self.session_stamp) and hmac.compare_digest(self.session_stamp, stamp)

    @property
    def is_active(self) -> bool:
        return self.is_active_account

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.MODERATOR, Role.ADMIN)

    @property
    def is_editor(self) -> bool:
        return self.role in (Role.EDITOR, Role.ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self):
        return f"<Member {self.id} {self.email}>"


def _ends_sessions(member, value, oldvalue, _initiator):
    # a persistent member whose password, role or standing changes is signed out everywhere,
    # whichever code makes the change (views, services, CLI); a new member has no sessions
    if member.id is not None and oldvalue is not value and oldvalue != value:
        member.session_stamp = new_session_stamp()


for _attribute in (Member.password_hash, Member.role, Member.is_active_account,
                   Member.can_send_inquiries):
    event.listen(_attribute, "set", _ends_sessions, active_history=True)


def _note_business_left(member, value, oldvalue, _initiator):
    # a member who moves leaves a business whose panels showed them (see _member_scopes)
    old = getattr(oldvalue, "id", oldvalue)
    if isinstance(old, int) and old != getattr(value, "id", value):
        inspect(member).info.setdefault("businesses_left", set()).add(old)


for _attribute in (Member.business_id, Member.business):
    event.listen(_attribute, "set", _note_business_left, active_history=True)


def _member_scopes(member):
    # the business they are in and any they left
    return (member.business_id, *inspect(member).info.pop("businesses_left", ()))


# a member's name and roles (the header), a business's standing (what it may do)
track_for_panels(Member, _member_scopes)
track_for_panels(Business, lambda business: (business.id,))
