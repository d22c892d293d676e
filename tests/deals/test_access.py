"""Who sees what: proposals, their files and threads stay between the two parties and staff;
only the two parties record or confirm a deal."""
from sqlalchemy import func, select

from exchange.deals.models import Deal, ProposalMessage
from exchange.deals.proposals import award, submit_proposal
from exchange.extensions import db
from exchange.listings import files
from exchange.listings.forms import local_today
from tests.deals.conftest import details, pdf_bytes, propose, signed_in, token
from tests.factories import make_moderator


class _Part:
    def __init__(self, data, filename):
        import io
        self.stream, self.filename = io.BytesIO(data), filename


def _with_file(member, listing, **overrides):
    with files.stored([files.prepare_pdf(_Part(pdf_bytes(), "gia.pdf"))]) as rows:
        proposal = submit_proposal(member, listing, details(**overrides), rows)
    db.session.commit()
    return proposal


def test_no_third_party_sees_a_proposal_its_files_or_its_thread(app, request_listing,
                                                                proposers, outsider):
    proposal = _with_file(proposers[0], request_listing, price_vnd=333_000_000)
    urls = [f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/files/{proposal.files[0].id}",
            f"/proposals/{proposal.id}/edit"]
    for stranger in (outsider, proposers[1]):
        client = signed_in(app, stranger)
        for url in urls:
            assert client.get(url).status_code == 404, (stranger, url)
        response = client.post(f"/proposals/{proposal.id}",
                               data={"csrf_token": token(client), "message": "Xin giá?"})
        assert response.status_code == 404
        assert client.get(f"/listings/{request_listing.id}/proposals").status_code == 403
        assert "333.000.000" not in client.get("/account/proposals").get_data(as_text=True)
    assert db.session.scalar(select(func.count(ProposalMessage.id))) == 0
    # anonymous visitors are sent to sign in; the file is never served to them
    anonymous = app.test_client()
    response = anonymous.get(urls[1])
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_a_proposer_cannot_see_competitors_prices(app, request_listing, proposers):
    propose(proposers[0], request_listing, price_vnd=310_000_000)
    rival = propose(proposers[1], request_listing, price_vnd=277_000_000)
    client = signed_in(app, proposers[0])
    for url in (f"/listings/{request_listing.id}", f"/listings/{request_listing.id}/proposals",
                f"/proposals/{rival.id}", "/account/proposals"):
        html = client.get(url).get_data(as_text=True)
        assert "277.000.000" not in html and "277,000,000" not in html, url


def test_proposers_cannot_decide_on_their_own_or_others_proposals(app, request_listing,
                                                                  proposers):
    own = propose(proposers[0], request_listing)
    other = propose(proposers[1], request_listing)
    client = signed_in(app, proposers[0])
    client.post(f"/proposals/{own.id}/award", data={"csrf_token": token(client)})
    client.post(f"/proposals/{other.id}/decline",
                data={"csrf_token": token(client), "reason": "price"})
    client.post(f"/listings/{request_listing.id}/proposals/close",
                data={"csrf_token": token(client)})
    db.session.refresh(own)
    db.session.refresh(other)
    assert (own.state, other.state) == ("active", "active")


def test_staff_see_every_proposal(app, request_listing, proposers):
    proposal = _with_file(proposers[0], request_listing)
    client = signed_in(app, make_moderator())
    assert client.get(f"/listings/{request_listing.id}/proposals").status_code == 200
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    assert client.get(f"/proposals/{proposal.id}/files/{proposal.files[0].id}").status_code == 200


def test_only_the_two_parties_record_or_confirm_a_deal(app, requester, request_listing,
                                                       proposers, outsider):
    proposal = propose(proposers[0], request_listing)
    award(requester, proposal)
    db.session.commit()
    for stranger in (outsider, proposers[1]):
        client = signed_in(app, stranger)
        response = client.post(f"/proposals/{proposal.id}/deal", data={
            "csrf_token": token(client), "kind": "sale", "value": "250.000.000",
            "concluded_on": local_today().isoformat()})
        assert response.status_code == 404
    assert db.session.scalar(select(func.count(Deal.id))) == 0

    winner = signed_in(app, proposers[0])
    response = winner.post(f"/proposals/{proposal.id}/deal", data={
        "csrf_token": token(winner), "kind": "sale", "value": "250.000.000",
        "concluded_on": local_today().isoformat()})
    assert response.status_code == 302
    deal = db.session.scalars(select(Deal)).one()
    # the recorder cannot confirm its own record, nor can a stranger
    for member in (proposers[0], outsider):
        client = signed_in(app, member)
        client.post(f"/deals/{deal.id}/confirm", data={"csrf_token": token(client)})
    db.session.refresh(deal)
    assert deal.state == "pending"
    assert signed_in(app, outsider).get(f"/deals/{deal.id}").status_code == 404
    buyer = signed_in(app, requester)
    buyer.post(f"/deals/{deal.id}/confirm", data={"csrf_token": token(buyer)})
    db.session.refresh(deal)
    assert deal.state == "confirmed"
