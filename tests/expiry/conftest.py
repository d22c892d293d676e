"""Expiry test helpers: owners with two members, listings ending on a chosen day."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.mail import OutboxMail
from exchange.timeutil import utcnow
from tests.factories import make_business, make_listing, make_member, publish


@pytest.fixture
def owners(app):
    business = make_business(name="Công ty Cơ khí Sông Hồng")
    return [make_member(business=business, full_name="Trần Văn Chủ"),
            make_member(business=business, full_name="Lê Thị Đồng")]


@pytest.fixture
def other(app):
    return make_member(business=make_business(name="HTX Nông sản Cao Nguyên"),
                       full_name="Phạm Văn Khác")


def ending_in(member, days, kind="offer", lifetime=365, **content):
    """A published listing of `member`'s business, posted `lifetime` days before its
    expiry, which is `days` days away."""
    if kind == "request":
        content = {"trl": None, "price_vnd": None, "budget_max_vnd": 300_000_000, **content}
    expires = utcnow() + timedelta(days=days)
    listing = make_listing(member.business, member, kind=kind, expires_at=expires, **content)
    listing.created_at = expires - timedelta(days=lifetime)
    db.session.commit()
    return publish(listing)


def mails() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def reminders_to(address) -> list[OutboxMail]:
    """Reminder mail queued for `address` (members read Vietnamese by default)."""
    return [m for m in mails() if m.recipient == address and "sắp kết thúc" in m.subject]
