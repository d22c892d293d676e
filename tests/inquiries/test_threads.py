"""The thread lifecycle through the pages: inquire, mail, reply, unread counts, close, archive."""
from sqlalchemy import select

from exchange.extensions import db
from exchange.inquiries import services
from exchange.inquiries.models import Message, Thread, ThreadState
from tests.inquiries.conftest import counts, reply, send_inquiry, signed_in, token


def test_inquiry_mail_reply_and_unread_counts_on_both_sides(app, smtp, seller, seller_colleague,
                                                            buyer, listing):
    buyer_client = signed_in(app, buyer)
    long_text = "Chúng tôi cần 2 máy sấy cho hợp tác xã. " * 10 + "CHI-TIET-CUOI-THU"
    response = send_inquiry(buyer_client, listing.id, long_text, quantity="2",
                            budget="500000000", delivery_date="2031-03-01", site_visit="y")
    assert response.status_code == 302
    thread = db.session.scalars(select(Thread)).one()
    assert response.headers["Location"].endswith(f"/account/inquiries/{thread.id}")
    assert (thread.inquirer_business_id, thread.owner_business_id) == (buyer.business_id,
                                                                       seller.business_id)
    first = thread.messages[0]
    assert (first.quantity, first.budget_vnd, first.wants_site_visit, first.wants_demo) == (
        2, 500_000_000, True, False)
    assert str(first.delivery_date) == "2031-03-01"

    # both members of the owner business are mailed a link and only a short preview
    smtp.wait_for(2)
    assert {m["To"] for m in smtp.messages} == {seller.email, seller_colleague.email}
    body = smtp.body(smtp.to(seller.email)[0])
    assert f"http://exchange.test/account/inquiries/{thread.id}" in body
    assert "Chúng tôi cần 2 máy sấy" in body
    assert "CHI-TIET-CUOI-THU" not in body
    assert buyer.email not in body and buyer.phone not in body

    seller_client = signed_in(app, seller)
    assert services.unread_count(seller) == 1
    inbox = seller_client.get("/account/inquiries").get_data(as_text=True)
    assert listing.approved_revision.title in inbox
    assert f'data-thread-id="{thread.id}"' in inbox
    page = seller_client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
    assert "CHI-TIET-CUOI-THU" in page and 'id="request-details"' in page
    db.session.expire_all()
    assert services.unread_count(seller) == 0
    assert services.unread_count(seller_colleague) == 1  # read markers are per member

    smtp.clear()
    assert reply(seller_client, thread.id, "Chào chị, máy còn hàng.").status_code == 302
    smtp.wait_for(1)
    assert smtp.messages[0]["To"] == buyer.email
    assert services.unread_count(buyer) == 1
    assert services.unread_count(seller) == 0

    page = buyer_client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
    assert "Chào chị, máy còn hàng." in page
    assert services.unread_count(buyer) == 0

    assert reply(buyer_client, thread.id, "Cảm ơn anh.").status_code == 302
    assert [m.body for m in db.session.scalars(select(Message).order_by(Message.id))][1:] == [
        "Chào chị, máy còn hàng.", "Cảm ơn anh."]
    assert services.unread_count(seller) == 1


def test_nav_badge_shows_unread_count(app, seller, buyer, listing):
    from flask import render_template
    from flask_login import login_user
    send_inquiry(signed_in(app, buyer), listing.id)
    from exchange.inquiries.views import unread_badge
    with app.app_context(), app.test_request_context("/"):
        login_user(seller)
        html = unread_badge()
    assert 'id="inquiry-unread"' in html and ">1<" in html
    with app.app_context(), app.test_request_context("/"):
        login_user(buyer)
        assert "inquiry-unread" not in unread_badge()


def test_contact_details_are_shown_only_after_the_owner_replies(app, seller, buyer, listing):
    buyer_client = signed_in(app, buyer)
    seller_client = signed_in(app, seller)
    send_inquiry(buyer_client, listing.id)
    thread = db.session.scalars(select(Thread)).one()
    # a second message from the inquirer does not reveal anything
    reply(buyer_client, thread.id, "Xin gọi lại cho chúng tôi.")

    for client, other in ((buyer_client, seller), (seller_client, buyer)):
        page = client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
        assert 'id="contacts-hidden"' in page
        assert other.email not in page and other.phone not in page
        assert other.business.phone not in page

    reply(seller_client, thread.id, "Chúng tôi xin gửi báo giá.")
    db.session.expire_all()
    assert thread.owner_replied_at is not None

    page = buyer_client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
    assert seller.email in page and seller.phone in page and seller.business.phone in page
    page = seller_client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
    assert buyer.email in page and buyer.phone in page and buyer.business.phone in page


def test_close_stops_replies_and_archive_moves_between_tabs(app, seller, buyer, listing):
    buyer_client = signed_in(app, buyer)
    seller_client = signed_in(app, seller)
    send_inquiry(buyer_client, listing.id)
    thread = db.session.scalars(select(Thread)).one()

    response = seller_client.post(f"/account/inquiries/{thread.id}/archive",
                                  data={"csrf_token": token(seller_client)})
    assert response.status_code == 302
    db.session.expire_all()
    assert thread.archived_by_owner and not thread.archived_by_inquirer
    assert f'data-thread-id="{thread.id}"' not in seller_client.get(
        "/account/inquiries").get_data(as_text=True)
    assert f'data-thread-id="{thread.id}"' in seller_client.get(
        "/account/inquiries?tab=archived").get_data(as_text=True)
    assert f'data-thread-id="{thread.id}"' in buyer_client.get(
        "/account/inquiries").get_data(as_text=True)

    # a new message brings the thread back for the side that archived it
    reply(buyer_client, thread.id, "Anh xem giúp báo giá nhé.")
    db.session.expire_all()
    assert not thread.archived_by_owner

    response = buyer_client.post(f"/account/inquiries/{thread.id}/close",
                                 data={"csrf_token": token(buyer_client)})
    assert response.status_code == 302
    db.session.expire_all()
    assert thread.state == ThreadState.CLOSED and thread.closed_by_id == buyer.id

    before = counts()
    response = reply(seller_client, thread.id, "Còn hàng.")
    assert response.status_code == 400
    assert 'id="thread-error"' in response.get_data(as_text=True)
    assert counts() == before
    page = seller_client.get(f"/account/inquiries/{thread.id}").get_data(as_text=True)
    assert 'id="reply-form"' not in page and 'id="thread-closed"' in page


def test_listing_panel_offers_the_form_to_other_businesses_and_sign_in_to_visitors(
        app, seller, buyer, listing):
    from flask_login import login_user

    from exchange.inquiries.views import listing_panel

    def panel(member=None):
        with app.app_context(), app.test_request_context(f"/listings/{listing.id}"):
            if member is not None:
                login_user(member)
            return listing_panel(listing.id)

    visitor = panel()
    assert "/auth/login?next=" in visitor and "inquire" not in visitor
    html = panel(buyer)
    assert f'action="/listings/{listing.id}/inquire"' in html and 'name="csrf_token"' in html
    assert f'action="/listings/{listing.id}/report"' in html
    owner = panel(seller)
    assert "inquire" not in owner and "/account/inquiries" in owner

    send_inquiry(signed_in(app, buyer), listing.id)
    thread = db.session.scalars(select(Thread)).one()
    assert f"/account/inquiries/{thread.id}" in panel(buyer)


def test_dashboard_partial_lists_recent_threads_with_unread_counts(app, seller, buyer, listing):
    from flask import render_template
    from flask_login import login_user
    send_inquiry(signed_in(app, buyer), listing.id)
    thread = db.session.scalars(select(Thread)).one()
    from exchange.inquiries.views import dashboard_inquiries
    with app.app_context(), app.test_request_context("/account"):
        login_user(seller)
        html = render_template("inquiries/_dashboard.html", **dashboard_inquiries(seller, 1, {}))
    assert f"/account/inquiries/{thread.id}" in html and thread.listing_title in html
    assert buyer.business.name in html and 'id="inquiry-unread"' in html
