"""A signed-in member opens a crafted search link whose markup would invite a stranger into
the business; the page shows the markup as text and nothing is sent."""
from urllib.parse import quote, urlsplit

from exchange.effects import wait_for_drains
from tests.e2e.conftest import sign_in
from tests.factories import make_business, make_member

ATTACKER = "attacker@evil.example"
# htmx would send the page's own CSRF token along with the attacker's address
INVITE = ('<div hx-post="/account/invite" hx-trigger="load" hx-include="[name=csrf_token]" '
          f"hx-vals='{{\"email\": \"{ATTACKER}\"}}'>")


def _watch(page):
    """Every request the page makes after this call, as (method, path)."""
    seen = []
    page.on("request", lambda request: seen.append((request.method, request.url)))
    return seen


def _settle(page):
    """Lets htmx fire any `load` trigger, then waits for the drains its requests started:
    mail is sent by them, so an invitation, had one been queued, is in the SMTP box now."""
    page.wait_for_load_state("networkidle")
    assert wait_for_drains(), "a drain after a response did not finish"


def test_crafted_search_link_sends_no_invitation(new_page, smtp, shots):
    member = make_member(business=make_business(name="Công ty Cơ khí Sông Hồng"))
    page = sign_in(new_page("en-GB"), member)
    seen = _watch(page)
    # a parameter name the search names in its "is too long" message
    page.goto(f"/search?{quote(INVITE)}={'x' * 2100}")
    _settle(page)
    shots(page, "crafted-link")

    assert page.evaluate("typeof window.htmx") == "object"  # htmx ran on this page
    assert smtp.to(ATTACKER) == []
    assert [url for _method, url in seen if urlsplit(url).path == "/account/invite"] == []
    assert [method for method, _url in seen if method != "GET"] == []
    assert 'hx-post="/account/invite"' in page.locator(".alert-warning").inner_text()


def test_htmx_sends_nothing_but_reads_for_markup_it_finds(new_page, live_server, smtp):
    """Defence in depth: were foreign markup ever to reach the page, htmx would run no
    script, evaluate nothing and send no state-changing request."""
    member = make_member(business=make_business(name="Công ty Cơ khí Sông Hồng"))
    page = sign_in(new_page(), member)
    page.goto("/search")
    config = page.evaluate("({allowEval: htmx.config.allowEval, "
                           "allowScriptTags: htmx.config.allowScriptTags, "
                           "selfRequestsOnly: htmx.config.selfRequestsOnly})")
    assert config == {"allowEval": False, "allowScriptTags": False, "selfRequestsOnly": True}
    seen = _watch(page)
    page.evaluate("""(markup) => {
        const box = document.createElement("div");
        box.innerHTML = markup;
        document.querySelector("main").append(box);
        htmx.process(box);
    }""", INVITE + "</div>" + f'<div hx-get="{live_server}/search?q=may" '
                               'hx-trigger="load"></div>')
    _settle(page)
    assert [method for method, _url in seen if method != "GET"] == []
    assert smtp.to(ATTACKER) == []
    # htmx did process the foreign markup: its read was sent, on this site
    assert [url for _method, url in seen if "/search?q=may" in url]
    assert all(url.startswith(live_server) for _method, url in seen)


def test_pages_declare_no_browser_feature_chromium_does_not_know(new_page):
    """A misspelt Permissions-Policy feature is ignored with a console error, silently
    leaving that feature to the browser's default."""
    page = new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text)
            if "Permissions-Policy" in message.text else None)
    response = page.goto("/")
    page.wait_for_load_state("networkidle")
    assert "camera=()" in response.headers["permissions-policy"]
    assert problems == []
