"""Statements over many rows: a list of ids longer than a statement's parameters can carry,
and inserts that skip the rows already there, on SQLite and PostgreSQL alike."""
from sqlalchemy import select

from exchange.accounts.models import Business
from exchange.core.bulk import among, insert_new
from exchange.extensions import db
from exchange.listings.models import Listing
from exchange.matching.models import Match
from tests.factories import make_listing


def test_a_list_of_ids_longer_than_any_parameter_list(owner):
    listings = [make_listing(owner.business, owner) for _ in range(2)]
    db.session.commit()
    # PostgreSQL takes at most 65,535 parameters in a statement, SQLite 32,766
    ids = list(range(10_000_000, 10_080_000)) + [listings[1].id]
    assert db.session.scalars(select(Business.id).where(among(Business.id, ids))).all() == []
    assert db.session.scalars(select(Listing.id).where(among(Listing.id, ids))).all() == [
        listings[1].id]
    assert db.session.scalars(select(Listing.id).where(among(Listing.id, []))).all() == []


def test_rows_already_there_are_skipped_and_the_new_ones_returned(owner):
    offer = make_listing(owner.business, owner, kind="offer")
    requests = [make_listing(owner.business, owner, kind="request") for _ in range(3)]
    db.session.commit()
    table = Match.__table__

    def insert(request_ids, score):
        return insert_new(
            table, {"offer_id": [offer.id] * len(request_ids), "request_id": request_ids,
                    "score": [score] * len(request_ids)},
            {"found_at": offer.created_at, "refreshed_at": offer.created_at},
            ["offer_id", "request_id"], returning=["offer_id", "request_id"])

    assert insert([requests[0].id], 0.7) == [(offer.id, requests[0].id)]
    assert sorted(insert([r.id for r in requests], 0.9)) == [
        (offer.id, requests[1].id), (offer.id, requests[2].id)]
    db.session.commit()
    stored = dict(db.session.execute(select(Match.request_id, Match.score)).all())
    assert stored == {requests[0].id: 0.7, requests[1].id: 0.9, requests[2].id: 0.9}
    assert insert([], 0.5) == []
