"""Directory test helpers: an expert business, an inquiring business, staff."""
import pytest

from exchange.directories import services
from exchange.extensions import db
from tests.factories import make_business, make_member, make_moderator

EXPERT_DATA = {"name": "Trung tâm Thẩm định Công nghệ Đà Nẵng", "services": ["valuation", "legal"],
               "sectors": ["agriculture"], "province": "da_nang",
               "website": "https://thamdinh.example.vn",
               "description": "Định giá **công nghệ** và tư vấn hợp đồng chuyển giao."}


@pytest.fixture
def consultant(app):
    return make_member(business=make_business(name="Công ty Tư vấn Sở hữu Trí tuệ Việt"))


@pytest.fixture
def customer(app):
    return make_member(business=make_business(name="HTX Chè Thái Nguyên"))


@pytest.fixture
def moderator(app):
    return make_moderator()


@pytest.fixture
def approved_expert(consultant, moderator):
    expert = services.register_expert(consultant, dict(EXPERT_DATA))
    services.review_expert(moderator, expert, approve=True)
    db.session.commit()
    return expert
