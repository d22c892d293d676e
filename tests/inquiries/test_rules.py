"""What an inquiry may not be: refusals are clear and write nothing."""
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from exchange.errors import DomainError
from exchange.timeutil import utcnow
from exchange.extensions import db
from exchange.inquiries import services
from exchange.inquiries.models import Thread
from exchange.listings import lifecycle
from exchange.mail import OutboxMail
from tests.factories import make_business, make_listing, make_member, publish
from tests.inquiries.conftest import counts, reply, send_inquiry, signed_in


def refused(code, call, *args, **kwargs):
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    db.session.rollback()
    assert caught.value.code == code
    return caught.value


def test_own_listing_is_refused(app, seller, seller_colleague, listing):
    refused("own_listing", services.record_inquiry, seller_colleague, listing, "Xin chào")
    before = counts()
    response = send_inquiry(signed_in(app, seller), listing.id)
    assert response.status_code == 400
    assert 'id="inquiry-error"' in response.get_data(as_text=True)
    assert counts() == before


def test_non_public_listings_are_refused(app, seller, buyer):
    pending = make_listing(seller.business, seller)  # submitted, not approved
    refused("not_public", services.record_inquiry, buyer, pending, "Xin chào")
    assert send_inquiry(signed_in(app, buyer), pending.id).status_code == 404

    withdrawn = publish(make_listing(seller.business, seller, title="Dây chuyền ép dầu"))
    lifecycle.withdraw(withdrawn, seller.id)
    db.session.commit()
    refused("not_public", services.record_inquiry, buyer, withdrawn, "Xin chào")
    assert send_inquiry(signed_in(app, buyer), withdrawn.id).status_code == 404
    assert send_inquiry(signed_in(app, buyer), 999_999).status_code == 404
    assert counts()["Thread"] == 0


@pytest.mark.parametrize("message", ["", "   \n\t  ", "x" * 20 * 1024])
def test_empty_and_oversized_messages_are_refused(app, buyer, listing, message):
    response = send_inquiry(signed_in(app, buyer), listing.id, message)
    assert response.status_code == 400
    assert "invalid-feedback" in response.get_data(as_text=True)
    assert counts() == {"Thread": 0, "Message": 0, "Report": 0}
    refused("empty" if len(message) < 100 else "too_long",
            services.record_inquiry, buyer, listing, message)


def test_message_at_the_limit_is_accepted(app, buyer, listing):
    thread = services.record_inquiry(buyer, listing, "đ" * services.MESSAGE_MAX_CHARS)
    db.session.commit()
    assert len(thread.messages[0].body) == services.MESSAGE_MAX_CHARS


def test_html_and_script_are_stored_as_text_and_shown_escaped(app, seller, buyer, listing):
    payload = '<script>alert("x")</script><b>đậm</b> https://evil.example/phish \x00'
    buyer_client = signed_in(app, buyer)
    assert send_inquiry(buyer_client, listing.id, payload).status_code == 302
    thread = db.session.scalars(select(Thread)).one()
    assert thread.messages[0].body == payload.replace(" \x00", "")  # control chars dropped
    for client in (buyer_client, signed_in(app, seller)):
        page = client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
        assert "<script>alert" not in page and "<b>đậm</b>" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
        # links in messages stay text
        assert 'href="https://evil.example' not in page and "https://evil.example/phish" in page


def test_bad_request_details_are_refused(app, buyer, listing):
    client = signed_in(app, buyer)
    for fields in ({"quantity": "0"}, {"quantity": "nhiều"}, {"budget": "-5"},
                   {"budget": "khoảng 1 tỷ"}, {"delivery_date": "2020-13-45"}):
        assert send_inquiry(client, listing.id, **fields).status_code == 400
    refused("delivery_date", services.record_inquiry, buyer, listing, "Xin chào",
            delivery_date=(utcnow() - timedelta(days=10)).date())
    assert counts()["Thread"] == 0


def test_budget_is_written_the_vietnamese_way(app, buyer, listing):
    from exchange.inquiries.models import Message
    client = signed_in(app, buyer)
    assert send_inquiry(client, listing.id, budget="450.000.000 ₫").status_code == 302
    assert db.session.scalars(select(Message)).one().budget_vnd == 450_000_000


def test_duplicate_inquiry_within_a_day_is_refused(app, buyer, listing):
    client = signed_in(app, buyer)
    assert send_inquiry(client, listing.id).status_code == 302
    thread = db.session.scalars(select(Thread)).one()
    colleague = make_member(business=buyer.business)
    error = refused("duplicate", services.record_inquiry, colleague, listing, "Lần nữa")
    with force_locale("en"):
        assert "already sent an inquiry about this listing today" in str(error.message)

    # through the page: sent back to the existing conversation, nothing new written
    response = send_inquiry(client, listing.id, "Gửi lại lần nữa")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/account/inquiries/{thread.id}")
    assert counts() == {"Thread": 1, "Message": 1, "Report": 0}

    # a day later a new inquiry is fine
    thread.created_at = utcnow() - timedelta(days=1, minutes=1)
    db.session.commit()
    services.record_inquiry(colleague, listing, "Hỏi lại sau một ngày")
    db.session.commit()
    assert counts()["Thread"] == 2


def _listings(seller, n):
    return [publish(make_listing(seller.business, seller, title=f"Thiết bị số {i}"))
            for i in range(n)]


def test_daily_limit_per_member(app, seller, buyer):
    app.config["INQUIRY_DAILY_LIMIT"] = 2
    first, second, third = _listings(seller, 3)
    client = signed_in(app, buyer)
    assert send_inquiry(client, first.id).status_code == 302
    assert send_inquiry(client, second.id).status_code == 302
    response = send_inquiry(client, third.id)
    assert response.status_code == 400
    assert 'id="inquiry-error"' in response.get_data(as_text=True)
    refused("rate_limited", services.record_inquiry, buyer, third, "Xin chào")
    assert counts()["Thread"] == 2


def test_daily_limit_per_business_across_members(app, seller, buyer):
    app.config["INQUIRY_DAILY_LIMIT"] = 2
    listings = _listings(seller, 3)
    for listing in listings[:2]:
        services.record_inquiry(make_member(business=buyer.business), listing, "Xin chào")
    db.session.commit()
    refused("rate_limited", services.record_inquiry, buyer, listings[2], "Xin chào")
    # another business is not affected
    services.record_inquiry(make_member(business=make_business()), listings[2], "Xin chào")


def test_limit_defaults_to_twenty(app):
    assert app.config["INQUIRY_DAILY_LIMIT"] == 20


def test_suspended_or_unverified_members_cannot_send(app, seller, buyer, listing):
    buyer.can_send_inquiries = False
    db.session.commit()
    refused("suspended", services.record_inquiry, buyer, listing, "Xin chào")
    response = send_inquiry(signed_in(app, buyer), listing.id)
    assert response.status_code == 403
    unverified = make_member(verified=False)
    refused("cannot_send", services.record_inquiry, unverified, listing, "Xin chào")
    assert counts()["Thread"] == 0


def test_suspended_member_cannot_reply_either(app, seller, buyer, listing):
    thread = services.record_inquiry(buyer, listing, "Xin chào")
    db.session.commit()
    seller.can_send_inquiries = False
    db.session.commit()
    response = reply(signed_in(app, seller), thread.id, "Trả lời")
    assert response.status_code == 403
    assert counts()["Message"] == 1
    db.session.expire_all()
    assert thread.owner_replied_at is None


def test_members_who_opt_out_get_no_mail(app, seller, seller_colleague, buyer, listing):
    client = signed_in(app, seller_colleague)
    response = client.post("/account/inquiries/settings",
                           data={"csrf_token": csrf(client)})  # box unticked
    assert response.status_code == 302
    services.record_inquiry(buyer, listing, "Xin chào")
    db.session.commit()
    assert [m.recipient for m in db.session.scalars(select(OutboxMail))] == [seller.email]


def csrf(client):
    from tests.inquiries.conftest import token
    return token(client)
