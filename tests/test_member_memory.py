"""Answers from a kept page take the signed-in member from this process's memory while
neither of their panels' versions has moved: no database round trip. A change this process
commits is seen at the next answer; a change another process commits (a suspension, a
message) within PANEL_STATE_SECONDS."""
import re

import pytest

from exchange.core import panelstate
from exchange.extensions import db
from tests.helpers import counted_statements
from tests.inquiries.conftest import send_inquiry
from tests.deals.conftest import proposers, request_listing, requester  # noqa: F401
from tests.test_panels import listing, member, signed_in  # noqa: F401

LOOK_SECONDS = 30.0


@pytest.fixture
def app_overrides(tmp_path):
    return {"PAGE_CACHE_SECONDS": 30, "PUBLIC_STATE_SECONDS": 30.0,
            "PANEL_STATE_SECONDS": LOOK_SECONDS,
            "PAGE_CACHE_DIR": str(tmp_path / "page-cache"),
            # views are counted in memory and written apart, as in production (not per answer)
            "INSIGHTS_FLUSH_SECONDS": 3600.0}


@pytest.fixture(autouse=True)
def counts_left_behind():
    """The views these tests counted and did not write are not another test's to write."""
    from exchange.insights import counting
    yield
    with counting._lock:
        counting._pending.clear()


@pytest.fixture
def statements(app):
    """The SQL statements run from here on."""
    with counted_statements() as ran:
        yield ran


@pytest.fixture
def clock(monkeypatch):
    """The monotonic clock panelstate reads (its own, not the process's), moved by the test."""
    now = [1000.0]
    monkeypatch.setattr(panelstate, "monotonic", lambda: now[0])
    return now


def elsewhere(app, monkeypatch):
    """Commits made while this is entered are as another process's: this process does
    not hear of them until it looks again."""
    known = panelstate._known(app)
    monkeypatch.setattr(known, "forget", lambda: None)
    return monkeypatch.context()


def test_a_kept_answer_takes_the_member_from_memory(app, listing, statements, clock):
    anna = member("Anna Nguyễn")
    client = signed_in(app, anna)
    url = f"/listings/{listing.id}"
    inquiry_form = f'action="{url}/inquire"'
    client.get(url)
    client.get(url)  # the page and Anna's panels are kept, Anna is kept in memory
    statements.clear()
    page = client.get(url).get_data(as_text=True)
    assert "Anna Nguyễn" in page and inquiry_form in page
    assert statements == []
    # another member on the same page is loaded once, then kept too
    binh_client = signed_in(app, member("Bình Trần"))
    binh_client.get(url)
    binh_client.get(url)
    statements.clear()
    binh_page = binh_client.get(url).get_data(as_text=True)
    assert "Bình Trần" in binh_page and "Anna Nguyễn" not in binh_page
    assert statements == []


def test_this_process_s_changes_are_seen_at_the_next_answer(app, listing, clock):
    seller = listing.business.members[0]
    buyer = member("Bình Trần")
    seller_client, buyer_client = signed_in(app, seller), signed_in(app, buyer)
    seller_client.get("/")
    assert 'id="inquiry-unread"' not in seller_client.get("/").get_data(as_text=True)

    assert send_inquiry(buyer_client, listing.id).status_code == 302
    assert 'id="inquiry-unread">1<' in seller_client.get("/").get_data(as_text=True)

    buyer.is_active_account = False  # suspended: every session of theirs ends
    db.session.commit()
    assert "Bình Trần" not in buyer_client.get("/").get_data(as_text=True)


def test_another_process_s_changes_are_seen_within_the_interval(app, listing, clock,
                                                               monkeypatch, statements):
    anna = member("Anna Nguyễn")
    client = signed_in(app, anna)
    url = f"/listings/{listing.id}"
    client.get(url)
    assert "Anna Nguyễn" in client.get(url).get_data(as_text=True)

    with elsewhere(app, monkeypatch):
        anna.is_active_account = False
        db.session.commit()
    clock[0] += LOOK_SECONDS / 2
    statements.clear()
    assert "Anna Nguyễn" in client.get(url).get_data(as_text=True)  # not looked yet
    assert not [statement for statement in statements
                if "members" in statement or "panel_versions" in statement]

    clock[0] += LOOK_SECONDS / 2
    page = client.get(url).get_data(as_text=True)
    assert "Anna Nguyễn" not in page and "/auth/login" in page


def test_a_member_who_changes_business_moves_both(app, listing, clock, monkeypatch):
    anna = member("Anna Nguyễn")
    left, joined = anna.business, member("Bình Trần").business
    client = signed_in(app, anna)
    url = f"/listings/{listing.id}"
    client.get(url)
    client.get(url)
    known = panelstate._known(app)
    with elsewhere(app, monkeypatch):
        anna.business = joined
        db.session.commit()
    clock[0] += LOOK_SECONDS
    client.get(url)
    assert known.moved.get(left.id) and known.moved.get(joined.id)
    assert known.kept(anna.id)[0]["business_id"] == joined.id  # loaded again


def test_an_owner_s_own_listing_page_is_kept_for_them_alone(app, listing, statements,
                                                              clock, monkeypatch):
    from exchange.listings import lifecycle

    owner = listing.business.members[0]
    client = signed_in(app, owner)
    url = f"/listings/{listing.id}"
    withdraw = f'action="{url}/withdraw"'
    client.get(url)  # rendered for the owner and kept for them
    client.get(url)  # the owner is kept in memory
    statements.clear()
    page = client.get(url).get_data(as_text=True)
    assert withdraw in page and statements == []  # from memory: no query, no render
    # nobody else ever gets it: another member reads the public page
    other = signed_in(app, member("Bình Trần")).get(url).get_data(as_text=True)
    assert withdraw not in other and "Bình Trần" in other

    # the owner's edit in this process (a new version under review) is seen at once
    lifecycle.save_edit(listing, owner.id, {"title": "Máy sấy thế hệ mới chờ duyệt"})
    db.session.commit()
    assert "Máy sấy thế hệ mới chờ duyệt" in client.get(url).get_data(as_text=True)
    client.get(url)
    # a change made by another process (a moderator's reason, say) within the interval
    with elsewhere(app, monkeypatch):
        revision = listing.latest_revision
        revision.title = "Máy sấy thế hệ mới, bản sửa"
        db.session.commit()
        assert "bản sửa" not in client.get(url).get_data(as_text=True)
        clock[0] += LOOK_SECONDS
        page = client.get(url).get_data(as_text=True)
    assert "bản sửa" in page
    # its forms carry tokens of this session: the owner's withdrawal goes through
    page = client.get(url).get_data(as_text=True)
    assert withdraw in page
    token = re.search(rf'{re.escape(withdraw)}>\s*<input type="hidden" name="csrf_token" '
                      r'value="([^"]+)"', page).group(1)
    assert client.post(f"{url}/withdraw", data={"csrf_token": token}).status_code == 302
    assert withdraw not in client.get(url).get_data(as_text=True)


def _tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', page)) | \
        set(re.findall(r'value="([^"]+)"[^>]*name="csrf_token"', page))


def test_a_kept_answer_hands_out_the_form_token_signed_for_the_session(app, listing):
    """Signing a form token is most of a kept answer's cost: within a minute a member's
    answers carry the one signed for their session, and it is accepted."""
    from exchange.core.panels import SIGNED_TOKENS

    anna = member("Anna Nguyễn")
    client = signed_in(app, anna)
    url = f"/listings/{listing.id}"
    client.get(url)
    first = _tokens(client.get(url).get_data(as_text=True))
    later = client.get(url).get_data(as_text=True)
    assert len(first) == 1 and _tokens(later) == first
    assert len(app.extensions[SIGNED_TOKENS]._cache) >= 1
    # the inquiry form of the kept card goes through with it
    key = re.search(r'name="idempotency_key"[^>]*value="([^"]+)"', later) or \
        re.search(r'value="([^"]+)"[^>]*name="idempotency_key"', later)
    sent = client.post(f"{url}/inquire", data={
        "csrf_token": first.pop(), "idempotency_key": key.group(1),
        "message": "Chúng tôi muốn hỏi giá và thời gian giao hàng của máy."})
    assert sent.status_code == 302


def test_form_tokens_with_a_time_limit_are_signed_for_each_answer(app, listing):
    from exchange.core.panels import SIGNED_TOKENS

    app.config["WTF_CSRF_TIME_LIMIT"] = 600
    client = signed_in(app, member("Anna Nguyễn"))
    url = f"/listings/{listing.id}"
    for _ in range(3):
        assert len(_tokens(client.get(url).get_data(as_text=True))) == 1
    assert len(app.extensions[SIGNED_TOKENS]._cache) == 0


def test_a_member_from_memory_has_new_panels_rendered(app, listing, request_listing,
                                                      proposers, clock):
    """A member taken from memory (in no session) reads a page whose panels were never
    rendered for them: the panels load what the member relates to (their business)."""
    chi = proposers[2]
    client = signed_in(app, chi)
    url = f"/listings/{listing.id}"
    for _ in range(3):
        client.get(url)  # the third answer takes Chi from memory
    request_url = f"/listings/{request_listing.id}"
    app.test_client().get(request_url)  # kept by a visitor: Chi's panels are not
    page = client.get(request_url).get_data(as_text=True)
    assert 'id="send-proposal"' in page and "Người đề xuất 3" in page
