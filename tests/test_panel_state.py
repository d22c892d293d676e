"""A member's panels kept with the versions of what they show: answered again while nothing
they show has changed, rendered again as soon as a write touches their business (or
everyone's), never another member's."""
import re

import pytest
from sqlalchemy import select, update

from exchange.core.panels import FRAGMENTS, PANELS, TOKENS
from exchange.core.panelstate import GLOBAL, PanelVersion
from exchange.deals.models import RequestClosure
from exchange.extensions import db
from exchange.inquiries.models import Thread
from exchange.listings.models import Kind
from tests.factories import make_listing, publish
from tests.inquiries.conftest import reply, send_inquiry
from tests.deals.conftest import proposers, request_listing, requester  # noqa: F401
from tests.test_page_cache import app_overrides  # noqa: F401  (the page cache on)
from tests.test_panels import TITLE, listing, member, signed_in  # noqa: F401


@pytest.fixture
def renders(app):
    """How often each panel was rendered (not answered from a kept copy)."""
    counted = {}
    panels = app.extensions[PANELS]
    for name, render in list(panels.items()):
        def counting(*args, _name=name, _render=render, **kwargs):
            counted[_name] = counted.get(_name, 0) + 1
            return _render(*args, **kwargs)
        panels[name] = counting
    return counted


def version(scope) -> int:
    db.session.expire_all()
    return db.session.scalar(select(PanelVersion.version).where(PanelVersion.scope == scope)) or 0


def test_kept_panels_are_answered_again_until_their_business_changes(app, listing, renders):
    anna, binh = member("Anna Nguyễn"), member("Bình Trần")
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    url = f"/listings/{listing.id}"
    for _ in range(3):
        page = anna_client.get(url).get_data(as_text=True)
        assert "Anna Nguyễn" in page and f'action="/listings/{listing.id}/inquire"' in page
    # rendered once, with the page (no kept page yet), and kept for Anna's standing then
    assert renders["listing_inquiry"] == 1

    binh_client.get(url)
    binh_client.get(url)  # Bình's panels kept too
    before = renders["listing_inquiry"]
    binh_client.get(url)
    assert renders["listing_inquiry"] == before

    # a conversation of Bình's business moves Bình's business, not Anna's
    assert send_inquiry(binh_client, listing.id).status_code == 302
    binh_client.get(url)  # the message "sent": a page rendered for him
    rendered = renders["listing_inquiry"]
    anna_client.get(url)
    assert renders["listing_inquiry"] == rendered  # Anna's kept panels still hold
    binh_page = binh_client.get(url).get_data(as_text=True)
    assert renders["listing_inquiry"] == rendered + 1  # Bình's were rendered again
    assert "/account/inquiries/" in binh_page and "Anna Nguyễn" not in binh_page


def test_a_listing_s_cards_are_kept_once_for_members_of_one_standing(app, listing, renders):
    anna, binh, chi = member("Anna Nguyễn"), member("Bình Trần"), member("Chi Lê")
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    url = f"/listings/{listing.id}"
    inquire = f'action="{url}/inquire"'
    anna_client.get(url)
    anna_client.get(url)  # the page kept, and the cards Anna's standing reads
    cards = renders["listing_inquiry"]
    page = binh_client.get(url).get_data(as_text=True)
    assert renders["listing_inquiry"] == cards  # Bình reads the same cards: not rendered
    assert inquire in page and "Bình Trần" in page and "Anna Nguyễn" not in page

    # a business that asked about the listing reads its own card; the others still share
    assert send_inquiry(anna_client, listing.id).status_code == 302
    anna_client.get(url)  # the message "sent"
    anna_page = anna_client.get(url).get_data(as_text=True)
    assert "/account/inquiries/" in anna_page
    chi_page = signed_in(app, chi).get(url).get_data(as_text=True)
    assert "/account/inquiries/" not in chi_page and inquire in chi_page
    assert "Anna Nguyễn" not in chi_page and "Chi Lê" in chi_page

    # a member of another standing (who may not send inquiries) reads their own card
    dung = member("Dũng Phạm")
    dung.can_send_inquiries = False
    db.session.commit()
    dung_page = signed_in(app, dung).get(url).get_data(as_text=True)
    assert inquire not in dung_page and "Dũng Phạm" in dung_page
    assert "/account/inquiries/" not in dung_page
    # and the ones who may still get theirs
    assert inquire in binh_client.get(url).get_data(as_text=True)


def test_a_proposal_stays_its_business_s_on_a_kept_card(app, meili, request_listing,
                                                         proposers, renders):
    from flask import url_for

    from tests.deals.conftest import propose
    from tests.test_page_cache import settle

    settle(meili)
    anna, binh = proposers[0], proposers[1]
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    url = f"/listings/{request_listing.id}"
    binh_client.get(url)
    assert 'id="send-proposal"' in \
        binh_client.get(url).get_data(as_text=True)  # kept for Bình's standing
    proposal = propose(anna, request_listing)
    with app.test_request_context():
        mine = url_for("deals.proposal", proposal_id=proposal.id)
    anna_client.get(url)
    assert mine in anna_client.get(url).get_data(as_text=True)
    assert mine not in binh_client.get(url).get_data(as_text=True)
    third = signed_in(app, proposers[2]).get(url).get_data(as_text=True)
    assert mine not in third and "Người đề xuất 3" in third


def test_the_unread_count_follows_messages_and_reading(app, listing):
    seller = listing.business.members[0]
    buyer = member("Bình Trần")
    seller_client, buyer_client = signed_in(app, seller), signed_in(app, buyer)
    assert 'id="inquiry-unread"' not in seller_client.get("/").get_data(as_text=True)
    seller_client.get("/")  # kept for the seller now

    assert send_inquiry(buyer_client, listing.id).status_code == 302
    thread_id = db.session.scalar(select(Thread.id))
    home = seller_client.get("/").get_data(as_text=True)
    assert 'id="inquiry-unread">1<' in home  # the new message moved the seller's business

    seller_client.get(f"/account/inquiries/{thread_id}")  # read
    assert 'id="inquiry-unread"' not in seller_client.get("/").get_data(as_text=True)
    buyer_client.get("/")
    assert reply(seller_client, thread_id, "Chào anh, bên em báo giá ngay.").status_code == 302
    assert 'id="inquiry-unread">1<' in buyer_client.get("/").get_data(as_text=True)


def test_the_header_kept_for_a_member_serves_every_page_they_read(app, listing, renders):
    seller = listing.business.members[0]
    anna, binh = member("Anna Nguyễn"), member("Bình Trần")
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    anna_client.get("/")
    anna_client.get("/")  # kept: the home page with Anna's header
    url = f"/listings/{listing.id}"
    binh_client.get(url)  # the listing page kept for members, with Bình's panels
    headers, cards = renders["account"], renders.get("listing_inquiry", 0)
    page = anna_client.get(url).get_data(as_text=True)
    assert renders["account"] == headers  # Anna's header from her home page
    # the listing's card is the one Bình's page, rendered in full, kept for their standing
    assert renders["listing_inquiry"] == cards
    assert "Anna Nguyễn" in page and "Bình Trần" not in page
    assert f'action="{url}/inquire"' in page

    # a message to Anna's business moves its version: her header is rendered again
    seller_client = signed_in(app, seller)
    thread = send_inquiry(anna_client, listing.id)
    assert thread.status_code == 302
    thread_id = db.session.scalar(select(Thread.id))
    assert reply(seller_client, thread_id, "Chào chị, bên em gửi báo giá.").status_code == 302
    anna_client.get("/search")  # the reply's page was rendered for the seller
    page = anna_client.get("/search").get_data(as_text=True)
    assert 'id="inquiry-unread">1<' in page and "Anna Nguyễn" in page


def test_panels_one_worker_rendered_serve_the_instance_s_other_workers(app, listing, renders):
    tokens_at_start = dict(app.extensions[TOKENS])  # what a worker knows when it starts
    anna = member("Anna Nguyễn")
    client = signed_in(app, anna)
    url = f"/listings/{listing.id}"
    client.get(url)  # the page rendered, kept for members
    client.get(url)  # Anna's panels put into it, and kept
    kept = app.wsgi_app.panels
    # as another worker of the instance: nothing in its memory, no form rendered yet
    kept.memory.clear()
    app.extensions[FRAGMENTS].clear()
    app.extensions[TOKENS].clear()
    app.extensions[TOKENS].update(tokens_at_start)
    cards, headers = renders["listing_inquiry"], renders["account"]
    page = client.get(url).get_data(as_text=True)
    assert (renders["listing_inquiry"], renders["account"]) == (cards, headers)
    assert "Anna Nguyễn" in page and f'action="{url}/inquire"' in page
    # once what they show moves, the files are not used: the new state is rendered, once
    assert send_inquiry(client, listing.id).status_code == 302
    client.get(url)  # the message "sent"
    kept.memory.clear()
    page = client.get(url).get_data(as_text=True)
    assert "/account/inquiries/" in page  # "open the conversation"
    cards = renders["listing_inquiry"]
    kept.memory.clear()
    assert "/account/inquiries/" in client.get(url).get_data(as_text=True)
    assert renders["listing_inquiry"] == cards
    # the owner's own page too: kept once for the instance
    owner_client = signed_in(app, listing.business.members[0])
    owner_client.get(url)
    kept.memory.clear()
    before = dict(renders)
    assert f'action="{url}/withdraw"' in owner_client.get(url).get_data(as_text=True)
    assert renders == before


def test_a_members_new_name_shows_at_once(app, listing):
    anna = member("Anna Nguyễn")
    client = signed_in(app, anna)
    client.get("/")
    assert "Anna Nguyễn" in client.get("/").get_data(as_text=True)
    anna.full_name = "Anna Lê"
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Anna Lê" in page and "Anna Nguyễn" not in page


def test_what_every_member_sees_moves_every_kept_panel(app, meili, renders):
    from tests.test_page_cache import settle
    buyer = member("Người mua")
    request = publish(make_listing(buyer.business, buyer, kind=Kind.REQUEST,
                                   title="Cần mua máy sấy nông sản"))
    settle(meili)
    anna = member("Anna Nguyễn")
    client = signed_in(app, anna)
    url = f"/listings/{request.id}"
    client.get(url)
    client.get(url)
    before = renders["listing_proposals"]
    client.get(url)
    assert renders["listing_proposals"] == before  # kept
    global_before = version(GLOBAL)
    db.session.add(RequestClosure(listing_id=request.id, outcome="no_award"))
    db.session.commit()
    assert version(GLOBAL) > global_before
    client.get(url)
    assert renders["listing_proposals"] == before + 1


def test_writes_move_the_versions_of_the_businesses_they_touch(app, listing):
    buyer = member("Bình Trần")
    seller_business = listing.business_id
    before = {scope: version(scope) for scope in (GLOBAL, seller_business, buyer.business_id)}
    client = signed_in(app, buyer)
    assert send_inquiry(client, listing.id).status_code == 302
    after = {scope: version(scope) for scope in before}
    assert after[seller_business] > before[seller_business]
    assert after[buyer.business_id] > before[buyer.business_id]
    assert after[GLOBAL] == before[GLOBAL]

    # a bulk statement names no rows: every member's panels are rendered again
    db.session.execute(update(Thread).values(archived_by_owner=False))
    db.session.commit()
    moved = version(GLOBAL)
    assert moved > after[GLOBAL]

    # a transaction that is rolled back moves nothing
    db.session.execute(update(Thread).values(archived_by_owner=False))
    db.session.rollback()
    assert version(GLOBAL) == moved


def test_a_card_s_forms_rendered_once_for_all_listings_post_to_their_own(app, listing):
    """The inside of a card's forms is rendered once per language for every listing; each
    page's forms still name its own listing."""
    seller = listing.business.members[0]
    other = make_listing(seller.business, seller, title="Máy nén khí trục vít 37 kW")
    publish(other)
    anna = signed_in(app, member("Anna Nguyễn"))
    for offer in (listing, other):
        page = anna.get(f"/listings/{offer.id}").get_data(as_text=True)
        assert page.count(f'action="/listings/{offer.id}/inquire"') == 1
        assert page.count(f'action="/listings/{offer.id}/report"') == 1
        mentioned = {int(n) for n in re.findall(r'action="/listings/(\d+)/', page)}
        assert (listing.id if offer is other else other.id) not in mentioned
    assert send_inquiry(anna, other.id).status_code == 302
    assert db.session.scalar(select(Thread.listing_id)) == other.id
