"""After sign-in, `next` leads only to a path on this site; every known bypass lands on the
dashboard, and none of them is a server error."""
from urllib.parse import quote, urlsplit

import pytest

from exchange.core.urls import safe_next
from tests.factories import PASSWORD, csrf_token, make_member

# raw values of `next`, as the browser would send them percent-encoded
BYPASSES = [
    "//evil.com", "///evil.com", "////evil.com", "/\t/evil.com", "/\n/evil.com",
    "/\r\n/evil.com", "/\r\nSet-Cookie: a=b", "\t//evil.com", " //evil.com", "/ /evil.com",
    "/\\evil.com", "\\\\evil.com", "/\\/evil.com", "\\/evil.com", "https://evil.com",
    "http:/evil.com", "https:evil.com", "//evil.com/%2F..", "javascript:alert(1)",
    "JavaScript://%0aalert(1)", "data:text/html,<script>alert(1)</script>", "evil.com",
    "@evil.com", "/\x00/evil.com", "/\x0b/evil.com", "/\x0c/evil.com", "/\x7f/evil.com",
    "/\u200b/evil.com", "/\u202e/evil.com", "/\u3000/evil.com", "/\ufeff/evil.com",
    "/\u2028/evil.com", "/\u00a0/evil.com", "", " ", "/" + "a" * 3000,
]


@pytest.fixture
def member(app):
    return make_member()


def sign_in(client, member, next_value):
    return client.post("/auth/login?next=" + quote(next_value, safe=""), data={
        "email": member.email, "password": PASSWORD, "csrf_token": csrf_token(client)})


@pytest.mark.parametrize("target", BYPASSES)
def test_known_bypasses_land_on_the_dashboard(client, member, target):
    response = sign_in(client, member, target)
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/account" and location.netloc in ("", "exchange.test")


@pytest.mark.parametrize("target", ["/listings/new?kind=offer", "/account/inquiries/3",
                                    "/search?q=m%C3%A1y+s%E1%BA%A5y&page=2",
                                    "/%09/evil.com"])  # an encoded tab stays in this site's path
def test_a_path_on_this_site_is_followed(client, member, target):
    response = sign_in(client, member, target)
    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_the_helper_uses_the_given_fallback(app):
    with app.test_request_context():
        assert safe_next("//evil.com", "/moderation") == "/moderation"
        assert safe_next(None) == "/account"
        assert safe_next(["/account"]) == "/account"
        assert safe_next("/moderation/7", "/x") == "/moderation/7"


def test_moderator_forms_cannot_send_elsewhere(client, app):
    """The moderators' suspend form posts its own `next`; a forged one is replaced."""
    from tests.factories import login, make_moderator
    target = make_member()
    login(client, make_moderator())
    token = csrf_token(client, "/moderation")
    response = client.post(f"/moderation/members/{target.id}/suspend-inquiries", data={
        "csrf_token": token, "reason": "spam", "next": "/\t/evil.com"})
    assert response.status_code == 302
    assert "evil.com" not in response.headers["Location"]
