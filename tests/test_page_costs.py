"""What the busiest pages cost: SQL statements that do not grow with the data shown, and
figures that come from the index agree with the database."""
from exchange.extensions import db
from exchange.matching.models import Match
from tests.factories import make_business, make_listing, make_member, publish
from tests.helpers import counted_statements, settle


def published(business, author, kind="offer", **content):
    listing = make_listing(business, author, kind=kind, **content)
    publish(listing)
    return listing


def test_home_page_counts_public_offers_and_requests(client, meili):
    seller = make_member(business=make_business(name="Công ty Cơ khí Đông Á"))
    published(seller.business, seller, title="Máy ép viên nén mùn cưa")
    published(seller.business, seller, title="Lò sấy gỗ hơi nước")
    published(seller.business, seller, kind="request", title="Cần mua máy bào gỗ",
              price_vnd=None, budget_max_vnd=900_000_000)
    make_listing(seller.business, seller, title="Máy cưa chưa duyệt")  # pending: not counted
    settle(meili)
    from exchange.core.home import home_context
    context = home_context()
    assert (context["offer_count"], context["request_count"]) == (2, 1)
    assert context["business_count"] == 1
    assert client.get("/").status_code == 200


def test_listing_page_statements_do_not_grow_with_its_matches(client, meili):
    seller = make_member(business=make_business(name="Công ty Thiết bị Nhiệt Miền Nam"))
    offer = published(seller.business, seller, title="Lò hơi đốt sinh khối 2 tấn/giờ")
    buyers = [make_member(business=make_business(name=f"Hợp tác xã số {n}")) for n in range(5)]
    requests = [published(b.business, b, kind="request", title=f"Cần mua thiết bị {n}",
                          price_vnd=None, budget_max_vnd=500_000_000)
                for n, b in enumerate(buyers)]

    def statements_with(matched):
        db.session.execute(Match.__table__.delete())
        db.session.add_all(Match(offer_id=offer.id, request_id=r.id, score=0.8)
                           for r in matched)
        db.session.commit()
        client.get(f"/listings/{offer.id}")  # warm
        with counted_statements() as statements:
            page = client.get(f"/listings/{offer.id}").get_data(as_text=True)
        assert all(f"Cần mua thiết bị {n}" in page for n in range(len(matched)))
        return len(statements)

    assert statements_with(requests) == statements_with(requests[:1])
