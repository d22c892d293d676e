"""Matches on the listing page, the dashboard partial and the API."""
from flask import render_template_string

from exchange.listings import lifecycle
from exchange.extensions import db
from exchange.matching.services import matches_for_business
from tests.matching.test_matching import DRYER_OFFER, DRYER_REQUEST


def test_api_lists_matches_with_scores_and_hides_unpublished(client, post, owner_factory):
    seller = owner_factory()
    offer = post(owner=seller, kind="offer", **DRYER_OFFER)
    request = post(kind="request", **DRYER_REQUEST)
    data = client.get(f"/api/v1/listings/{request.id}/matches").get_json()
    assert [m["listing"]["id"] for m in data["matches"]] == [offer.id]
    assert 0.5 <= data["matches"][0]["score"]
    assert "matches" in client.get("/api/v1/openapi.json").get_json()["components"]["schemas"][
        "Matches"]["properties"]

    lifecycle.withdraw(offer, seller.id)
    db.session.commit()
    assert client.get(f"/api/v1/listings/{request.id}/matches").get_json()["matches"] == []
    response = client.get(f"/api/v1/listings/{offer.id}/matches")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/listings/999999/matches").status_code == 404


def test_partials_show_published_counterparts(app, post, owner_factory):
    seller = owner_factory()
    offer = post(owner=seller, kind="offer", **DRYER_OFFER)
    request = post(kind="request", **DRYER_REQUEST)
    from exchange.matching.views import dashboard_matches, listing_page_matches

    with app.test_request_context("/"):
        html = render_template_string('{% include "matching/_listing_matches.html" %}',
                                      listing=request, **listing_page_matches(request))
        assert "Matching offers" in html or "Tin chào bán phù hợp" in html or \
            f"/listings/{offer.id}" in html
        assert f"/listings/{offer.id}" in html
        html = render_template_string('{% include "matching/_listing_matches.html" %}',
                                      listing=offer, **listing_page_matches(offer))
        assert f"/listings/{request.id}" in html
        html = render_template_string('{% include "matching/_dashboard_matches.html" %}',
                                      **dashboard_matches(seller, 1, {}))
        assert f"/listings/{request.id}" in html
    rows = matches_for_business(seller.business_id)
    assert [(r["own"].id, r["counterpart"].id, r["is_new"]) for r in rows] == [
        (offer.id, request.id, True)]
