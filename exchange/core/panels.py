"""Per-visitor parts of a page ("panels"), rendered apart from the page around them.

A page that may be kept for everyone (`exchange.core.pagecache`) must hold nothing of one
visitor. What depends on who asks — the header's account menu, the messages flashed to
them, a listing's inquiry form or feature button, "save this search" — is a panel: a small
view of its own, registered by its feature with `@panel(bp, "name")`, which gathers its
data and renders its template. A page places it with `{{ panel("name", listing_id=…) }}`,
which writes a marker; when the response leaves the app, `compose()` renders each marker's
panel for the visitor of the request. The page around the markers is the same for every
member it is shown to, so it can be kept once and served to each of them with only their
panels rendered (see `pagecache.PageCache`).

A marker carries a key derived from the secret key, so text in a listing can never pose as
one, and only integer arguments, which the view knows (listing and thread ids).
"""
import hashlib
import json
import re

from cachelib import SimpleCache
from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from exchange.core.bounded import Bounded

PANELS = "exchange.panels"  # app.extensions: name -> function(**int arguments) -> str
MARKERS = "exchange.panels.markers"  # app.extensions: (marker prefix, marker pattern)
FRAGMENTS = "exchange.panels.fragments"  # app.extensions: rendered fragments, by key
SHARED_BODY = "exchange.panels.shared_body"  # WSGI environ: the page before composing
# WSGI environ: True asks for the page as composed, in kept form (`kept_form`: its tokens
# taken out), which then takes the place of True
COMPOSED = "exchange.panels.composed"
# WSGI environ: a function of (the page before composing, its rendered panels by marker)
# that keeps what of them other answers may use (the page cache's, for a member's request)
KEEP_RENDERED = "exchange.panels.keep_rendered"


EVERY_PAGE = "exchange.panels.every_page"  # app.extensions: names of panels pages share
SHARED_BY = "exchange.panels.shared_by"  # app.extensions: name -> function (see `panel`)


def panel(bp, name: str, every_page: bool = False, shared_by=None):
    """Register the decorated function as the panel `name` of the app `bp` is part of.
    A panel `every_page` is the same on every page for a visitor (the header's): what the
    page cache keeps of it for a member serves each page they read (see `compose`).
    `shared_by(member, **arguments)` tells what the panel shows a member on a page kept
    for members: a key every member it shows the same to shares (what they may do, as the
    rules of `can` read it), or None when it shows them something of their own (their
    conversation about the listing); the page cache keeps it once per key."""

    def decorator(render):
        def record(state):
            state.app.extensions.setdefault(PANELS, {})[name] = render
            if every_page:
                state.app.extensions.setdefault(EVERY_PAGE, set()).add(name)
            if shared_by is not None:
                state.app.extensions.setdefault(SHARED_BY, {})[name] = shared_by

        bp.record_once(record)
        return render

    return decorator


def slot(name: str, optional: bool = False, **arguments) -> Markup:
    """The template global `panel`: where the panel `name` goes in the page (nothing for
    an `optional` one no feature registered)."""
    app = current_app
    if name not in app.extensions.get(PANELS, {}):
        if optional:
            return Markup("")
        raise LookupError(f"no panel named {name!r}")
    for value in arguments.values():
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"panel {name!r}: arguments are integers")
    encoded = json.dumps(arguments, sort_keys=True, separators=(",", ":"))
    return Markup(f"{app.extensions[MARKERS][0]}{name}:{encoded}-->")


def has_panels(app, body: str) -> bool:
    return app.extensions[MARKERS][0] in body


def compose(body: str, rendered: dict | None = None, kept: dict | None = None) -> str:
    """`body` with each panel marker replaced by the panel rendered for this request, or
    by the one `kept` for that marker (`kept_form`) with its tokens new; each marker's panel
    (with the panels it places) is noted in `rendered`, when given."""
    app = current_app._get_current_object()
    prefix, pattern = app.extensions[MARKERS]
    panels = app.extensions.get(PANELS, {})
    kept = kept or {}
    new_tokens = _new_tokens() if kept else None

    def render(match, depth=0) -> str:
        out = str(panels[match.group(1)](**json.loads(match.group(2))))
        # a panel may place another (the header's account links, an unread count)
        if depth < 2 and prefix in out:
            out = pattern.sub(lambda inner: render(inner, depth + 1), out)
        return out

    def note(match) -> str:
        if match.group(0) in kept:
            out = new_tokens(kept[match.group(0)])
        else:
            out = render(match)
        if rendered is not None:
            rendered[match.group(0)] = out
        return out

    return pattern.sub(note, body) if prefix in body else body


# a token a panel's form carries (its CSRF token, an idempotency key) where a panel kept
# for later answers holds it; the kept panel gets a fresh one on each answer
_TOKEN_SLOT = re.compile("\x00token:([a-z_]+)\x00")
TOKENS = "exchange.panels.tokens"  # app.extensions: token name -> function making one


def kept_form(rendered: dict) -> dict:
    """The panels (or pages) of `rendered` with the tokens this request made for their
    forms taken out (see `fill`), so they can be kept and answered again."""
    made = dict(g.get("panel_tokens", {}))
    csrf = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if csrf:
        made[csrf] = "csrf"
    kept = {}
    for marker, html in rendered.items():
        for value, name in made.items():
            html = html.replace(value, f"\x00token:{name}\x00")
        kept[marker] = html
    return kept


def add_token(bp, name: str, make) -> None:
    """Name a token a panel's form carries (`fragment`'s values): each worker must know how
    to make it anew for what another worker kept, so it is known when `bp` is registered."""
    bp.record_once(lambda state: state.app.extensions.setdefault(TOKENS, {})
                   .setdefault(name, make))


def with_new_tokens(html: str) -> str:
    """Kept html (`kept_form`) with a new token in each token's place (noted, so what is
    kept of this answer has them taken out again)."""
    return _new_tokens()(html)


def _new_tokens():
    """`with_new_tokens` for this request, to use on many kept panels."""
    makers = current_app.extensions[TOKENS]
    made = g.setdefault("panel_tokens", {})

    def new(match) -> str:
        value = makers[match.group(1)]()
        made[value] = match.group(1)
        return value

    return lambda html: _TOKEN_SLOT.sub(new, html) if "\x00" in html else html


def shared_keys(body: str, member) -> dict:
    """The markers of `body` whose panel shows `member` what it shows others: marker ->
    the key they share (see `panel`'s `shared_by`)."""
    app = current_app
    shared_by, pattern = app.extensions.get(SHARED_BY, {}), app.extensions[MARKERS][1]
    keys = {}
    for match in pattern.finditer(body):
        decide = shared_by.get(match.group(1))
        if decide is not None:
            key = decide(member, **json.loads(match.group(2)))
            if key is not None:
                keys[match.group(0)] = key
    return keys


def split(body: str) -> list:
    """The page's texts (encoded) and its markers in turn: text, marker, text, …, text."""
    pattern = current_app.extensions[MARKERS][1]
    parts, start = [], 0
    for match in pattern.finditer(body):
        parts += [body[start:match.start()].encode(), match.group(0)]
        start = match.end()
    parts.append(body[start:].encode())
    return parts


def fill(parts: list, kept: dict) -> bytes:
    """The page `split` into `parts` with kept panels (`kept_form`) put between its texts,
    each token new."""
    new_tokens = _new_tokens()
    return b"".join(part if index % 2 == 0 else new_tokens(kept[part]).encode()
                    for index, part in enumerate(parts))


def every_page_panels(kept: dict) -> dict:
    """Those of the kept panels (`kept_form`) that are the same on every page."""
    app = current_app
    names, pattern = app.extensions.get(EVERY_PAGE, set()), app.extensions[MARKERS][1]
    return {marker: html for marker, html in kept.items()
            if pattern.fullmatch(marker).group(1) in names}


SIGNED_TOKENS = "exchange.panels.signed_tokens"  # app.extensions: session token -> signed
SIGNED_SECONDS = 60  # how long a signed form token is handed out again


def _request_csrf() -> str:
    """The request's form token: the one `generate_csrf` made for it (kept in `g` under
    the token field's name), else one this process signed for the session's token within
    `SIGNED_SECONDS` (signing is most of the cost of a kept answer; a token without a time
    limit is as valid a minute later), else a new one."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = g.get(field)
    if token:
        return token
    limit = config.get("WTF_CSRF_TIME_LIMIT")
    reuse = limit is None or limit >= 100 * SIGNED_SECONDS
    signed = current_app.extensions[SIGNED_TOKENS]
    raw = session.get(field)
    if reuse and raw:
        token = signed.get(raw)
        if token:
            setattr(g, field, token)
            return token
    token = generate_csrf()
    if reuse and session.get(field):
        signed.set(session[field], token)
    return token


def register_panels(app) -> None:
    secret = str(app.config.get("SECRET_KEY") or "").encode()
    prefix = f"<!--panel:{hashlib.sha256(b'exchange panels' + secret).hexdigest()[:16]}:"
    app.extensions[MARKERS] = (
        prefix, re.compile(re.escape(prefix) + r"([a-z_]+):(\{[^<>]*?\})-->"))
    app.extensions[FRAGMENTS] = Bounded(app.config["PANEL_CACHE_ENTRIES"])
    app.extensions[SIGNED_TOKENS] = SimpleCache(threshold=app.config["PANEL_CACHE_ENTRIES"],
                                                default_timeout=SIGNED_SECONDS)
    app.extensions.setdefault(TOKENS, {})["csrf"] = _request_csrf
    app.add_template_global(slot, "panel")

    @app.after_request
    def compose_response(response):
        # the view's page, with its panels rendered for the visitor; the page as it was
        # rendered (markers in place) is what the page cache may keep for other members
        if response.direct_passthrough or response.is_streamed or \
                response.mimetype != "text/html":
            return response
        body = response.get_data(as_text=True)
        if not has_panels(app, body):
            return response
        request.environ[SHARED_BODY] = body
        rendered = {}
        composed = compose(body, rendered)
        keep = request.environ.get(KEEP_RENDERED)
        if keep is not None and response.status_code == 200:
            keep(body, rendered)
        if request.environ.get(COMPOSED) is True:
            request.environ[COMPOSED] = kept_form({"page": composed})["page"]
        response.set_data(composed)
        return response


# app.extensions key: what features add to another feature's page, by page name: each a
# function of the page's objects returning the names its part of the template reads (the
# listing page: matching's counterparts, the deals' stories; a business's profile: its
# track record; the dashboard: each feature's card). The page's view gathers them with
# `page_parts`, so templates get their data from the view.
PAGE_PARTS = "exchange.page_parts"


def register_page_part(app, page: str, part) -> None:
    app.extensions.setdefault(PAGE_PARTS, {}).setdefault(page, []).append(part)


def add_page_part(bp, page: str, part) -> None:
    """Register `part` on `page` when `bp` is registered on an app."""
    bp.record_once(lambda state: register_page_part(state.app, page, part))


def page_parts(page: str, *objects, into: dict | None = None) -> dict:
    """The names every part of `page` returns for `objects`, in the order the features
    registered them; gathered `into` a dict the caller passes (and may hand to the parts
    among `objects`, so a part reads what the ones before it found)."""
    names = {} if into is None else into
    for part in current_app.extensions.get(PAGE_PARTS, {}).get(page, ()):
        names.update(part(*objects))
    return names


_TOKEN = re.compile(r"[A-Za-z0-9._-]*")


def fragment(cache_key: tuple, render, /, **values) -> Markup:
    """A piece of a panel that is the same for everyone but for a few tokens (a form's
    token, an idempotency key): `render(placeholders)` renders it once per `cache_key` (which
    must name all it depends on: the listing, the language) with a placeholder for each of
    `values`; each request then fills in `values[name]()`. The values must be tokens
    (letters, digits, `.`, `_`, `-`), so they need no escaping."""
    placeholders = {name: f"\x00{name}\x00" for name in values}
    kept = current_app.extensions[FRAGMENTS]
    html = kept.get(cache_key)
    if html is None:
        html = str(render(placeholders))
        kept.set(cache_key, html)
    makers = current_app.extensions[TOKENS]
    made = g.setdefault("panel_tokens", {})
    for name, make in values.items():
        value = make()
        if not _TOKEN.fullmatch(value):
            raise ValueError(f"fragment value {name!r} is not a token")
        makers.setdefault(name, make)
        made[value] = name
        html = html.replace(placeholders[name], value)
    return Markup(html)
