"""Helpers for matching tests: owners in their own businesses, published listings."""
import pytest

from exchange.effects import drain
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.matching.services import run_match_jobs
from tests import helpers
from tests.factories import make_business, make_listing, make_member


def settle(meili):
    """Index what is pending (as everywhere), then run the match jobs it unblocked."""
    helpers.settle(meili)
    run_match_jobs(force=True)


@pytest.fixture
def owner_factory(app):
    def _owner(name=None, province="ha_noi", **member_fields):
        business = make_business(name=name, province=province)
        return make_member(business=business, **member_fields)
    return _owner


@pytest.fixture
def post(meili, owner_factory):
    """post(owner=None, kind=..., **content) -> a published listing, indexed and matched."""
    def _post(owner=None, kind="offer", wait=True, **content):
        owner = owner or owner_factory()
        listing = make_listing(owner.business, owner, kind=kind, **content)
        lifecycle.approve_revision(listing.latest_revision)
        db.session.commit()
        drain()
        if wait:
            settle(meili)
        return listing
    return _post


def unsent_notices() -> dict[int, int]:
    """Member id -> how many of its match notices are not sent, as the backlogs count them
    and (checked to agree) as the notices themselves say."""
    from sqlalchemy import func, select

    from exchange.matching.models import MatchNotice, NoticeBacklog

    counted = dict(db.session.execute(
        select(NoticeBacklog.member_id, NoticeBacklog.unsent).where(NoticeBacklog.unsent != 0)
    ).all())
    actual = dict(db.session.execute(
        select(MatchNotice.member_id, func.count()).where(MatchNotice.sent_at.is_(None))
        .group_by(MatchNotice.member_id)).all())
    assert counted == actual
    return actual
