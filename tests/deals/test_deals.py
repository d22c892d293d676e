"""Recorded deals: from a thread or an awarded proposal, confirmed or disputed, staff records,
what the profile and the listing show."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from exchange.deals import services
from exchange.deals.models import Deal, DealState
from exchange.deals.proposals import award
from exchange.effects import drain
from exchange.errors import Conflict, DomainError, NotAllowed
from exchange.extensions import db
from exchange.inquiries.services import record_inquiry
from exchange.listings.forms import local_today
from tests.deals.conftest import mail_with, propose, signed_in, token
from tests.factories import make_listing, make_moderator, publish


@pytest.fixture
def awarded(requester, request_listing, proposers):
    offer = publish(make_listing(proposers[0].business, proposers[0], trl=9))
    proposal = propose(proposers[0], request_listing, offer_id=offer.id)
    award(requester, proposal)
    db.session.commit()
    return proposal


def _deal_form(client, **overrides):
    data = {"csrf_token": token(client), "kind": "sale", "value": "250.000.000",
            "concluded_on": local_today().isoformat()}
    data.update(overrides)
    return data


def test_the_winner_records_and_the_requester_confirms_a_deal(app, smtp, requester,
                                                              awarded, proposers):
    winner = signed_in(app, proposers[0])
    response = winner.post(f"/proposals/{awarded.id}/deal", data=_deal_form(
        winner, story="Máy sấy bơm nhiệt cho HTX cà phê Đắk Lắk", story_public="y",
        listing_ids=[awarded.request_id, awarded.offer_id]))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    deal = db.session.scalars(select(Deal)).one()
    assert (deal.state, deal.value_vnd, deal.kind) == ("pending", 250_000_000, "sale")
    assert {x.id for x in deal.listings} == {awarded.request_id, awarded.offer_id}
    # other mail (match notices for the offer) may reach the requester too
    assert mail_with(smtp, requester.email, f"/deals/{deal.id}")
    # pending deals count nowhere
    assert services.confirmed_counts([requester.business_id]) == {}
    assert services.public_stories(awarded.request_id) == []

    buyer = signed_in(app, requester)
    buyer.post(f"/deals/{deal.id}/confirm", data={"csrf_token": token(buyer),
                                                  "story_public": "y"})
    db.session.refresh(deal)
    assert deal.state == DealState.CONFIRMED and deal.confirmed_at is not None
    assert services.confirmed_counts([requester.business_id, proposers[0].business_id]) == {
        requester.business_id: 1, proposers[0].business_id: 1}
    profile = app.test_client().get(f"/businesses/{proposers[0].business_id}?lang=en")
    assert "1 deal concluded on the exchange" in profile.get_data(as_text=True)
    page = app.test_client().get(f"/listings/{awarded.offer_id}").get_data(as_text=True)
    assert "Máy sấy bơm nhiệt cho HTX cà phê Đắk Lắk" in page


def test_a_story_shows_only_when_both_parties_agree(app, requester, awarded, proposers):
    deal = services.record_deal(proposers[0], proposal=awarded, kind="licence",
                                value_vnd=None, concluded_on=local_today(),
                                story="Chuyển giao công nghệ sấy", story_public=True)
    services.confirm_deal(requester, deal, story_public=False)
    db.session.commit()
    assert deal.is_confirmed and not deal.story_is_public
    page = app.test_client().get(f"/listings/{awarded.request_id}").get_data(as_text=True)
    assert "Chuyển giao công nghệ sấy" not in page


def test_the_other_party_disputes_and_the_deal_does_not_count(app, requester, awarded,
                                                              proposers):
    deal = services.record_deal(requester, proposal=awarded, kind="sale",
                                value_vnd=900_000_000, concluded_on=local_today())
    db.session.commit()
    client = signed_in(app, proposers[0])
    client.post(f"/deals/{deal.id}/dispute", data={"csrf_token": token(client),
                                                   "reason": "Giá trị không đúng."})
    db.session.refresh(deal)
    assert deal.state == DealState.DISPUTED and deal.dispute_reason == "Giá trị không đúng."
    assert services.confirmed_total() == 0
    # a disputed record may be recorded again, correctly
    again = services.record_deal(requester, proposal=awarded, kind="sale",
                                 value_vnd=250_000_000, concluded_on=local_today())
    assert again.id != deal.id


def test_one_open_deal_per_proposal_or_thread(app, requester, awarded, proposers):
    services.record_deal(requester, proposal=awarded, kind="sale", value_vnd=1,
                         concluded_on=local_today())
    with pytest.raises(Conflict):
        services.record_deal(proposers[0], proposal=awarded, kind="sale", value_vnd=1,
                             concluded_on=local_today())


def test_only_an_awarded_proposal_leads_to_a_deal(app, requester, request_listing, proposers):
    proposal = propose(proposers[1], request_listing)
    with pytest.raises(NotAllowed):
        services.record_deal(proposers[1], proposal=proposal, kind="sale", value_vnd=1,
                             concluded_on=local_today())


def test_a_deal_from_an_inquiry_thread(app, requester, proposers):
    offer = publish(make_listing(proposers[0].business, proposers[0]))
    thread = record_inquiry(requester, offer, "Cho xin báo giá máy sấy.")
    db.session.commit()
    drain()
    client = signed_in(app, requester)
    page = client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
    assert f"/account/inquiries/{thread.id}/deal" in page
    response = client.post(f"/account/inquiries/{thread.id}/deal",
                           data=_deal_form(client, kind="technical_assistance", value="",
                                           undisclosed="y"))
    assert response.status_code == 302
    deal = db.session.scalars(select(Deal)).one()
    assert deal.value_vnd is None and deal.source == "inquiry"
    assert deal.counterpart_business_id == proposers[0].business_id
    assert [x.id for x in deal.listings] == [offer.id]


def test_a_deal_needs_a_value_or_undisclosed_and_a_past_date(app, requester, awarded):
    client = signed_in(app, requester)
    assert client.post(f"/proposals/{awarded.id}/deal",
                       data=_deal_form(client, value="")).status_code == 400
    tomorrow = (local_today() + timedelta(days=2)).isoformat()
    assert client.post(f"/proposals/{awarded.id}/deal",
                       data=_deal_form(client, concluded_on=tomorrow)).status_code == 400
    assert db.session.scalars(select(Deal)).all() == []


def test_staff_record_a_deal_reported_off_line(app, requester, proposers):
    offer = publish(make_listing(proposers[0].business, proposers[0]))
    staff = make_moderator()
    client = signed_in(app, staff)
    response = client.post("/moderation/deals/new", data={
        "csrf_token": token(client), "recorder_tax_code": proposers[0].business.tax_code,
        "counterpart_tax_code": requester.business.tax_code, "kind": "turnkey",
        "value": "1.200.000.000", "concluded_on": local_today().isoformat(),
        "source": "Techmart Đắk Lắk 2026", "listing_numbers": str(offer.id)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    deal = db.session.scalars(select(Deal)).one()
    assert deal.state == DealState.CONFIRMED and deal.source == "offline"
    assert deal.offline_source == "Techmart Đắk Lắk 2026"
    assert services.confirmed_total() == 1
    with pytest.raises(DomainError):
        services.record_offline(staff, recorder_tax_code=requester.business.tax_code,
                                counterpart_tax_code=requester.business.tax_code, kind="sale",
                                value_vnd=1, concluded_on=local_today(), source="x")
    with pytest.raises(NotAllowed):
        services.record_offline(requester, recorder_tax_code=proposers[0].business.tax_code,
                                counterpart_tax_code=requester.business.tax_code,
                                kind="sale", value_vnd=1, concluded_on=local_today(),
                                source="x")
