"""Walks every rule of the URL map: CSRF on every state-changing method, sign-in on every
private route, the role on every moderator or admin route. A route added later fails
test_every_route_is_classified until it is put in one of the lists below, and from then
on the other tests check it."""
from urllib.parse import urlsplit

import pytest

from tests.security.conftest import (CSRF_MESSAGE, changed_tables, client_for, snapshot,
                                     token_for)

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}

# Anyone may use these; their forms still need a CSRF token.
PUBLIC = {
    "static", "core.vendor", "core.home", "core.healthz",
    "accounts.register", "accounts.login", "accounts.logout", "accounts.forgot_password",
    "accounts.reset_password", "accounts.verify", "accounts.accept_invite",
    "listings.show", "listings.file", "listings.thumbnail", "businesses.profile",
    "search.search", "search.category", "search.suggest",
    "api.search", "api.listing", "api.stats", "api.openapi", "matching.api_matches",
    "transfer.public_export",
    "matching.unsubscribe", "matching.stop_alert", "payments.stripe_webhook",
    "payments.vietqr_webhook",
    # the mailed renewal link: its signed token names the listing and the member, whose
    # right to renew is checked when it is used; the confirming form carries a CSRF token
    "expiry.renew",
    "directories.businesses", "directories.experts", "directories.expert",
    "seo.robots", "seo.sitemap_index", "seo.sitemap_chunk", "search.search_feed",
    "search.category_feed",
    "content.news", "content.article", "content.cover", "content.news_feed", "content.events",
    "content.event", "content.register", "content.event_ics", "content.events_feed",
}
MEMBER = {
    "accounts.dashboard", "accounts.invite", "accounts.resend_verification",
    "accounts.sign_out_everywhere",
    "listings.new", "listings.edit", "listings.withdraw", "listings.submit",
    "inquiries.inquire", "inquiries.report_listing", "inquiries.inbox", "inquiries.thread",
    "inquiries.archive", "inquiries.unarchive", "inquiries.close", "inquiries.report_thread",
    "inquiries.mail_settings",
    "matching.notification_settings", "matching.saved_searches",
    "matching.delete_saved_search",
    "payments.feature", "payments.success", "payments.cancel", "payments.orders",
    "payments.receipt", "payments.order_status", "payments.pay", "payments.receipt_pdf",
    "deals.propose", "deals.revise", "deals.withdraw", "deals.proposal", "deals.proposal_file",
    "deals.compare", "deals.shortlist", "deals.award", "deals.decline", "deals.close",
    "deals.my_proposals", "deals.record_from_thread", "deals.record_from_proposal",
    "deals.deal", "deals.confirm", "deals.dispute", "deals.my_deals",
    "listings.renew", "insights.listing_stats",
    "disclosure.request_access", "disclosure.owner_requests", "disclosure.my_requests",
    "disclosure.grant", "disclosure.refuse", "disclosure.revoke",
    "disclosure.business_agreement",
    "directories.register", "directories.edit", "directories.request_service",
}
MODERATOR = {
    "moderation.queue", "moderation.review", "moderation.claim", "moderation.decide",
    "moderation.release", "moderation.audit", "moderation.listing", "moderation.suspend",
    "moderation.restore", "inquiries.moderator_thread", "inquiries.suspend_inquiries",
    "inquiries.restore_inquiries", "transfer.staff_export",
    "deals.staff_deals", "deals.record_offline", "stats.report", "stats.export_table",
    "directories.review_list", "directories.review",
}
# editors (and admins) write news and events; members and moderators are refused
EDITOR = {"content.editor_home", "content.new_article", "content.edit_article",
          "content.publish_article", "content.archive_article", "content.new_event",
          "content.edit_event", "content.publish_event", "content.archive_event"}
ADMIN = {"payments.admin_orders", "payments.admin_plans", "payments.admin_transfers",
         "payments.resolve_transfer", "payments.mark_paid", "payments.admin_export",
         "expiry.admin_lifetimes",
         "staff.index", "staff.grant", "staff.set_role", "staff.activity"}

# State-changing routes that accept a request without our CSRF token, and why that is safe.
CSRF_EXEMPT = {
    # Stripe cannot know our token; the body's signature (STRIPE_WEBHOOK_SECRET) is checked
    # instead and an unsigned or mis-signed event is refused with 400
    "payments.stripe_webhook",
    # bank-notification services cannot know our token; the HMAC-SHA256 of the raw body
    # (VIETQR_WEBHOOK_SECRET) and a fresh timestamp are checked instead, and an unsigned,
    # mis-signed or stale notice is refused with 400
    "payments.vietqr_webhook",
    # one-click unsubscribe (RFC 8058): mail clients POST the link's URL, whose signed token
    # names the member or the saved search; a forged token is refused with 400
    "matching.unsubscribe", "matching.stop_alert",
}

# What a refused request would have done if it had gone through: enough fields for most
# forms to be valid, so a missing check shows as a change in the database.
FORM = {
    "decision": "approve", "reason": "Đủ thông tin, duyệt.", "message": "Xin chào, tôi quan tâm.",
    "name": "Tìm máy sấy", "query": "q=may+say", "email": "moi@example.vn",
    "full_name": "Người Mới", "plan": "week", "match_mail_mode": "off", "mode": "off",
}
# per-endpoint arguments where the name alone does not say what the value is
ARGUMENTS = {
    "static": {"filename": "js/app.js"},
    "core.vendor": {"package": "bootstrap", "filename": "css/bootstrap.min.css"},
    "stats.export_table": {"table": "summary", "fmt": "xlsx"},
}


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda rule: (rule.rule, rule.endpoint))


def _url(rule, world) -> str:
    values = {**world.values, **ARGUMENTS.get(rule.endpoint, {})}
    missing = rule.arguments - values.keys()
    assert not missing, (f"{rule.rule}: give tests/security a real value for {missing} "
                         "(build the object in build_world)")
    return rule.rule if not rule.arguments else _build(rule, values)


def _build(rule, values) -> str:
    from flask import current_app
    adapter = current_app.url_map.bind("exchange.test")
    return adapter.build(rule.endpoint, {k: values[k] for k in rule.arguments})


def _methods(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def _send(client, method, url, data=None):
    return client.open(url, method=method, data=data)


def _goes_to_login(response) -> bool:
    return (response.status_code in (301, 302, 303)
            and urlsplit(response.headers["Location"]).path == "/auth/login")


def test_every_route_is_classified(app):
    lists = {"PUBLIC": PUBLIC, "MEMBER": MEMBER, "MODERATOR": MODERATOR, "EDITOR": EDITOR,
             "ADMIN": ADMIN}
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    unclassified = sorted(e for e in endpoints if not any(e in group for group in lists.values()))
    assert not unclassified, (
        f"routes nobody checks: {unclassified}; add each to PUBLIC, MEMBER, MODERATOR or "
        "ADMIN in tests/security/test_routes.py")
    twice = sorted(e for e in endpoints if sum(e in group for group in lists.values()) > 1)
    assert not twice, f"routes in more than one list: {twice}"
    stale = sorted(set().union(*lists.values(), CSRF_EXEMPT) - endpoints)
    assert not stale, f"listed routes that no longer exist: {stale}"
    assert CSRF_EXEMPT <= PUBLIC


def test_state_changing_requests_without_csrf_token_are_refused(app, world, subtests):
    acting = {"MEMBER": world.owner, "MODERATOR": world.moderator, "EDITOR": world.editor,
              "ADMIN": world.admin}
    clients = {name: client_for(app, member) for name, member in acting.items()}
    clients["PUBLIC"] = client_for(app)
    checked = 0
    for rule in _rules(app):
        if rule.endpoint in CSRF_EXEMPT:
            continue
        group = next(name for name, group in (("PUBLIC", PUBLIC), ("MEMBER", MEMBER),
                                              ("MODERATOR", MODERATOR), ("EDITOR", EDITOR),
                                              ("ADMIN", ADMIN))
                     if rule.endpoint in group)
        for method in STATE_CHANGING & rule.methods:
            with subtests.test(method=method, rule=rule.rule):
                url = _url(rule, world)
                before = snapshot()
                response = _send(clients[group], method, url, data=FORM)
                assert response.status_code == 400, (group, response.status_code)
                assert CSRF_MESSAGE in response.get_data(as_text=True)
                assert changed_tables(before, snapshot()) == []
                checked += 1
    assert checked >= 30


def test_csrf_exempt_routes_refuse_requests_without_their_own_credentials(app, world):
    client = client_for(app)
    before = snapshot()
    for endpoint in sorted(CSRF_EXEMPT):
        rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        response = _send(client, "POST", _url(rule, world), data=FORM)
        assert response.status_code == 400, endpoint
    response = client.post("/payments/stripe/webhook", data='{"id": "evt_forged"}',
                           headers={"Stripe-Signature": "t=1,v1=00"},
                           content_type="application/json")
    assert response.status_code == 400
    response = client.post("/payments/vietqr/webhook", data='{"transaction_id": "FT1"}',
                           headers={"X-Exchange-Timestamp": "1", "X-Exchange-Signature": "00"},
                           content_type="application/json")
    assert response.status_code == 400
    assert changed_tables(before, snapshot()) == []


def test_private_routes_send_anonymous_visitors_to_login(app, world, subtests):
    client = client_for(app)
    checked = 0
    for rule in _rules(app):
        if rule.endpoint not in MEMBER | MODERATOR | EDITOR | ADMIN:
            continue
        for method in _methods(rule):
            with subtests.test(method=method, rule=rule.rule):
                url = _url(rule, world)
                data = {**FORM, "csrf_token": token_for(client, False)} \
                    if method in STATE_CHANGING else None
                before = snapshot()
                response = _send(client, method, url, data=data)
                if url.startswith("/api/"):
                    assert response.status_code in (401, 404)
                else:
                    assert _goes_to_login(response), (response.status_code,
                                                      response.headers.get("Location"))
                assert changed_tables(before, snapshot()) == []
                checked += 1
    assert checked >= 40


@pytest.mark.parametrize("role", ["member", "moderator", "editor"])
def test_staff_routes_refuse_members_without_the_role(app, world, subtests, role):
    """A plain member gets 403 on moderator, editor and admin routes; a moderator on editor
    and admin routes; an editor on moderator and admin routes."""
    member = {"member": world.owner, "moderator": world.moderator, "editor": world.editor}[role]
    forbidden = {"member": MODERATOR | EDITOR | ADMIN, "moderator": EDITOR | ADMIN,
                 "editor": MODERATOR | ADMIN}[role]
    client = client_for(app, member)
    checked = 0
    for rule in _rules(app):
        if rule.endpoint not in forbidden:
            continue
        for method in _methods(rule):
            with subtests.test(method=method, rule=rule.rule):
                data = {**FORM, "csrf_token": token_for(client, True)} \
                    if method in STATE_CHANGING else None
                before = snapshot()
                response = _send(client, method, _url(rule, world), data=data)
                assert response.status_code == 403
                assert changed_tables(before, snapshot()) == []
                checked += 1
    assert checked >= len(forbidden)


def test_public_routes_answer_visitors_without_sending_them_to_login(app, world, subtests):
    client = client_for(app)
    for rule in _rules(app):
        if rule.endpoint not in PUBLIC or "GET" not in rule.methods:
            continue
        with subtests.test(rule=rule.rule):
            response = _send(client, "GET", _url(rule, world))
            assert response.status_code < 500
            assert not _goes_to_login(response)


@pytest.mark.parametrize("huge", [2**31, 2**63, 10**30])
def test_ids_beyond_any_row_are_not_found(app, world, subtests, huge):
    """Every number in a URL names nothing once it is past the id columns' range: 404,
    never a database error (ids are 32-bit on PostgreSQL)."""
    staff = client_for(app, world.admin)
    for rule in _rules(app):
        ids = {name for name in rule.arguments if name.endswith("_id")}
        if not ids:
            continue
        method = "GET" if "GET" in rule.methods else sorted(STATE_CHANGING & rule.methods)[0]
        with subtests.test(method=method, rule=rule.rule):
            url = _build(rule, {**world.values, **ARGUMENTS.get(rule.endpoint, {}),
                                **dict.fromkeys(ids, 1)})
            url = url.replace("/1", f"/{huge}")
            data = {**FORM, "csrf_token": token_for(staff, True)} if method != "GET" else None
            assert _send(staff, method, url, data=data).status_code == 404
