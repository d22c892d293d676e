"""Public content for the crawler tests: two published listings (one with an image), one
under review, a verified business, an approved and a pending expert."""
from dataclasses import dataclass

import pytest

from exchange.directories import services as directory
from exchange.extensions import db
from tests.factories import (listing_content, make_business, make_listing, make_member,
                             make_moderator, publish)
from exchange.search.outbox import sync
from tests.security.conftest import _Part, png_bytes


@dataclass
class Site:
    offer: object
    request: object
    pending: object
    seller: object
    quiet: object
    expert: object
    hidden_expert: object


@pytest.fixture
def site(app):
    from exchange.listings import files, lifecycle
    seller = make_member(business=make_business(name="Công ty Máy Sấy <Miền Trung> & Co",
                                                verified=False, province="da_nang",
                                                website="https://maysay.example.vn"))
    buyer = make_member(business=make_business(name="HTX Cà phê Buôn Ma Thuột",
                                               verified=False))
    with files.stored([files.prepare_image(_Part(png_bytes(), "may-say.png"))]) as rows:
        offer = lifecycle.create_listing(
            seller.business_id, seller.id, "offer",
            listing_content(title="Máy sấy </script><b>nông sản</b>"), files=rows)
        lifecycle.submit(offer, seller.id)
    db.session.commit()
    publish(offer)
    request = publish(make_listing(buyer.business, buyer, kind="request", trl=None,
                                   price_vnd=None, title="Cần mua máy rang cà phê",
                                   budget_min_vnd=100_000_000, budget_max_vnd=300_000_000))
    pending = make_listing(buyer.business, buyer, title="Tin chưa duyệt bí mật")
    quiet = make_business(name="Công ty Không Có Tin", verified=False)
    moderator = make_moderator()
    data = {"name": "Văn phòng Luật Sở hữu Trí tuệ", "services": ["legal"], "sectors": [],
            "province": "ha_noi", "description": "Tư vấn hợp đồng.", "website": ""}
    expert = directory.staff_add_expert(moderator, seller.business.tax_code, data)
    hidden = directory.register_expert(buyer, {**data, "name": "Chuyên gia chưa duyệt"})
    db.session.commit()
    return Site(offer=offer, request=request, pending=pending, seller=seller, quiet=quiet,
                expert=expert, hidden_expert=hidden)


@pytest.fixture
def indexed_site(site, meili):
    """The site once Meilisearch has applied every index job (a loaded machine is slow)."""
    left = sync(timeout=60)
    assert not any(left.values()), left
    meili.wait_idle(timeout=60)
    return site
