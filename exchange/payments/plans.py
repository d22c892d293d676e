"""The featuring plans on sale: defaults seeded on first use, edited by admins."""
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange.core.messages import lazy_message
from exchange.errors import DomainError
from exchange.extensions import db
from exchange.payments.models import Plan

DEFAULT_PLANS = (
    {"code": "week", "days": 7, "price_vnd": 200_000, "position": 1,
     "label_vi": "Nổi bật 7 ngày", "label_en": "Featured for 7 days"},
    {"code": "month", "days": 30, "price_vnd": 600_000, "position": 2,
     "label_vi": "Nổi bật 30 ngày", "label_en": "Featured for 30 days"},
)

# Stripe refuses VND charges below about 0.50 USD and above 99 999 999 (its 8-digit cap)
MIN_PRICE_VND = 20_000
MAX_PRICE_VND = 99_999_999
MAX_DAYS = 366


def default_plans() -> list[Plan]:
    return [Plan(active=True, **fields) for fields in DEFAULT_PLANS]


def ensure_default_plans() -> int:
    """Insert the default plans when there are none at all (idempotent, race-safe)."""
    if db.session.scalar(select(Plan.id).limit(1)) is not None:
        return 0
    try:
        with db.session.begin_nested():
            db.session.add_all(default_plans())
    except IntegrityError:  # another request seeded them first
        return 0
    return len(DEFAULT_PLANS)


def all_plans() -> list[Plan]:
    return list(db.session.scalars(select(Plan).order_by(Plan.position, Plan.days, Plan.id)))


def plans_on_offer() -> list[Plan]:
    """Active plans; before anything was seeded, the defaults (unsaved) so pages never write."""
    plans = all_plans()
    if not plans:
        return default_plans()
    return [plan for plan in plans if plan.active]


def plan_for_sale(code: str) -> Plan:
    ensure_default_plans()
    plan = db.session.scalar(select(Plan).where(Plan.code == code, Plan.active.is_(True)))
    if plan is None:
        raise DomainError(_l("Choose one of the plans on offer."), code="unknown_plan")
    return plan


def save_plan(plan: Plan | None, *, code: str, days: int, price_vnd: int, label_vi: str,
              label_en: str, active: bool, position: int = 0) -> Plan:
    """Create or change a plan; orders already placed keep the terms they were sold with."""
    if not 1 <= days <= MAX_DAYS:
        raise DomainError(lazy_message(_l("A plan lasts between 1 and %(n)s days."), n=MAX_DAYS))
    if not MIN_PRICE_VND <= price_vnd <= MAX_PRICE_VND:
        raise DomainError(lazy_message(_l("The price must be between %(low)s and %(high)s VND."),
                                       low=format_decimal(MIN_PRICE_VND),
                                       high=format_decimal(MAX_PRICE_VND)))
    if plan is None:
        if db.session.scalar(select(Plan.id).where(Plan.code == code)) is not None:
            raise DomainError(_l("A plan with this code already exists."), code="duplicate_plan")
        plan = Plan(code=code)
        db.session.add(plan)
    plan.days, plan.price_vnd, plan.active, plan.position = days, price_vnd, active, position
    plan.label_vi, plan.label_en = label_vi.strip(), label_en.strip()
    db.session.flush()
    return plan
