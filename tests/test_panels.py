"""Members' pages from the shared page cache: what is not a panel is kept once and served to
every member who reads it as the public does, each with their own panels; nobody ever sees
another member's panel, and owners, staff and sessions with something of their own get
their page rendered."""
import re

import pytest
from flask import render_template_string

from exchange.accounts.models import Role
from exchange.core.panels import compose, slot
from exchange.extensions import db
from tests.factories import login, make_business, make_listing, make_member, publish
# the page cache's own test: its settings (a long look interval, a directory of the test's),
# waiting for the index, and changing a title behind the app's back (no new generation: a
# page that still shows the old title came from the cache)
from tests.test_page_cache import app_overrides, rename_quietly, settle  # noqa: F401

TITLE = "Máy sấy nông sản năng lượng mặt trời"
RENAMED = "Tên đổi sau lưng hệ thống"


def member(name, role=Role.MEMBER):
    if role == Role.MEMBER:
        return make_member(business=make_business(name=f"Công ty {name}"), full_name=name)
    return make_member(business=None, role=role, full_name=name)


def signed_in(app, who):
    client = app.test_client()
    login(client, who)
    client.get("/")  # the redirect's page, with the message of the sign-in
    return client


def own_values(page: str) -> str:
    """The page without what differs between two renders for the same member (form tokens
    and idempotency keys)."""
    return re.sub(r'(name="(?:csrf_token|idempotency_key)"[^>]*?value=")[^"]*"', r'\1"',
                  re.sub(r'(value=")[^"]*("[^>]*name="(?:csrf_token|idempotency_key)")',
                         r'\1\2', page))


@pytest.fixture
def listing(app, meili):
    seller = member("Người bán")
    offer = make_listing(seller.business, seller, title=TITLE)
    publish(offer)
    settle(meili)
    return offer


def test_each_member_gets_the_kept_page_with_their_own_panels(app, listing):
    anna, binh = member("Anna Nguyễn"), member("Bình Trần")
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    url = f"/listings/{listing.id}"
    first = anna_client.get(url)
    assert first.status_code == 200 and "Anna Nguyễn" in first.get_data(as_text=True)
    assert first.headers["Cache-Control"] == "private, no-store"

    rename_quietly(listing, RENAMED)
    answer = binh_client.get(url)
    page = answer.get_data(as_text=True)
    assert TITLE in page and RENAMED not in page  # the page kept from Anna's request…
    assert "Bình Trần" in page and "Anna Nguyễn" not in page  # …with Bình's own panels
    assert f'action="/listings/{listing.id}/inquire"' in page
    assert answer.headers["Cache-Control"] == "private, no-store"
    assert answer.headers["Vary"] == "Cookie"
    assert int(answer.headers["Content-Length"]) == len(answer.get_data())

    # the same as the page rendered for Bình with the cache off, token values aside
    rename_quietly(listing, TITLE)
    app.config["PAGE_CACHE_SECONDS"] = 0
    rendered = binh_client.get(url).get_data(as_text=True)
    assert own_values(rendered) == own_values(page)
    assert "<!--panel:" not in page


@pytest.mark.parametrize("page", ["listing", "search"])
def test_the_page_a_visitor_had_rendered_serves_members_with_their_own_panels(
        app, listing, page, monkeypatch):
    from exchange.search import views

    searches = []
    run_search = views.run_search
    monkeypatch.setattr(views, "run_search", lambda query: searches.append(query) or
                        run_search(query))
    url = f"/listings/{listing.id}" if page == "listing" else "/search?q=may+say"
    anna, binh = member("Anna Nguyễn"), member("Bình Trần")
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    with binh_client.session_transaction() as session:
        session["lang"] = "en"
    visitor = app.test_client().get(url).get_data(as_text=True)  # no cookie: a visitor
    assert f"/listings/{listing.id}" in visitor and "Anna Nguyễn" not in visitor

    rename_quietly(listing, RENAMED)
    searched = len(searches)
    answer = anna_client.get(url).get_data(as_text=True)
    # the page the visitor had rendered (neither renamed nor searched again)…
    assert RENAMED not in answer and len(searches) == searched
    assert f"/listings/{listing.id}" in answer
    assert "Anna Nguyễn" in answer and "/auth/login" not in answer  # …with Anna's panels
    # a member reading another language does not get it: their page is rendered
    english = binh_client.get(url).get_data(as_text=True)
    assert "Bình Trần" in english and "Anna Nguyễn" not in english
    assert RENAMED in english if page == "listing" else len(searches) == searched + 1

    # the same as the page rendered for Anna with the cache off, token values aside
    rename_quietly(listing, TITLE)
    app.config["PAGE_CACHE_SECONDS"] = 0
    assert own_values(anna_client.get(url).get_data(as_text=True)) == own_values(answer)


def test_a_members_own_state_stays_in_their_panel(app, listing):
    from tests.inquiries.conftest import send_inquiry

    anna, binh = member("Anna Nguyễn"), member("Bình Trần")
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    assert send_inquiry(anna_client, listing.id).status_code == 302
    url = f"/listings/{listing.id}"
    anna_client.get(url)  # shows (and takes) the message "sent"
    anna_page = anna_client.get(url).get_data(as_text=True)
    assert "/account/inquiries/" in anna_page  # "open the conversation": Anna's
    rename_quietly(listing, RENAMED)
    binh_page = binh_client.get(url).get_data(as_text=True)
    assert TITLE in binh_page  # from the kept page
    assert "/account/inquiries/" not in binh_page
    assert "Anna Nguyễn" not in binh_page and "Bình Trần" in binh_page
    # and Anna's panel stays hers on the kept page
    again = anna_client.get(url).get_data(as_text=True)
    assert TITLE in again and "/account/inquiries/" in again


@pytest.mark.parametrize("who", ["owner", "moderator"])
def test_owners_and_staff_get_their_page_rendered(app, listing, who):
    anna = member("Anna Nguyễn")
    signed_in(app, anna).get(f"/listings/{listing.id}")  # keeps the shared page
    rename_quietly(listing, RENAMED)
    if who == "owner":
        reader = listing.business.members[0]
    else:
        reader = member("Kiểm duyệt viên", Role.MODERATOR)
    page = signed_in(app, reader).get(f"/listings/{listing.id}").get_data(as_text=True)
    assert RENAMED in page and TITLE not in page
    assert "Anna Nguyễn" not in page
    if who == "owner":
        assert f"/listings/{listing.id}/edit" in page


def test_search_pages_are_shared_with_the_members_own_save_button(app, listing, monkeypatch):
    from exchange.search import views

    searches = []
    run_search = views.run_search
    monkeypatch.setattr(views, "run_search", lambda query: searches.append(query) or
                        run_search(query))
    anna, binh = member("Anna Nguyễn"), member("Bình Trần")
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    url = "/search?q=may+say"
    first = anna_client.get(url).get_data(as_text=True)
    assert f"/listings/{listing.id}" in first and 'id="save-search"' in first
    assert len(searches) == 1
    page = binh_client.get(url).get_data(as_text=True)
    assert len(searches) == 1  # the kept page: no search run for Bình
    assert f"/listings/{listing.id}" in page
    assert "Bình Trần" in page and "Anna Nguyễn" not in page
    assert 'id="save-search"' in page and 'value="may say"' in page
    # a visitor without a session gets the anonymous page: no member's anything
    anonymous = app.test_client().get(url).get_data(as_text=True)
    assert "Bình Trần" not in anonymous and 'id="save-search"' not in anonymous


def test_a_flashed_message_is_shown_once_and_only_to_its_member(app, listing):
    anna, binh = member("Anna Nguyễn"), member("Bình Trần")
    anna_client, binh_client = signed_in(app, anna), signed_in(app, binh)
    url = f"/listings/{listing.id}"
    binh_client.get(url)  # keeps the shared page
    with anna_client.session_transaction() as session:
        session["_flashes"] = [("info", "Thông báo dành riêng cho Anna")]
    assert "Thông báo dành riêng cho Anna" in anna_client.get(url).get_data(as_text=True)
    assert "Thông báo dành riêng cho Anna" not in anna_client.get(url).get_data(as_text=True)
    assert "Thông báo dành riêng cho Anna" not in binh_client.get(url).get_data(as_text=True)


def test_a_signed_out_session_reads_the_page_as_a_visitor(app, listing):
    anna = member("Anna Nguyễn")
    anna_client = signed_in(app, anna)
    url = f"/listings/{listing.id}"
    anna_client.get(url)
    # the member signs out everywhere (a password change, say): the session is refused,
    # and its panels are a visitor's
    anna.end_sessions()
    db.session.commit()
    page = anna_client.get(url).get_data(as_text=True)
    assert "Anna Nguyễn" not in page and "/auth/login" in page


def test_a_marker_cannot_be_posed_by_content(app):
    with app.test_request_context("/"):
        real = str(slot("messages"))
        forged = real.replace(real.split(":")[1], "0" * 16)
        assert forged != real
        html = render_template_string("{{ text }}|{{ raw|safe }}", text=real, raw=forged)
        assert compose(html) == html  # escaped text and a wrong key are left alone
        with pytest.raises(TypeError):
            slot("listing_inquiry", listing_id="1 OR 1=1")


def test_a_shared_form_gets_fresh_tokens_on_every_answer(app, listing):
    anna = member("Anna Nguyễn")
    client = signed_in(app, anna)
    url = f"/listings/{listing.id}"
    keys = [re.search(r'name="idempotency_key" type="hidden" value="([^"]+)"',
                      client.get(url).get_data(as_text=True)).group(1) for _ in range(3)]
    assert len(set(keys)) == 3 and all(len(key) >= 20 for key in keys)
    # the token of the kept form is this session's: sending it is accepted
    page = client.get(url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    sent = client.post(f"/listings/{listing.id}/inquire", data={
        "csrf_token": token, "message": "Xin báo giá máy sấy cho hợp tác xã."})
    assert sent.status_code == 302


def test_a_fragment_fills_in_tokens_only(app):
    from exchange.core.panels import fragment

    with app.test_request_context("/"):
        made = fragment(("test", 1), lambda holders: f"<b>{holders['token']}</b>",
                        token=lambda: "abc-123")
        assert str(made) == "<b>abc-123</b>"
        with pytest.raises(ValueError):
            fragment(("test", 1), lambda holders: "", token=lambda: '"><script>')
