"""Every thread route, tried by a third business, a moderator and anonymously."""
import pytest
from sqlalchemy import select

from exchange.errors import NotAllowed
from exchange.extensions import db
from exchange.inquiries import services
from exchange.inquiries.models import Thread, ThreadRead
from exchange.mail import OutboxMail
from exchange.moderation.models import QueueItem
from tests.factories import csrf_token, make_moderator
from tests.inquiries.conftest import counts, signed_in, token

THREAD_ROUTES = [
    ("get", "/account/inquiries/{id}"),
    ("post", "/account/inquiries/{id}"),
    ("post", "/account/inquiries/{id}/close"),
    ("post", "/account/inquiries/{id}/archive"),
    ("post", "/account/inquiries/{id}/unarchive"),
    ("post", "/account/inquiries/{id}/report"),
]


@pytest.fixture
def thread(app, buyer, listing):
    thread = services.record_inquiry(buyer, listing, "Tin nhắn riêng của hai bên")
    db.session.commit()
    return thread


def snapshot(thread):
    db.session.expire_all()
    return (counts(), db.session.scalar(select(db.func.count(QueueItem.id))),
            db.session.scalar(select(db.func.count(OutboxMail.id))),
            db.session.scalar(select(db.func.count(ThreadRead.id))),
            thread.state, thread.archived_by_inquirer, thread.archived_by_owner)


def form(client):
    return {"csrf_token": token(client), "message": "Chen vào", "reason": "spam", "text": "x"}


@pytest.mark.parametrize("method,path", THREAD_ROUTES)
def test_third_business_gets_404_and_nothing_is_written(app, thread, outsider, method, path):
    client = signed_in(app, outsider)
    before = snapshot(thread)
    url = path.format(id=thread.id)
    response = client.get(url) if method == "get" else client.post(url, data=form(client))
    assert response.status_code == 404
    assert "Tin nhắn riêng" not in response.get_data(as_text=True)
    assert snapshot(thread) == before


@pytest.mark.parametrize("method,path", THREAD_ROUTES)
def test_moderator_is_not_a_party_either(app, thread, method, path):
    client = signed_in(app, make_moderator())
    before = snapshot(thread)
    url = path.format(id=thread.id)
    response = client.get(url) if method == "get" else client.post(url, data=form(client))
    assert response.status_code == 404
    assert snapshot(thread) == before


@pytest.mark.parametrize("method,path", THREAD_ROUTES + [
    ("get", "/account/inquiries"),
    ("post", "/account/inquiries/settings"),
    ("post", "/listings/{listing}/inquire"),
    ("post", "/listings/{listing}/report"),
    ("get", "/moderation/inquiries/{id}"),
    ("post", "/moderation/members/{member}/suspend-inquiries"),
    ("post", "/moderation/members/{member}/restore-inquiries"),
])
def test_anonymous_visitors_are_sent_to_sign_in(app, client, thread, buyer, method, path):
    before = snapshot(thread)
    url = path.format(id=thread.id, listing=thread.listing_id, member=buyer.id)
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, data={"csrf_token": csrf_token(client), "message": "x",
                                          "reason": "spam"})
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert snapshot(thread) == before


def test_forged_thread_id_in_a_reply(app, thread, outsider, seller):
    """A member replying to another business's thread, or to a thread that does not exist."""
    client = signed_in(app, outsider)
    before = snapshot(thread)
    for thread_id in (thread.id, thread.id + 1000):
        response = client.post(f"/account/inquiries/{thread_id}",
                               data={"csrf_token": token(client), "message": "Giả mạo"})
        assert response.status_code == 404
    assert snapshot(thread) == before
    # the service refuses too, whatever a view would do
    with pytest.raises(NotAllowed):
        services.reply(outsider, thread, "Giả mạo")
    db.session.rollback()


def test_inbox_lists_only_the_members_business_threads(app, thread, outsider, seller, buyer):
    for member, visible in ((seller, True), (buyer, True), (outsider, False)):
        page = signed_in(app, member).get("/account/inquiries").get_data(as_text=True)
        assert (f'data-thread-id="{thread.id}"' in page) is visible
    assert services.unread_count(outsider) == 0


def test_member_routes_refuse_plain_members_on_moderator_hooks(app, thread, outsider, buyer):
    client = signed_in(app, outsider)
    assert client.get(f"/moderation/inquiries/{thread.id}").status_code == 403
    response = client.post(f"/moderation/members/{buyer.id}/suspend-inquiries",
                           data={"csrf_token": token(client), "reason": "x"})
    assert response.status_code == 403
    db.session.expire_all()
    assert buyer.can_send_inquiries


def test_posts_without_csrf_token_are_refused(app, thread, buyer):
    client = signed_in(app, buyer)
    before = snapshot(thread)
    response = client.post(f"/account/inquiries/{thread.id}", data={"message": "không token"})
    assert response.status_code == 400
    response = client.post(f"/listings/{thread.listing_id}/inquire", data={"message": "x"})
    assert response.status_code == 400
    assert snapshot(thread) == before
    assert db.session.scalars(select(Thread)).one().id == thread.id


def test_members_without_a_business_see_an_empty_inbox(app, thread):
    client = signed_in(app, make_moderator())
    response = client.get("/account/inquiries")
    assert response.status_code == 200
    assert 'id="inquiry-empty"' in response.get_data(as_text=True)
