"""The one loader of "a listing this visitor may see": hidden listings are a 404 to visitors
and to other businesses, and open to their owner and to the staff — on every page that
loads a listing for a visitor."""
from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin
from werkzeug.exceptions import NotFound

from exchange.accounts.models import Role
from exchange.accounts.requirements import can
from exchange.extensions import db
from exchange.listings import lifecycle
from exchange.listings.visibility import find_visible_listing, visible_listing
from exchange.timeutil import utcnow
from tests.factories import csrf_token, make_listing, make_member, publish, signed_in


def _unpublished(owner):
    return make_listing(owner.business, owner)


def _expired(owner):
    listing = publish(make_listing(owner.business, owner))
    listing.approved_revision.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    return listing


def _suspended(owner):
    listing = publish(make_listing(owner.business, owner))
    lifecycle.suspend(listing, None, "Spam")
    db.session.commit()
    return listing


def _withdrawn(owner):
    listing = publish(make_listing(owner.business, owner))
    lifecycle.withdraw(listing, owner.id)
    db.session.commit()
    return listing


HIDDEN = {"unpublished": _unpublished, "expired": _expired, "suspended": _suspended,
          "withdrawn": _withdrawn}


@pytest.fixture
def visitors(app, owner):
    return {
        "anonymous": AnonymousUserMixin(),
        "other business": make_member(),
        "colleague": make_member(business=owner.business),
        "owner": owner,
        "moderator": make_member(business=None, role=Role.MODERATOR),
        "admin": make_member(business=None, role=Role.ADMIN),
        "editor": make_member(business=None, role=Role.EDITOR),
    }


@pytest.mark.parametrize("state", sorted(HIDDEN))
def test_hidden_listings_are_a_404_to_visitors_and_open_to_owner_and_staff(
        app, owner, visitors, state):
    listing = HIDDEN[state](owner)
    with app.test_request_context():
        seen = set()
        for who, member in visitors.items():
            try:
                found = visible_listing(listing.id, member=member)
            except NotFound:
                continue
            assert found.id == listing.id
            seen.add(who)
        assert seen == {"colleague", "owner", "moderator", "admin"}
        # pages kept for everyone (the API, an event's listings) show public listings only
        assert all(find_visible_listing(listing.id, can.see_public_listing, member=member)
                   is None for member in visitors.values())


def test_a_published_listing_is_shown_to_everyone(app, owner, visitors):
    listing = publish(make_listing(owner.business, owner))
    with app.test_request_context():
        for member in visitors.values():
            assert visible_listing(listing.id, member=member).id == listing.id
            assert find_visible_listing(listing.id, can.see_public_listing,
                                        member=member).id == listing.id


@pytest.mark.parametrize("listing_id", [0, -1, 2 ** 31, 2 ** 63, 987654])
def test_unknown_and_out_of_range_numbers_are_a_404(app, listing_id):
    with app.test_request_context():
        assert find_visible_listing(listing_id, member=AnonymousUserMixin()) is None
        with pytest.raises(NotFound):
            visible_listing(listing_id, member=AnonymousUserMixin())


def test_every_page_loading_a_listing_agrees_with_the_loader(app, owner):
    """The listing page, its inquiry form, the owner's figures and the API answer alike."""
    hidden = _suspended(owner)
    stranger = signed_in(app, make_member())
    anonymous = app.test_client()
    staff = signed_in(app, make_member(business=None, role=Role.MODERATOR))
    mine = signed_in(app, owner)
    for client in (anonymous, stranger):
        assert client.get(f"/listings/{hidden.id}").status_code == 404
        assert client.get(f"/api/v1/listings/{hidden.id}").status_code == 404
    token = csrf_token(stranger, "/account")
    assert stranger.post(f"/listings/{hidden.id}/inquire",
                         data={"body": "Xin chào", "csrf_token": token}).status_code == 404
    assert stranger.get(f"/listings/{hidden.id}/stats").status_code == 404
    assert staff.get(f"/listings/{hidden.id}").status_code == 200
    assert mine.get(f"/listings/{hidden.id}").status_code == 200
    assert mine.get(f"/listings/{hidden.id}/stats").status_code == 200
    # the API is the same for everyone: the owner reads no more there
    assert mine.get(f"/api/v1/listings/{hidden.id}").status_code == 404
