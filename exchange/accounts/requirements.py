"""The permission vocabulary: small requirements combined with `&`, `|` and `~`, named once
in the `can` namespace and used alike by views (`@requires(can.moderate)`), services and
templates (`can.edit_listing(current_user, listing)`).

A requirement is called with the member (the current user, possibly anonymous) and the
objects it is about (a listing, a proposal…); role requirements ignore the objects, so they
combine with object requirements (`can.own_listing | can.moderate`). Each layer registers
its own: roles here, listing rules in exchange.listings, featuring in exchange.payments —
nothing here imports a feature."""
from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from exchange.accounts.models import Business
from exchange.core.panelstate import per_business
from exchange.extensions import db


class Requirement:
    """A named yes/no question about a member (and the objects passed after it)."""

    def __init__(self, check: Callable[..., bool], name: str | None = None):
        self.check = check
        self.name = name or getattr(check, "__name__", "requirement")
        self.__doc__ = getattr(check, "__doc__", None)

    def __call__(self, member, *objects) -> bool:
        return bool(self.check(member, *objects))

    def __and__(self, other: "Requirement") -> "Requirement":
        return Requirement(lambda member, *objects: self(member, *objects)
                           and other(member, *objects), f"({self.name} & {other.name})")

    def __or__(self, other: "Requirement") -> "Requirement":
        return Requirement(lambda member, *objects: self(member, *objects)
                           or other(member, *objects), f"({self.name} | {other.name})")

    def __invert__(self) -> "Requirement":
        return Requirement(lambda member, *objects: not self(member, *objects),
                           f"~{self.name}")

    def __repr__(self) -> str:
        return f"<Requirement {self.name}>"


def requirement(check: Callable[..., bool]) -> Requirement:
    """Decorator: a check function `(member, *objects) -> bool` as a requirement."""
    return Requirement(check)


class Vocabulary:
    """The `can` namespace: every requirement under one name (`can.moderate`)."""

    def __init__(self):
        self._requirements: dict[str, Requirement] = {}

    def register(self, name: str, rule: Callable[..., bool]) -> Requirement:
        rule = rule if isinstance(rule, Requirement) else Requirement(rule, name)
        known = self._requirements.get(name)
        if known is not None and known is not rule and known.check is not rule.check:
            raise ValueError(f"a requirement named {name!r} is already registered")
        self._requirements[name] = rule
        return rule

    def rule(self, name: str) -> Callable[[Callable[..., bool]], Requirement]:
        """Decorator: register a check function under `name` and return its requirement."""
        return lambda check: self.register(name, Requirement(check, name))

    def names(self) -> list[str]:
        return sorted(self._requirements)

    def __getattr__(self, name: str) -> Requirement:
        try:
            return self.__dict__["_requirements"][name]
        except KeyError:
            raise AttributeError(f"no requirement named {name!r}") from None


can = Vocabulary()


def requires(rule: Requirement, *, status: int = 403):
    """View decorator: anonymous visitors go to login; a signed-in member whom `rule`
    does not allow gets `status`."""

    def decorate(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not rule(current_user):
                abort(status)
            return view(*args, **kwargs)

        return wrapped

    return decorate


# --- roles: who the member is, whatever the objects ---

def signed_in_with(name: str, *attributes: str, doc: str | None = None) -> Requirement:
    """Register `name`: a signed-in member whose every one of `attributes` is true."""

    def check(member, *_) -> bool:
        return bool(member and member.is_authenticated
                    and all(getattr(member, attribute) for attribute in attributes))

    check.__doc__ = doc
    return can.register(name, Requirement(check, name))


signed_in = signed_in_with("sign_in")
represents_business = signed_in_with(
    "represent_business", "business_id",
    doc="A signed-in member of a business (whether or not it may post yet).")
can_moderate = signed_in_with("moderate", "is_moderator")
can_administer = signed_in_with("administer", "is_admin")
can_edit_content = signed_in_with(
    "edit_content", "is_editor", doc="Editors (and admins) write the department's news and events.")
can_post = signed_in_with("post", "is_email_verified", "business_id")


@can.rule("invite")
def can_invite(member, *_) -> bool:
    """An invitation carries the business's name to an outside mailbox, so only a member
    with a confirmed address, of a business the staff verified, may send one."""
    return bool(
        member and member.is_authenticated and member.is_email_verified and member.business_id
        and member.business.is_verified
    )


def _business_standing(business_id: int) -> tuple:
    business = db.session.get(Business, business_id)
    return tuple(getattr(business, column.key) for column in Business.__table__.columns
                 if column.type.python_type is bool) if business is not None else ()


def standing(member) -> tuple:
    """What the rules of `can` read of a member who is not party to a listing: their role,
    their account's standing and their business's (all but who they are). Members of one
    standing read the same panels about a listing none of them is party to."""
    if not (member and member.is_authenticated):
        return ("visitor",)
    return (str(member.role), member.is_active_account, member.email_verified_at is not None,
            member.can_send_inquiries, member.business_id is not None,
            per_business("standing", member, _business_standing))
