"""Proposals on requests: closing dates, who may propose, revising, deciding, closing, mail."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from exchange.deals import proposals as service
from exchange.deals.models import ClosureOutcome, Proposal, ProposalState, RequestClosure
from exchange.effects import drain
from exchange.errors import Conflict, DomainError, NotAllowed
from exchange.extensions import db
from exchange.listings.forms import local_today
from exchange.listings.models import Listing
from exchange.mail import OutboxMail
from exchange.timeutil import utcnow
from tests.deals.conftest import (details, form, mail_with, pdf_bytes, propose, send, signed_in,
                                  token, upload)
from tests.factories import csrf_token, make_business, make_listing, make_member, publish


def test_a_request_is_posted_with_a_closing_date(app, requester):
    client = signed_in(app, requester)
    closes = local_today() + timedelta(days=10)
    response = client.post("/listings/new?kind=request", data={
        "csrf_token": csrf_token(client, "/listings/new?kind=request"), "kind": "request",
        "title": "Cần mua dây chuyền chế biến", "summary": "Dây chuyền 2 tấn/giờ.",
        "category": "equipment", "sector": "food_processing", "province": "dak_lak",
        "ip_status": "none", "budget_max": "900.000.000",
        "expires_at": (local_today() + timedelta(days=60)).isoformat(),
        "proposals_close_on": closes.isoformat(),
    })
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    listing = db.session.scalars(select(Listing)).one()
    closes_at = listing.latest_revision.proposals_close_at
    assert closes_at is not None and closes_at > utcnow() + timedelta(days=9)


def test_the_closing_date_must_come_before_the_request_expires(app, requester):
    client = signed_in(app, requester)
    response = client.post("/listings/new?kind=request", data={
        "csrf_token": csrf_token(client, "/listings/new?kind=request"), "kind": "request",
        "title": "Cần mua dây chuyền chế biến", "summary": "Dây chuyền 2 tấn/giờ.",
        "category": "equipment", "sector": "food_processing", "province": "dak_lak",
        "ip_status": "none", "budget_max": "900.000.000",
        "expires_at": (local_today() + timedelta(days=20)).isoformat(),
        "proposals_close_on": (local_today() + timedelta(days=30)).isoformat(),
    })
    assert response.status_code == 200
    assert "Proposals must close before the request expires" in response.get_data(as_text=True) \
        or "trước khi" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Listing.id))) == 0


def test_a_verified_business_sends_a_proposal_with_a_pdf(app, smtp, requester, request_listing,
                                                          proposers):
    client = signed_in(app, proposers[0])
    response = send(client, request_listing.id,
                    attachments=[upload(pdf_bytes(), "bao-gia.pdf")])
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    proposal = db.session.scalars(select(Proposal)).one()
    assert proposal.state == ProposalState.ACTIVE
    assert proposal.price_vnd == 300_000_000 and proposal.lead_time_days == 45
    assert [f.filename for f in proposal.files] == ["bao-gia.pdf"]
    assert mail_with(smtp, requester.email, f"/listings/{request_listing.id}/proposals")
    # the file is served to the proposer, privately
    file_response = client.get(f"/proposals/{proposal.id}/files/{proposal.files[0].id}")
    assert file_response.status_code == 200
    assert file_response.data.startswith(b"%PDF-")
    assert "no-store" in file_response.headers["Cache-Control"]


def test_a_file_that_is_not_a_pdf_is_refused(app, request_listing, proposers):
    client = signed_in(app, proposers[0])
    response = send(client, request_listing.id,
                    attachments=[upload(b"%PDF-1.7\nnot really", "gia.pdf")])
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.parametrize("problem", ["business", "email"])
def test_only_verified_businesses_with_a_confirmed_email_propose(app, request_listing, problem):
    business = make_business(verified=problem != "business")
    member = make_member(business=business, verified=problem != "email")
    with pytest.raises(NotAllowed):
        service.submit_proposal(member, request_listing, details())
    db.session.rollback()
    client = signed_in(app, member)
    assert client.get(f"/listings/{request_listing.id}/proposals/new").status_code == 403
    assert send(client, request_listing.id).status_code == 403
    assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_the_requester_cannot_answer_its_own_request(app, requester, request_listing):
    with pytest.raises(NotAllowed):
        service.submit_proposal(requester, request_listing, details())


def test_one_proposal_per_business_per_request(app, request_listing, proposers):
    colleague = make_member(business=proposers[0].business)
    propose(proposers[0], request_listing)
    with pytest.raises(Conflict):
        service.submit_proposal(colleague, request_listing, details(price_vnd=1))
    db.session.rollback()
    # the database holds the rule too, whatever the code path
    db.session.add(Proposal(request_id=request_listing.id, business_id=proposers[0].business_id,
                            author_id=colleague.id, **details()))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_proposal_links_only_the_proposers_own_published_offer(app, request_listing,
                                                                 proposers):
    own = publish(make_listing(proposers[0].business, proposers[0], trl=7))
    other = publish(make_listing(proposers[1].business, proposers[1]))
    with pytest.raises(DomainError):
        service.submit_proposal(proposers[0], request_listing, details(offer_id=other.id))
    db.session.rollback()
    proposal = propose(proposers[0], request_listing, offer_id=own.id)
    assert proposal.offer_id == own.id


def test_prices_are_an_amount_a_range_or_negotiable(app, request_listing, proposers):
    with pytest.raises(DomainError):
        service.submit_proposal(proposers[0], request_listing,
                                details(price_kind="range", price_vnd=5, price_max_vnd=4))
    db.session.rollback()
    ranged = propose(proposers[0], request_listing, price_kind="range",
                     price_vnd=250_000_000, price_max_vnd=320_000_000)
    assert (ranged.price_vnd, ranged.price_max_vnd) == (250_000_000, 320_000_000)
    open_ = propose(proposers[1], request_listing, price_kind="negotiable", price_vnd=9)
    assert open_.price_vnd is None


def test_revise_and_withdraw_until_the_request_closes(app, requester, request_listing,
                                                      proposers):
    client = signed_in(app, proposers[0])
    assert send(client, request_listing.id).status_code == 302
    proposal = db.session.scalars(select(Proposal)).one()
    response = client.post(f"/proposals/{proposal.id}/edit",
                           data=form(client, price="280.000.000", lead_time_days="30"),
                           content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(proposal)
    assert (proposal.price_vnd, proposal.lead_time_days) == (280_000_000, 30)
    client.post(f"/proposals/{proposal.id}/withdraw", data={"csrf_token": token(client)})
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.WITHDRAWN
    # sent again: the same row, active again
    assert send(client, request_listing.id).status_code == 302
    db.session.refresh(proposal)
    assert proposal.state == ProposalState.ACTIVE
    assert db.session.scalar(select(func.count(Proposal.id))) == 1

    service.close_request(request_listing, actor=requester)
    db.session.commit()
    response = client.post(f"/proposals/{proposal.id}/edit",
                           data=form(client, price="1.000"), content_type="multipart/form-data")
    assert response.status_code == 403
    with pytest.raises(Conflict):
        service.withdraw_proposal(proposals_member := proposers[0], proposal)
    assert proposals_member.business_id == proposal.business_id
    db.session.rollback()
    assert db.session.get(Proposal, proposal.id).price_vnd == 300_000_000
    # no new proposals either
    with pytest.raises(Conflict):
        service.submit_proposal(proposers[1], request_listing, details())


def test_the_public_request_page_shows_only_the_count(app, request_listing, proposers):
    for n, member in enumerate(proposers):
        propose(member, request_listing, price_vnd=111_000_000 * (n + 1))
    page = app.test_client().get(f"/listings/{request_listing.id}?lang=en").get_data(as_text=True)
    assert 'id="proposal-count">3<' in page
    for member in proposers:
        assert member.business.name not in page
    assert "111.000.000" not in page and "111,000,000" not in page


def test_the_requester_compares_proposals_side_by_side(app, requester, request_listing,
                                                       proposers):
    offer = publish(make_listing(proposers[1].business, proposers[1], trl=8))
    propose(proposers[0], request_listing, price_vnd=350_000_000, lead_time_days=60)
    propose(proposers[1], request_listing, price_vnd=290_000_000, lead_time_days=20,
            offer_id=offer.id, transfer_mode="turnkey")
    propose(proposers[2], request_listing, price_kind="negotiable", lead_time_days=10)
    client = signed_in(app, requester)
    page = client.get(f"/listings/{request_listing.id}/proposals?sort=price&lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    table = html[html.index('id="comparison"'):]
    names = [m.business.name for m in proposers]
    # cheapest first, negotiable last
    assert table.index(names[1]) < table.index(names[0]) < table.index(names[2])
    assert "TRL 8" in table and "Turnkey" in table and "290,000,000" in table
    assert "Negotiable" in table and "20 days" in table


def test_award_one_and_decline_others_with_a_reason_the_proposer_sees(app, smtp, requester,
                                                                      request_listing,
                                                                      proposers):
    made = [propose(member, request_listing) for member in proposers]
    drain()
    smtp.clear()
    client = signed_in(app, requester)
    client.post(f"/proposals/{made[0].id}/shortlist",
                data={"csrf_token": token(client), "shortlisted": "y"})
    assert db.session.get(Proposal, made[0].id).is_shortlisted
    assert client.post(f"/proposals/{made[0].id}/award",
                       data={"csrf_token": token(client)}).status_code == 302
    client.post(f"/proposals/{made[1].id}/decline",
                data={"csrf_token": token(client), "reason": "price",
                      "text": "Vượt ngân sách của chúng tôi."})
    states = {p.id: db.session.get(Proposal, p.id).state for p in made}
    assert states == {made[0].id: "awarded", made[1].id: "declined", made[2].id: "active"}
    loser = signed_in(app, proposers[1])
    html = loser.get(f"/proposals/{made[1].id}?lang=en").get_data(as_text=True)
    assert "The price is too high" in html and "Vượt ngân sách của chúng tôi." in html
    assert mail_with(smtp, proposers[1].email, "Vượt ngân sách")
    assert mail_with(smtp, proposers[0].email, f"/proposals/{made[0].id}")


def test_closing_tells_every_proposer_once(app, smtp, requester, request_listing, proposers):
    made = [propose(member, request_listing) for member in proposers]
    withdrawn = made[2]
    service.withdraw_proposal(proposers[2], withdrawn)
    service.award(requester, made[0])
    db.session.commit()
    drain()
    smtp.clear()
    closure = service.close_request(request_listing, actor=requester)
    db.session.commit()
    assert closure.outcome == ClosureOutcome.AWARDED
    # a second close, and the tick, tell nobody again
    service.close_request(request_listing)
    service.close_due(utcnow() + timedelta(days=30))
    db.session.commit()
    drain()
    closed_mails = db.session.scalars(select(OutboxMail).where(
        OutboxMail.dedupe_key.like("request-closed-%"))).all()
    assert sorted(m.recipient for m in closed_mails) == sorted(
        [proposers[0].email, proposers[1].email])
    smtp.wait_for(2)


def test_the_tick_closes_requests_past_their_closing_date(app, smtp, requester, proposers):
    listing = publish(make_listing(requester.business, requester, kind="request", trl=None,
                                   price_vnd=None, budget_max_vnd=100_000_000,
                                   proposals_close_at=utcnow() + timedelta(hours=1)))
    propose(proposers[0], listing)
    assert service.close_due() == 0
    later = utcnow() + timedelta(hours=2)
    assert service.close_due(later) == 1
    db.session.commit()
    closure = db.session.get(RequestClosure, listing.id)
    assert closure.outcome == ClosureOutcome.EXPIRED
    assert not service.is_open(listing)
    drain()
    assert smtp.wait_for(2)  # the new-proposal mail, then the closing mail
    assert smtp.to(proposers[0].email)


def test_the_cli_tick_closes_due_requests(app, requester, proposers):
    listing = publish(make_listing(requester.business, requester, kind="request", trl=None,
                                   price_vnd=None, budget_max_vnd=100_000_000))
    propose(proposers[0], listing)
    listing.approved_revision.proposals_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["exchange", "tick"])
    assert "1 request(s) closed to proposals" in result.output, result.output
    assert db.session.get(RequestClosure, listing.id) is not None


def test_requesters_with_many_proposals_get_a_daily_digest(app, requester, request_listing):
    members = [make_member(business=make_business()) for _ in range(5)]
    for member in members:
        propose(member, request_listing)
    immediate = db.session.scalars(select(OutboxMail).where(
        OutboxMail.dedupe_key.like("proposal-new-%"))).all()
    assert len(immediate) == service.IMMEDIATE_MAILS_PER_DAY
    assert service.send_digests() == 1
    service.send_digests()
    db.session.commit()
    digests = db.session.scalars(select(OutboxMail).where(
        OutboxMail.dedupe_key.like("proposal-digest-%"))).all()
    assert [m.recipient for m in digests] == [requester.email]
    for member in members:
        assert member.business.name in digests[0].body_text


def test_questions_and_answers_in_a_proposals_thread(app, smtp, requester, request_listing,
                                                     proposers):
    proposal = propose(proposers[0], request_listing)
    drain()
    smtp.clear()
    asker = signed_in(app, requester)
    asker.post(f"/proposals/{proposal.id}",
               data={"csrf_token": token(asker), "message": "Bảo hành bao lâu?"})
    answerer = signed_in(app, proposers[0])
    answerer.post(f"/proposals/{proposal.id}",
                  data={"csrf_token": token(answerer), "message": "Bảo hành 24 tháng."})
    html = asker.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Bảo hành bao lâu?" in html and "Bảo hành 24 tháng." in html
    smtp.wait_for(2)
    assert smtp.to(proposers[0].email) and smtp.to(requester.email)


@pytest.mark.parametrize("fields", [
    {"price": ""}, {"price_kind": "range", "price_max": ""},
    {"price_kind": "range", "price": "300.000.000", "price_max": "200.000.000"},
    {"valid_until": "2020-01-01"}, {"solution": ""}, {"transfer_mode": "barter"},
])
def test_the_proposal_form_refuses_incomplete_prices_and_dates(app, request_listing,
                                                                proposers, fields):
    client = signed_in(app, proposers[0])
    assert send(client, request_listing.id, **fields).status_code == 400
    assert db.session.scalar(select(func.count(Proposal.id))) == 0
