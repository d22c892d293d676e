"""Granting and revoking staff roles; every change audited, at least one admin kept."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from exchange.accounts.models import Member, Role
from exchange.accounts.permissions import can_administer
from exchange.errors import DomainError, NotAllowed
from exchange.extensions import db
from exchange.moderation.models import AuditEntry, record_audit

ACTIVITY_SIZE = 50


def role_values() -> list[str]:
    """Every role the exchange knows (a role added to the enum appears here by itself)."""
    return [role.value for role in Role]


def _active_admins() -> int:
    ids = db.session.scalars(
        select(Member.id).where(Member.role == Role.ADMIN, Member.is_active_account.is_(True))
        # held until the request commits: two admins demoting each other at once cannot
        # both see the other still there (PostgreSQL; SQLite writes one at a time anyway)
        .with_for_update()).all()
    return len(ids)


def set_role(admin, member, role: str) -> Member:
    if not can_administer(admin):
        raise NotAllowed(_l("Only administrators change roles."), code="not_admin")
    if role not in role_values():
        raise DomainError(_l("Unknown role."), code="role")
    old = str(member.role)
    if old == role:
        return member
    if old == Role.ADMIN and _active_admins() <= 1:
        raise DomainError(_l("The exchange needs at least one administrator: grant the role "
                             "to someone else first."), code="last_admin")
    member.role = Role(role)
    record_audit("role_changed", actor_id=admin.id, business_id=member.business_id,
                 member_id=member.id, old=old, new=role)
    db.session.flush()
    return member


def grant_by_email(admin, email: str, role: str) -> Member:
    member = db.session.scalar(select(Member).where(
        Member.email == Member.normalize_email(email or "")))
    if member is None:
        raise DomainError(_l("No account has this email address."), code="email")
    return set_role(admin, member, role)


def staff_members() -> list[tuple[Member, int]]:
    """Everyone with a role other than member, with how many audit entries they made."""
    counts = (select(AuditEntry.actor_id, func.count(AuditEntry.id).label("n"))
              .group_by(AuditEntry.actor_id).subquery())
    rows = db.session.execute(
        select(Member, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.actor_id == Member.id)
        .where(Member.role != Role.MEMBER).order_by(Member.role, Member.full_name, Member.id))
    return [(member, n) for member, n in rows.all()]


def activity(member_id, limit=ACTIVITY_SIZE) -> list[AuditEntry]:
    from sqlalchemy.orm import joinedload
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_id == member_id)
        .options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)))
