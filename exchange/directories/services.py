"""Keeping the expert directory: register, edit, review; every staff change is audited."""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from exchange import taxonomy
from exchange.accounts.models import Business
from exchange.accounts.permissions import can_moderate
from exchange.accounts.requirements import can
from exchange.directories.models import (SERVICES, Expert, ExpertSector, ExpertService,
                                         ExpertState)
from exchange.errors import DomainError, NotAllowed
from exchange.extensions import db
from exchange.moderation.models import record_audit
from exchange.timeutil import utcnow

REASON_MAX = 2000
# control characters other than tab and newline: PostgreSQL refuses NUL, the rest is noise
CONTROL_CHARS_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
FIELDS = ("name", "province", "description", "website", "services", "sectors")


@can.rule("register_expert")
def can_register_expert(member, *_) -> bool:
    """A member of a business with a confirmed email may put the business in the directory."""
    return bool(member and member.is_authenticated and member.is_active
                and member.business_id and member.is_email_verified)


@can.rule("edit_expert")
def can_edit_expert(member, expert) -> bool:
    return bool(member and member.is_authenticated and (
        member.is_moderator or (member.business_id == expert.business_id
                                and can_register_expert(member))))


def _clean(data: dict) -> dict:
    services = [code for code in data.get("services") or () if code in taxonomy.codes(SERVICES)]
    sectors = [code for code in data.get("sectors") or ()
               if code in taxonomy.codes(taxonomy.SECTORS)]
    if not services:
        raise DomainError(_l("Choose at least one service."), code="services")
    if data.get("province") not in taxonomy.codes(taxonomy.PROVINCES):
        raise DomainError(_l("Choose a province."), code="province")
    name = CONTROL_CHARS_RE.sub("", data.get("name") or "").strip()
    if not name:
        raise DomainError(_l("Enter a name."), code="name")
    website = (data.get("website") or "").strip()
    if website and not website.startswith(("http://", "https://")):
        raise DomainError(_l("The website must start with http:// or https://."),
                          code="website")
    return {"name": name[:200], "province": data["province"],
            "description": CONTROL_CHARS_RE.sub("", data.get("description") or "").strip(),
            "website": website[:300], "services": sorted(set(services)),
            "sectors": sorted(set(sectors))}


def _apply(expert: Expert, values: dict) -> None:
    expert.name = values["name"]
    expert.province = values["province"]
    expert.description = values["description"]
    expert.website = values["website"]
    expert.services = [ExpertService(service=code) for code in values["services"]]
    expert.sectors = [ExpertSector(sector=code) for code in values["sectors"]]


def register_expert(member, data: dict) -> Expert:
    """A member puts their business in the directory; it is public once a moderator
    approves it."""
    if not can_register_expert(member):
        raise NotAllowed(_l("Only members of a registered business with a confirmed email "
                            "can register in the directory."), code="cannot_register")
    expert = Expert(business_id=member.business_id, created_by_id=member.id,
                    state=ExpertState.PENDING)
    _apply(expert, _clean(data))
    db.session.add(expert)
    db.session.flush()
    record_audit("expert_submitted", actor_id=member.id, business_id=member.business_id,
                 expert_id=expert.id)
    return expert


def staff_add_expert(staff, tax_code: str, data: dict) -> Expert:
    """Staff keep an entry for a business found by its tax code; public at once."""
    if not can_moderate(staff):
        raise NotAllowed(_l("Only staff can add entries directly."), code="not_staff")
    business = db.session.scalar(select(Business).where(
        Business.tax_code == (tax_code or "").strip().replace("-", "")))
    if business is None:
        raise DomainError(_l("No registered business has this tax code."), code="tax_code")
    now = utcnow()
    expert = Expert(business_id=business.id, created_by_id=staff.id,
                    state=ExpertState.APPROVED, reviewed_by_id=staff.id, reviewed_at=now)
    _apply(expert, _clean(data))
    db.session.add(expert)
    db.session.flush()
    record_audit("expert_added", actor_id=staff.id, business_id=business.id,
                 expert_id=expert.id)
    return expert


def update_expert(member, expert: Expert, data: dict) -> Expert:
    """Staff edits stay public; the business's own edits go back to review."""
    if not can_edit_expert(member, expert):
        raise NotAllowed(_l("This entry is not yours."), code="not_owner")
    _apply(expert, _clean(data))
    expert.updated_at = utcnow()
    if can_moderate(member):
        record_audit("expert_edited", actor_id=member.id, business_id=expert.business_id,
                     expert_id=expert.id)
    else:
        expert.state = ExpertState.PENDING
        record_audit("expert_submitted", actor_id=member.id, business_id=expert.business_id,
                     expert_id=expert.id)
    db.session.flush()
    return expert


def review_expert(moderator, expert: Expert, approve: bool, reason: str = "") -> Expert:
    if not can_moderate(moderator):
        raise NotAllowed(_l("Only moderators review directory entries."), code="not_staff")
    reason = CONTROL_CHARS_RE.sub("", reason or "").strip()
    if len(reason) > REASON_MAX:
        raise DomainError(_l("The reason is too long."), code="reason")
    if not approve and not reason:
        raise DomainError(_l("Give the business a reason for the refusal."), code="reason")
    if expert.state != ExpertState.PENDING:
        raise DomainError(_l("This entry is not waiting for a review."), code="not_pending")
    expert.state = ExpertState.APPROVED if approve else ExpertState.REJECTED
    expert.reviewed_by_id, expert.reviewed_at = moderator.id, utcnow()
    expert.review_reason = reason or None
    record_audit("expert_approved" if approve else "expert_rejected", actor_id=moderator.id,
                 business_id=expert.business_id, reason=reason or None, expert_id=expert.id)
    db.session.flush()
    return expert
