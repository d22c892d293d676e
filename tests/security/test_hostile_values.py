"""Walks every route of the URL map with hostile markup in every query parameter, form field,
parameter name, upload filename and URL part it reads, signed out and in every role, and
fails if any page gives the markup back unescaped. A route added later is walked too."""
import io
import re
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict

from tests.factories import login
from tests.security.conftest import client_for
from tests.security.test_routes import ARGUMENTS, FORM, STATE_CHANGING, _build, _methods, _rules

# each would act in a browser if the page gave it back as markup: htmx attributes (htmx is
# served by the site, so the CSP lets them run), an attribute break-out in both quotes, and
# a Jinja expression (`zq49zq` in a page means a template evaluated what the visitor sent)
HOSTILE = ('<div hx-get="/x" hx-trigger="load">', '"><img src=x>', "zq{{7*7}}zq",
           "'><svg onload=1>")
PAYLOAD = "".join(HOSTILE)
EVALUATED = "zq49zq"
# the markup once a browser has parsed it: (tag, attribute, value or None for any)
PARSED = {("div", "hx-get", "/x"), ("img", "src", "x"), ("svg", "onload", None)}
LONG = "x" * 2100  # past every "too long" check that names the parameter
ROLES = ("visitor", "member", "moderator", "admin")


class _Reads(ImmutableMultiDict):
    """Query strings and form bodies that remember which names the app looked up."""
    names: set[str] = set()

    def __contains__(self, key):
        self.names.add(key)
        return super().__contains__(key)

    def __getitem__(self, key):
        self.names.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None, type=None):
        self.names.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        self.names.add(key)
        return super().getlist(key, type)


class _RecordingRequest(Request):
    parameter_storage_class = _Reads


class _Markup(HTMLParser):
    """What a browser would build from the page: the hostile elements, if any."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            for want_tag, want_attr, want_value in PARSED:
                if tag == want_tag and name == want_attr and want_value in (None, value):
                    self.found.append(f"<{tag} {name}>")

    handle_startendtag = handle_starttag


def leaks(response) -> list[str]:
    body = response.get_data().decode("utf-8", "replace")  # images are answered too
    found = [EVALUATED] if EVALUATED in body else []
    if response.mimetype != "text/html":
        return found  # JSON and CSV are never parsed as markup (nosniff)
    found += [fragment for fragment in HOSTILE if fragment in body and "{{" not in fragment]
    parser = _Markup()
    parser.feed(body)
    return found + parser.found


_FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"[^>]*>')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Walk:
    """One role's client and what it learnt: field names seen in forms, leaks found."""

    def __init__(self, app, world, role):
        self.app, self.world, self.role = app, world, role
        self.member = {"visitor": None, "member": world.owner, "moderator": world.moderator,
                       "admin": world.admin}[role]
        self.client = client_for(app, self.member)
        self.fields = set(FORM) - {"csrf_token"}
        self.files = set()
        self.found: dict[str, list[str]] = {}
        self.requests = 0

    def send(self, method, url, label, **kwargs):
        _Reads.names = set()
        response = self.client.open(url, method=method, **kwargs)
        self.requests += 1
        if response.mimetype == "text/html":
            html = response.get_data().decode("utf-8", "replace")
            for tag in _FIELD.finditer(html):
                name = tag.group(1)
                if name == "csrf_token":
                    continue
                (self.files if 'type="file"' in tag.group(0) else self.fields).add(name)
        problems = leaks(response)
        if response.status_code >= 500:  # a hostile value is a 400 at worst, never a crash
            problems.append(f"status {response.status_code}")
        if problems:
            self.found.setdefault(f"{method} {label}", []).extend(sorted(set(problems)))
        return set(_Reads.names) - {"csrf_token"}

    def token(self) -> str:
        """A CSRF token of this client's session; signs the member in again if a route
        (sign-out, a password change) ended the session."""
        page = self.client.get("/" if self.member else "/auth/login").get_data(as_text=True)
        match = _CSRF.search(page)
        if self.member is not None and 'action="/auth/logout"' not in page:
            login(self.client, self.member)
            return self.token()
        return match.group(1)

    def url(self, rule, **hostile) -> str:
        values = {**self.world.values, **ARGUMENTS.get(rule.endpoint, {}), **hostile}
        return _build(rule, values) if rule.arguments else rule.rule

    def hostile_urls(self, rule) -> list[str]:
        """The rule with the payload in each URL part that is free text (not a number, not
        one of a fixed set of words: those no URL with the payload can reach)."""
        urls = []
        for name in sorted(rule.arguments):
            if type(rule._converters[name]).__name__ in ("RowIdConverter", "IntegerConverter",
                                                         "AnyConverter"):
                continue
            urls.append(self.url(rule, **{name: PAYLOAD}))
        return urls

    def get(self, rule):
        url = self.url(rule)
        label = rule.rule
        read = self.send("GET", url, label)
        for name in sorted(read):
            self.send("GET", f"{url}?{urlencode({name: PAYLOAD})}", f"{label}?{name}=…")
        if read:
            self.send("GET", f"{url}?{urlencode(dict.fromkeys(read, PAYLOAD))}",
                      f"{label}?(all)=…")
        self.send("GET", f"{url}?{urlencode({PAYLOAD: 'x'})}", f"{label}?<name>=x")
        self.send("GET", f"{url}?{urlencode({PAYLOAD: LONG})}", f"{label}?<name>=long")
        for hostile_url in self.hostile_urls(rule):
            self.send("GET", hostile_url, f"{label} (URL part)")

    def post(self, rule, method):
        url = self.url(rule)
        label = rule.rule
        everything = {name: PAYLOAD for name in self.fields}
        uploads = {name: (io.BytesIO(b"not a picture"), PAYLOAD + ".png") for name in self.files}
        read = self.send(method, url, f"{label} (all fields)",
                         data={**everything, **uploads, "csrf_token": self.token()})
        for name in sorted(read):
            data = {**FORM, name: PAYLOAD, "csrf_token": self.token()}
            self.send(method, url, f"{label} {name}=…", data=data)
        self.send(method, f"{url}?{urlencode({PAYLOAD: LONG})}", f"{label}?<name>=long",
                  data={**FORM, "csrf_token": self.token()})
        for hostile_url in self.hostile_urls(rule):
            self.send(method, hostile_url, f"{label} (URL part)",
                      data={**FORM, "csrf_token": self.token()})


@pytest.fixture
def app_overrides(app_overrides):
    # the walk signs in again after routes that end the session; the sign-in limit is not
    # what is tested here
    return {**app_overrides, "RATELIMIT_ENABLED": False}


@pytest.mark.parametrize("role", ROLES)
def test_no_route_gives_hostile_values_back_as_markup(app, world, role):
    """GET every route and every parameter it reads; POST every form with each field it
    reads; then GET every route again, now that some of the values are stored."""
    app.request_class = _RecordingRequest
    walk = Walk(app, world, role)
    rules = _rules(app)
    for rule in rules:
        if "GET" in rule.methods:
            walk.get(rule)
    for rule in rules:
        for method in sorted(STATE_CHANGING & set(_methods(rule))):
            walk.post(rule, method)
    for rule in rules:
        if "GET" in rule.methods:
            walk.send("GET", walk.url(rule), f"{rule.rule} (after the forms)")
    assert walk.requests > 3 * len(rules)
    assert not walk.found, "\n".join(f"{where}: {', '.join(what)}"
                                     for where, what in sorted(walk.found.items()))
