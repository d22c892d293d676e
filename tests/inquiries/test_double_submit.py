"""A form posted twice sends once: the idempotency key the form carries, on both databases;
five posts of the same inquiry at the same instant on PostgreSQL make one thread."""
import re
import threading

import pytest
from sqlalchemy import select

from exchange.extensions import db
from exchange.inquiries.models import Message, Thread
from exchange.mail import OutboxMail
from tests.conftest import PG_URL, extract_csrf
from tests.inquiries.conftest import counts, signed_in


def form_fields(client, url, form_action) -> dict:
    """The hidden fields of the form posting to `form_action` on the page at `url`."""
    html = client.get(url).get_data(as_text=True)
    form = html[html.index(f'action="{form_action}"'):]
    form = form[:form.index("</form>")]
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', form) or re.search(
        r'value="([^"]+)"[^>]*name="idempotency_key"', form)
    assert key, "the form carries no idempotency key"
    return {"csrf_token": extract_csrf(form), "idempotency_key": key.group(1)}


def inquiry_form(client, listing_id, message="Chúng tôi cần 2 máy sấy, xin báo giá."):
    path = f"/listings/{listing_id}/inquire"
    return path, {**form_fields(client, f"/listings/{listing_id}", path), "message": message}


def reply_form(client, thread_id, message):
    path = f"/account/inquiries/{thread_id}"
    return path, {**form_fields(client, path, path), "message": message}


def owner_mails(seller) -> int:
    return len(db.session.scalars(select(OutboxMail).where(
        OutboxMail.recipient == seller.email)).all())


def test_an_inquiry_posted_twice_opens_one_thread_and_mails_once(app, seller, buyer, listing):
    client = signed_in(app, buyer)
    path, data = inquiry_form(client, listing.id)
    first = client.post(path, data=data)
    second = client.post(path, data=data)
    assert first.status_code == second.status_code == 302
    thread = db.session.scalars(select(Thread)).one()
    assert first.headers["Location"] == second.headers["Location"] \
        == f"/account/inquiries/{thread.id}"
    assert counts() == {"Thread": 1, "Message": 1, "Report": 0}
    assert owner_mails(seller) == 1


def test_each_rendered_form_has_its_own_key(app, buyer, listing):
    client = signed_in(app, buyer)
    assert inquiry_form(client, listing.id)[1]["idempotency_key"] \
        != inquiry_form(client, listing.id)[1]["idempotency_key"]


def test_a_reply_posted_twice_is_one_message_and_a_later_reply_is_another(app, seller, buyer,
                                                                         listing):
    client = signed_in(app, buyer)
    path, data = inquiry_form(client, listing.id)
    client.post(path, data=data)
    thread = db.session.scalars(select(Thread)).one()
    mails = owner_mails(seller)

    path, data = reply_form(client, thread.id, "Xin gửi thêm catalogue.")
    assert client.post(path, data=data).status_code == 302
    assert client.post(path, data=data).status_code == 302
    bodies = db.session.scalars(select(Message.body).order_by(Message.id)).all()
    assert bodies[1:] == ["Xin gửi thêm catalogue."]
    assert owner_mails(seller) == mails + 1

    # the page after the redirect carries a new key: a deliberate second message goes in
    path, data = reply_form(client, thread.id, "Xin gửi thêm catalogue.")
    assert client.post(path, data=data).status_code == 302
    assert db.session.scalars(select(Message.body).order_by(Message.id)).all()[1:] == [
        "Xin gửi thêm catalogue.", "Xin gửi thêm catalogue."]
    assert owner_mails(seller) == mails + 2


def test_a_key_belongs_to_its_author(app, seller, buyer, listing):
    """Another member posting the same key (copied, or guessed) still sends their message."""
    buyer_client, seller_client = signed_in(app, buyer), signed_in(app, seller)
    path, data = inquiry_form(buyer_client, listing.id)
    buyer_client.post(path, data=data)
    thread = db.session.scalars(select(Thread)).one()
    path, reply_data = reply_form(seller_client, thread.id, "Chào anh chị, gửi báo giá.")
    reply_data["idempotency_key"] = data["idempotency_key"]
    assert seller_client.post(path, data=reply_data).status_code == 302
    assert counts()["Message"] == 2


def test_a_form_without_a_key_still_sends(app, buyer, listing):
    client = signed_in(app, buyer)
    path, data = inquiry_form(client, listing.id)
    del data["idempotency_key"]
    assert client.post(path, data=data).status_code == 302
    assert counts()["Thread"] == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(not PG_URL.startswith("postgresql"),
                    reason="real concurrency needs PostgreSQL (set TEST_DATABASE_URL)")
def test_five_posts_of_one_inquiry_at_once_make_one_thread_and_one_mail(app, smtp, seller,
                                                                        buyer, listing):
    clients = [signed_in(app, buyer) for _ in range(5)]
    path, data = inquiry_form(clients[0], listing.id)
    thread_ids = post_together(app, clients, path, data)
    threads = db.session.scalars(select(Thread)).all()
    assert len(threads) == 1
    assert thread_ids == [threads[0].id] * 5
    assert counts() == {"Thread": 1, "Message": 1, "Report": 0}
    assert owner_mails(seller) == 1
    smtp.wait_for(1)
    assert [m["To"] for m in smtp.messages] == [seller.email]

    path, data = reply_form(clients[0], threads[0].id, "Anh chị cho xin lịch hẹn.")
    post_together(app, clients, path, data)
    assert db.session.scalars(select(Message.body).order_by(Message.id)).all()[1:] == [
        "Anh chị cho xin lịch hẹn."]


def post_together(app, clients, path, data) -> list[int]:
    """POST the same form from each client's own thread and connection, released at once;
    the thread id each response redirects to."""
    barrier = threading.Barrier(len(clients))
    outcomes = [None] * len(clients)
    forms = [dict(data, csrf_token=extract_csrf(
        client.get("/account/inquiries").get_data(as_text=True))) for client in clients]

    def worker(i, client):
        with app.app_context():
            barrier.wait()
            response = client.post(path, data=forms[i])
            location = response.headers.get("Location", "")
            outcomes[i] = (response.status_code, location)
            db.session.remove()

    workers = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(clients)]
    for worker_thread in workers:
        worker_thread.start()
    for worker_thread in workers:
        worker_thread.join(30)
    assert all(status == 302 for status, _ in outcomes), outcomes
    db.session.expire_all()
    return [int(re.search(r"/account/inquiries/(\d+)", location).group(1))
            for _, location in outcomes]
