"""A paid feature reaches the index and the home page once, and leaves them when it ends."""
from datetime import timedelta

from exchange.extensions import db
from exchange.payments.models import Order
from exchange.search import index
from exchange.search.models import IndexJob
from exchange.timeutil import utcnow
from tests.factories import make_listing, publish
from tests.helpers import settle
from tests.payments.conftest import checkout_event, deliver, place_order


def indexed(listing_id) -> dict:
    return index.admin_client().get(f"/indexes/{index.index_name()}/documents/{listing_id}")


def search_ids(client, **params):
    response = client.get("/api/v1/search", query_string=params)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [(hit["id"], hit["featured"]) for hit in response.get_json()["hits"]]


def test_paid_feature_shows_in_search_and_on_the_home_page_once(stripe_api, meili, client,
                                                                owner, owner_client, listing):
    other = publish(make_listing(owner.business, owner, title="Máy sấy cà phê công nghiệp"))
    settle(meili)
    order = place_order(owner_client, listing)
    deliver(client, checkout_event(order))
    deliver(client, checkout_event(order))  # a redelivery changes nothing
    settle(meili)

    document = indexed(listing.id)
    assert document["featured"] is True
    assert document["featured_until"] == int(listing.featured_until.timestamp())
    hits = search_ids(client, q="máy sấy")
    assert hits[0] == (listing.id, True)
    assert (other.id, False) in hits

    from exchange.core.home import home_context
    with client.application.test_request_context("/"):
        featured = home_context()["featured"]
    assert [hit["id"] for hit in featured] == [listing.id]


def test_ended_features_are_reindexed_by_expire_features(stripe_api, meili, app, client,
                                                          owner_client, listing):
    order = place_order(owner_client, listing)
    deliver(client, checkout_event(order))
    settle(meili)
    assert indexed(listing.id)["featured"] is True

    # let the paid week run out
    ended = utcnow() - timedelta(seconds=1)
    db.session.execute(db.update(Order).where(Order.id == order.id).values(
        feature_until=ended, feature_from=ended - timedelta(days=7)))
    listing.featured_until = ended
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["exchange", "expire-features"])
    assert result.exit_code == 0, result.output
    assert "1 feature(s) ended" in result.output
    settle(meili)
    assert indexed(listing.id)["featured"] is False
    assert search_ids(client, q="máy sấy") == [(listing.id, False)]

    again = app.test_cli_runner().invoke(args=["exchange", "expire-features"])
    assert "0 feature(s) ended" in again.output
    assert db.session.scalar(db.select(db.func.count()).select_from(IndexJob).where(
        IndexJob.reason == "featuring_ended")) == 1


def test_seed_plans_command_is_idempotent(app):
    runner = app.test_cli_runner()
    assert "created 2 plan(s)" in runner.invoke(args=["exchange", "seed-plans"]).output
    assert "plans already exist" in runner.invoke(args=["exchange", "seed-plans"]).output
