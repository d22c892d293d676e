"""Match emails: one per new pair, batched daily, immediate option, once only, unsubscribe."""
from datetime import timedelta

from exchange.accounts.models import MatchMailMode
from exchange.accounts.tokens import make_token
from exchange.extensions import db
from exchange.mail import send_pending
from exchange.matching.notices import send_match_notices, unsubscribe_token
from exchange.timeutil import utcnow
from tests.factories import make_member
from tests.helpers import altered_signature, counted_statements
from tests.matching.conftest import unsent_notices
from tests.matching.test_matching import DRYER_OFFER, DRYER_REQUEST


def deliver():
    send_match_notices()
    while send_pending():
        pass


def test_each_owner_is_told_once_per_new_pair(post, owner_factory, smtp):
    seller = owner_factory(match_mail_mode=MatchMailMode.IMMEDIATE)
    colleague = make_member(business=seller.business, match_mail_mode=MatchMailMode.IMMEDIATE)
    buyer = owner_factory(match_mail_mode=MatchMailMode.IMMEDIATE)
    offer = post(owner=seller, kind="offer", **DRYER_OFFER)
    request = post(owner=buyer, kind="request", **DRYER_REQUEST)
    deliver()
    smtp.wait_for(3)
    assert {m["To"] for m in smtp.messages} == {seller.email, colleague.email, buyer.email}
    buyer_mail = smtp.body(smtp.to(buyer.email)[0])
    assert f"/listings/{offer.id}" in buyer_mail
    assert "/account/notifications/unsubscribe/" in buyer_mail
    assert f"/listings/{request.id}" in smtp.body(smtp.to(seller.email)[0])

    # the job runs again, and the pair is matched again: nobody is told twice
    from exchange.matching.models import record_match_job
    from exchange.matching.services import run_match_jobs
    record_match_job(offer.id, "again")
    db.session.commit()
    run_match_jobs(force=True)
    deliver()
    deliver()
    assert len(smtp.messages) == 3


def test_daily_mode_batches_into_one_mail_a_day(post, owner_factory, smtp):
    seller = owner_factory()  # daily is the default
    assert seller.match_mail_mode == MatchMailMode.DAILY
    post(owner=seller, kind="offer", **DRYER_OFFER)
    post(kind="request", **DRYER_REQUEST)
    deliver()
    smtp.wait_for(2)
    assert len(smtp.to(seller.email)) == 1
    # two more matching requests the same day: held back, then sent together next day
    post(kind="request", **{**DRYER_REQUEST, "province": "gia_lai"})
    post(kind="request", **{**DRYER_REQUEST, "province": "dak_lak"})
    deliver()
    assert len(smtp.to(seller.email)) == 1
    send_match_notices(now=utcnow() + timedelta(days=1, minutes=1))
    while send_pending():
        pass
    mails = smtp.to(seller.email)
    assert len(mails) == 2
    assert smtp.body(mails[1]).count("/listings/") == 2


def test_off_mode_sends_nothing_and_later_mode_changes_do_not_replay(post, owner_factory,
                                                                      smtp):
    seller = owner_factory(match_mail_mode=MatchMailMode.OFF)
    post(owner=seller, kind="offer", **DRYER_OFFER)
    post(kind="request", **DRYER_REQUEST)
    deliver()
    seller.match_mail_mode = MatchMailMode.IMMEDIATE
    db.session.commit()
    deliver()
    assert smtp.to(seller.email) == []


def test_unsubscribe_link_turns_match_mail_off(client, owner_factory):
    member = owner_factory(match_mail_mode=MatchMailMode.IMMEDIATE)
    url = f"/account/notifications/unsubscribe/{unsubscribe_token(member)}"
    # opening the link (as a mail scanner would) only asks for the click
    response = client.get(url)
    assert response.status_code == 200 and b'method="post"' in response.data
    db.session.refresh(member)
    assert member.match_mail_mode == MatchMailMode.IMMEDIATE
    assert client.post(url).status_code == 200
    db.session.refresh(member)
    assert member.match_mail_mode == MatchMailMode.OFF
    # one-click POST from a mail client (no CSRF token, the link is the proof)
    member.match_mail_mode = MatchMailMode.DAILY
    db.session.commit()
    assert client.post(
        f"/account/notifications/unsubscribe/{unsubscribe_token(member)}").status_code == 200
    db.session.refresh(member)
    assert member.match_mail_mode == MatchMailMode.OFF


def test_forged_or_borrowed_unsubscribe_links_are_refused(client, owner_factory):
    member = owner_factory(match_mail_mode=MatchMailMode.IMMEDIATE)
    other = owner_factory(match_mail_mode=MatchMailMode.IMMEDIATE)
    token = unsubscribe_token(member)
    payload, rest = token.split(".", 1)
    forged = [
        altered_signature(token),
        # another member's id under the first member's signature
        unsubscribe_token(other).split(".", 1)[0] + "." + rest,
        # a valid token of another purpose (email verification) for the other member
        make_token("verify", {"m": other.id, "e": other.email}),
        # signed with another key
        "eyJtIjoxLCJlIjoieEB5LnoifQ.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb",
    ]
    for bad in forged:
        for method in (client.get, client.post):
            response = method(f"/account/notifications/unsubscribe/{bad}")
            assert response.status_code == 400, bad
    for m in (member, other):
        db.session.refresh(m)
        assert m.match_mail_mode == MatchMailMode.IMMEDIATE
    # the member's own link only ever changes that member
    client.post(f"/account/notifications/unsubscribe/{token}")
    db.session.refresh(other)
    assert other.match_mail_mode == MatchMailMode.IMMEDIATE


def test_settings_page_changes_the_mode(client, owner_factory):
    from tests.factories import csrf_token, login
    member = owner_factory()
    login(client, member)
    assert client.get("/account/notifications").status_code == 200
    response = client.post("/account/notifications", data={
        "match_mail_mode": "immediate", "csrf_token": csrf_token(client, "/account/notifications")})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.match_mail_mode == MatchMailMode.IMMEDIATE
    assert client.post("/account/notifications", data={"match_mail_mode": "off"}
                       ).status_code == 400  # no CSRF token


def test_a_drain_leaves_a_large_digest_to_tick(post, owner_factory, smtp, monkeypatch):
    from exchange.budget import Budget
    from exchange.matching import notices, outbox

    seller = owner_factory(match_mail_mode=MatchMailMode.IMMEDIATE)
    buyer = owner_factory(match_mail_mode=MatchMailMode.IMMEDIATE)
    with monkeypatch.context() as quiet:  # matched, nobody told yet
        quiet.setattr(outbox, "send_match_notices", lambda budget=None: 0)
        post(owner=seller, kind="offer", **DRYER_OFFER)
        post(owner=buyer, kind="request", **DRYER_REQUEST)
        post(owner=buyer, kind="request", **{**DRYER_REQUEST, "province": "gia_lai"})
    # the seller has two pairs to be told, the buyer two, over a drain's digest size of one
    monkeypatch.setattr(notices, "BUDGETED_DIGEST_NOTICES", 1)
    assert send_match_notices(budget=Budget(seconds=30.0)) == 0
    assert send_match_notices() == 2  # `tick`, unbounded


def test_a_drain_finds_whom_to_mail_without_reading_the_notices(post, owner_factory, smtp,
                                                                  monkeypatch):
    """After a bulk match millions of notices wait: a drain learns which members are due
    from their counted backlogs, and reads notices only for a member it mails."""
    from exchange.budget import Budget
    from exchange.matching import notices, outbox

    seller = owner_factory()  # daily
    big = owner_factory(match_mail_mode=MatchMailMode.IMMEDIATE)
    post(owner=seller, kind="offer", **DRYER_OFFER)
    post(kind="request", **DRYER_REQUEST)
    deliver()
    assert len(smtp.wait_for(2)) == 2
    # the seller was mailed today, so its next pairs wait for tomorrow; another member has
    # more pairs than a drain's digest holds
    monkeypatch.setattr(notices, "BUDGETED_DIGEST_NOTICES", 1)
    with monkeypatch.context() as quiet:  # matched, nobody told yet
        quiet.setattr(outbox, "send_match_notices", lambda budget=None: 0)
        post(owner=big, kind="request", **{**DRYER_REQUEST, "province": "gia_lai"})
        post(owner=big, kind="request", **{**DRYER_REQUEST, "province": "dak_lak"})
    assert unsent_notices() == {seller.id: 2, big.id: 2}
    with counted_statements() as statements:
        assert send_match_notices(budget=Budget(seconds=30.0)) == 0
    assert statements and not [s for s in statements if "match_notices" in s]
    assert unsent_notices() == {seller.id: 2, big.id: 2}
    # `tick` mails the large digest now, and the seller's a day after its last
    assert send_match_notices() == 1
    assert unsent_notices() == {seller.id: 2}
    assert send_match_notices(now=utcnow() + timedelta(days=1, minutes=1)) == 1
    assert unsent_notices() == {}
