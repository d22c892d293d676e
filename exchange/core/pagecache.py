"""Public pages kept for anonymous visitors and answered before Flask runs.

Only a GET without any cookie can be answered from the cache: such a visitor is not signed
in, has no message waiting and reads the default language, so the page they get is the one
every such visitor gets. An entry is used only while the public content is the generation
it was rendered in (told by the function search registers under PUBLIC_STATE: see
`exchange.search.freshness`) and no job is still in flight; it also
expires after PAGE_CACHE_SECONDS, which bounds what the generation does not track (the clock
passing a listing's expiry or a featuring's end, business counts). A view opts in with
`@public_page`; responses that set a cookie, are not 200, are large, or were answered in a
degraded way (`do_not_keep()`) are never kept. PAGE_CACHE_SECONDS = 0 turns the cache off.

The entries are files under PAGE_CACHE_DIR, shared by the workers of one instance, so a
page is rendered once per instance rather than once per worker; each worker also holds the
ones it read or wrote lately in its memory until they expire (`PageStore`).

Signed-in members (any request with a session cookie) are served from a second kind of
entry when the view allows it (`share_with_members()`): the page as rendered before its
panels (`exchange.core.panels`) were filled, the same for every member it is shared with.
An anonymous visitor's render keeps it too, for members reading the default language.
Each member's request then only opens their session, takes the member from this process's
memory while nothing of theirs has moved (`panelstate.load_member`; in no database session
until a panel rendered for them or a guard may load what they relate to), and puts their
panels into it: the ones kept for them on this page while their versions hold (in this
process's memory, or as files another worker of the instance wrote: `KeptForMembers`),
else rendered.
A view whose page differs for some members beyond its panels (an owner reading their own
listing) names a guard, a function registered under GUARDS and asked on every answer with
the member: when it says no, the page is rendered for them as usual, and kept for that
member alone when the view says so (`keep_for_member`). A session carrying flashed
messages, a language switch or a remembered sign-in to restore is always rendered.
"""
import functools
import time

from cachelib import SimpleCache
from flask import g, request, session
from flask.ctx import RequestContext
from flask_login import current_user
from werkzeug.wrappers import Request

from exchange.core.bounded import Bounded
from exchange.core.filestore import SweptFiles
from exchange.core.panels import (COMPOSED, KEEP_RENDERED, SHARED_BODY, compose,
                                  every_page_panels, fill, kept_form, shared_keys, split,
                                  with_new_tokens)
from exchange.core.panelstate import answer_from_kept_page, attach, versions_for

MAX_BODY = 512 * 1024
KEEP = "exchange.page_cache.keep"  # set in the WSGI environ by a view whose answer may be kept
# what an answer shows, for counters (listing views, search impressions): a list of
# (kind, listing ids) in the WSGI environ, kept with the page and heard on every replay
SHOWN = "exchange.page_cache.shown"
# app.extensions key: a function of the app returning the public state (its .generation
# and .settled), registered by the search feature; without one nothing is kept. It is
# asked before any app context is open
PUBLIC_STATE = "exchange.page_cache.public_state"
# app.extensions key: guards a shared page names, name -> function(member, **arguments)
# telling whether this member reads the shared page (see the module's docstring)
GUARDS = "exchange.page_cache.guards"
MEMBERS = "exchange.page_cache.members"  # WSGI environ: the guards of a page members share
# WSGI environ: (the member's session id, business id, versions) of a page kept for them alone
OWN = "exchange.page_cache.own"
STATE = "exchange.page_cache.state"  # WSGI environ: the public state a request was keyed on
# headers of a kept page that are the answer's own, not the page's
_OWN_HEADERS = ("content-length", "set-cookie", "cache-control", "vary")


def do_not_keep() -> None:
    """Keep this request's response out of the cache (say, a degraded answer)."""
    g.page_not_cacheable = True


def public_page(view):
    """Let the response be kept for anonymous visitors (see the module's docstring)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        response = view(*args, **kwargs)
        if not g.get("page_not_cacheable"):
            request.environ[KEEP] = True
        return response

    return wrapper


def share_with_members(*guards: tuple[str, dict]) -> None:
    """Let the page, before its panels are rendered, be kept for signed-in members too:
    whatever of it is not a panel is the same for each member every guard admits. A guard
    is (name, arguments): the function registered under GUARDS[name], asked with the
    member and the arguments on every answer from the kept page."""
    request.environ[MEMBERS] = list(guards)


def keep_for_member() -> None:
    """Let the page, as rendered for this signed-in member, be kept for them alone (never
    for anyone else) and answered again while their panels' versions hold: a page that
    differs from the public one by what tracked rows show them (their own listing, one
    their business was granted access to)."""
    member = current_user._get_current_object()
    request.environ[OWN] = (member.get_id(), member.business_id, versions_for(member))
    request.environ[COMPOSED] = True


def add_guard(app, name: str, guard) -> None:
    app.extensions.setdefault(GUARDS, {})[name] = guard


def note_shown(kind: str, listing_ids) -> None:
    """Tell the counters registered in app.extensions[SHOWN] what this answer shows. They
    hear it when the request ends and again each time the cache answers with the page, so
    a kept page is counted as often as it is served."""
    request.environ.setdefault(SHOWN, []).append((kind, tuple(listing_ids)))


def tell_counters(app, environ, shown) -> None:
    for counter in app.extensions.get(SHOWN, ()):
        counter(app, environ, shown)


class KeptForMembers:
    """What is kept for one member (their panels, their own pages), each with the versions
    it was rendered at (`panelstate.versions_for`) and used only while those hold: in this
    process's memory, and as files in `directory` for the instance's other workers, so a
    member's panels are rendered once per instance rather than once per worker."""

    def __init__(self, directory: str | None, entries: int, seconds: float):
        self.memory = SimpleCache(threshold=entries, default_timeout=seconds)
        self.disk = SweptFiles(directory, entries, seconds) \
            if directory else None

    def get(self, key: str, versions):
        """What is kept under `key` at these versions, else None."""
        entry = self.memory.get(key)
        if entry is not None and entry[0] == versions:
            return entry[1]
        entry = self.disk.get(key) if self.disk is not None else None
        if entry is None or entry[0] != versions:
            return None
        self.memory.set(key, entry)  # another worker rendered it
        return entry[1]

    def set(self, key: str, versions, value) -> None:
        """Keep `value` at these versions, for the other workers too."""
        self.memory.set(key, (versions, value))
        if self.disk is not None:
            self.disk.set(key, (versions, value))


class PageStore:
    """The kept pages: files shared by the instance's workers, each page this process read
    or wrote also in its memory (up to `memory_entries`) until it expires. A page kept under
    a key is the same until then (the key names the public state it was rendered in)."""

    def __init__(self, directory: str, entries: int, seconds: int, memory_entries: int):
        self.files = SweptFiles(directory, entries, seconds)
        self.recent = Bounded(memory_entries)
        self.clock = time.time

    def get(self, key: str):
        now = self.clock()
        entry = self.recent.get(key)
        if entry is None or entry[0] <= now:
            entry = self.files.get(key)  # (when it expires, the page)
            if not (isinstance(entry, tuple) and len(entry) == 2) or entry[0] <= now:
                return None
            self.recent.set(key, entry)
        return entry[1]

    def set(self, key: str, value) -> None:
        entry = (self.clock() + self.files.seconds, value)
        if self.files.set(key, entry):
            self.recent.set(key, entry)


class PageCache:
    """WSGI middleware around the Flask app: answers kept pages, keeps new ones."""

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app = app, wsgi_app
        self.store = None
        self.panels = None  # members' rendered panels, in this process (see _with_panels)
        # shared pages split at their panels, by key (see _parts)
        self.parts = Bounded(app.config["PAGE_CACHE_ENTRIES"])
        # static files and vendored assets are never kept here: no look, no lookup
        self.passed_over = (f"{app.static_url_path}/", "/vendor/")

    def _store(self) -> PageStore:
        if self.store is None:
            config = self.app.config
            self.store = PageStore(config["PAGE_CACHE_DIR"], config["PAGE_CACHE_ENTRIES"],
                                   config["PAGE_CACHE_SECONDS"],
                                   config["PAGE_CACHE_MEMORY_ENTRIES"])
        return self.store

    def _state(self, environ):
        """The public state when a GET may be answered from the cache, else None."""
        if (environ.get("REQUEST_METHOD") != "GET" or not self.app.config["PAGE_CACHE_SECONDS"]
                or environ.get("PATH_INFO", "").startswith(self.passed_over)):
            return None
        public_state = self.app.extensions.get(PUBLIC_STATE)
        if public_state is None:
            return None
        try:
            state = public_state(self.app)
        except Exception:  # noqa: BLE001 - the database is down: the app answers as it can
            return None
        if not state.settled:
            return None
        environ[STATE] = state  # the state the page's key names, for what is kept after it
        return state

    def _key(self, environ) -> str | None:
        if environ.get("HTTP_COOKIE"):
            return None
        state = self._state(environ)
        if state is None:
            return None
        request = Request(environ)
        return repr((request.host, request.full_path,
                     bool(environ.get("HTTP_HX_REQUEST")), state.generation))

    @staticmethod
    def _shared_key(environ, request, state, lang: str) -> str:
        """The key of the page members reading `lang` share for this request."""
        return repr(("members", request.host, request.full_path,
                     bool(environ.get("HTTP_HX_REQUEST")), state.generation, lang))

    def _member_key(self, environ):
        """(key of the shared page, the session, the request) for a request with cookies
        that may read one, else None."""
        if not environ.get("HTTP_COOKIE"):
            return None
        request = self.app.request_class(environ)  # the answer's own, if it is one
        request.json_module = self.app.json
        if "lang" in request.args:
            return None  # a language switch writes the session
        saved = self.app.session_interface.open_session(self.app, request)
        if saved is None or "_flashes" in saved:
            return None
        if "_user_id" not in saved and request.cookies.get(
                self.app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
            return None  # a remembered sign-in is restored (and the session written)
        state = self._state(environ)
        if state is None:
            return None
        return self._shared_key(environ, request, state, self._lang(saved)), saved, request

    def _lang(self, saved) -> str:
        """The language a session reads (exchange.select_locale)."""
        return saved.get("lang", self.app.config["BABEL_DEFAULT_LOCALE"])

    def _panels(self) -> KeptForMembers:
        if self.panels is None:
            config = self.app.config
            directory = config.get("PANEL_CACHE_DIR") or \
                f"{config['PAGE_CACHE_DIR'].rstrip('/')}-members"
            self.panels = KeptForMembers(directory, config["PANEL_CACHE_ENTRIES"],
                                         config["PAGE_CACHE_SECONDS"])
        return self.panels

    def _parts(self, key, body: bytes) -> list:
        """The kept shared page `body` split at its panels (`panels.split`), once per
        process while the page kept under `key` is this one."""
        known = self.parts.get(key)
        if known is not None and known[0] == body:
            return known[1]
        parts = split(body.decode())
        self.parts.set(key, (body, parts))
        return parts

    def _every_page_key(self, saved) -> str:
        return repr(("every page", saved.get("_user_id"), self._lang(saved)))

    @staticmethod
    def _standing_groups(key, text: str, member) -> dict:
        """The keys under which the panels of the page `text` that show `member` what they
        show others of their standing are kept (one entry for the page's panels of one
        standing, at GLOBAL's version: what they show of the listing moves it) -> their
        markers."""
        groups = {}
        for marker, standing in shared_keys(text, member).items():
            groups.setdefault(standing, []).append(marker)
        return {repr(("standing", key, standing, markers)): markers
                for standing, markers in groups.items()}

    def _keep_rendered(self, key, member_key, body: str, rendered: dict) -> None:
        """Inside a member's request rendered in full: keep its panels that other answers
        may use (their header for every page, the cards of their standing). Their panels
        for this page are kept only once the page's guards admit them (`_with_panels`)."""
        member = current_user._get_current_object()
        if session.modified or not member.is_authenticated:
            return
        versions = versions_for(member)
        by_standing = self._standing_groups(key, body, member)
        self._keep_shared_panels(
            member_key, versions, kept_form(rendered), by_standing,
            header_kept=self._panels().get(member_key, versions) is not None,
            found={standing_key: self._panels().get(standing_key, versions[0])
                   for standing_key in by_standing})

    def _keep_shared_panels(self, member_key, versions, panels: dict, by_standing: dict,
                            header_kept: bool, found: dict) -> None:
        """Keep, of a member's rendered `panels` (`kept_form`), what other answers share:
        their header for every page (unless `header_kept`) and each group of cards of their
        standing not `found` kept already."""
        if not header_kept:
            self._panels().set(member_key, versions, every_page_panels(panels))
        for standing_key, markers in by_standing.items():
            if found[standing_key] is None:
                self._panels().set(standing_key, versions[0],
                                   {marker: panels[marker] for marker in markers})

    def _with_panels(self, key, panel_key, member_key, kept, versions, body: bytes) -> bytes:
        """The shared page with this member's panels: the ones kept for them on this page
        while nothing they show has changed since (`panelstate`), else rendered and kept.
        The panels every page shares (the header) are kept for the member once for all
        pages, under `member_key`."""
        if kept is not None:
            try:
                return fill(self._parts(key, body), kept)
            except KeyError:
                pass  # the kept page was rendered again with other panels: render them too
        member = current_user._get_current_object()
        attach(member)  # the panels rendered may load what the member relates to
        shared = self._panels().get(member_key, versions)
        text = body.decode()
        # the panels that show this member what they show others of their standing
        by_standing = self._standing_groups(key, text, member)
        found = {standing_key: self._panels().get(standing_key, versions[0])
                 for standing_key in by_standing}
        kept = dict(shared or {})
        for standing_key, panels in found.items():
            kept.update(panels or {})
        rendered = {}
        page = compose(text, rendered, kept)
        if not session.modified:
            panels = kept_form(rendered)
            # for the other workers too: reading a file costs them less than putting the
            # member's panels together again, even from shared ones
            self._panels().set(panel_key, versions, panels)
            self._keep_shared_panels(member_key, versions, panels, by_standing,
                                     header_kept=shared is not None, found=found)
        return page.encode()

    def _serve_kept(self, key, environ, start_response, kept, saved, request):
        """This member's answer made of what is kept: the shared page `kept` with their
        panels, when the page's guards admit them, else the page kept for them alone
        (`keep_for_member`); None when neither is theirs."""
        # the session read when the key was made, not read again
        with RequestContext(self.app, environ, request=request, session=saved):
            try:
                served = self._kept_answer(key, kept, saved)
            finally:
                # where the caller holds an app context (a test), the next request shares
                # its `g`: the member taken from memory is not handed on to it
                answer_from_kept_page(False)
                g.pop("_login_user", None)
        if served is None:
            return None
        return self._answer(environ, start_response, *served)

    def _kept_answer(self, key, kept, saved):
        answer_from_kept_page()
        member = current_user._get_current_object()
        if not member.is_authenticated:
            return None
        versions = versions_for(member)  # read before rendering: a later write moves it
        served = None
        if kept is not None:
            served = self._shared_page(key, kept, saved, member, versions)
        if served is None:
            served = self._own_page(key, saved, member, versions)
        if session.modified:
            return None  # the panels wrote the session (a first form token): rendered
        return served

    def _shared_page(self, key, kept, saved, member, versions):
        """(status, headers, page, shown): the kept shared page with this member's panels,
        or None when its guards do not admit them."""
        status, headers, body, shown, guards = kept
        guard_for = self.app.extensions.get(GUARDS, {})
        user_id = saved.get("_user_id")
        panel_key = repr((key, user_id))
        member_key = self._every_page_key(saved)
        panels = self._panels().get(panel_key, versions)
        if panels is None:
            # kept panels were kept for an answer the guards admitted, and what a guard
            # reads (the member, their business's grants) moves their versions
            attach(member)
            for name, arguments in guards:
                if not guard_for[name](member, **arguments):
                    return None
        page = self._with_panels(key, panel_key, member_key, panels, versions, body)
        return status, headers, page, shown

    def _answer(self, environ, start_response, status, headers, page: bytes, shown):
        """A member's answer made of a kept page: counted, and never kept by anyone else."""
        if shown:
            tell_counters(self.app, environ, shown)
        headers = [(name, value) for name, value in headers
                   if name.lower() not in _OWN_HEADERS]
        headers += [("Content-Length", str(len(page))), ("Vary", "Cookie"),
                    ("Cache-Control", "private, no-store")]
        start_response(status, headers)
        return [page]

    @staticmethod
    def _own_key(key, saved) -> str:
        return repr(("own", key, saved.get("_user_id")))

    def _own_page(self, key, saved, member, versions):
        """(status, headers, page, shown): the page kept for this member alone
        (`keep_for_member`) while their versions hold, else None."""
        entry = self._panels().get(self._own_key(key, saved), versions)
        if entry is None:
            return None
        member_id, business_id, status, headers, html, shown = entry
        if member.get_id() != member_id or member.business_id != business_id:
            return None
        return status, headers, with_new_tokens(html).encode(), shown

    def _keep_own(self, key, environ, answer, keepable, saved) -> None:
        own, html = environ.get(OWN), environ.get(COMPOSED)
        if not (own and isinstance(html, str) and keepable and len(html) <= MAX_BODY
                and answer.get("status", "").startswith("200")
                and own[0] == saved.get("_user_id")):
            return
        member_id, business_id, versions = own
        self._panels().set(self._own_key(key, saved), versions,
                           (member_id, business_id, answer["status"], answer["headers"], html,
                            environ.get(SHOWN)))

    def _run(self, environ, start_response):
        """The app's answer, and its status and headers (to tell whether it may be kept)."""
        answer = {}

        def remember(status, headers, exc_info=None):
            answer["status"], answer["headers"] = status, headers
            return start_response(status, headers, exc_info)

        app_iter = self.wsgi_app(environ, remember)
        keepable = (answer.get("status", "").startswith("200")
                    and not any(name.lower() == "set-cookie"
                                for name, _value in answer.get("headers", ())))
        return app_iter, answer, keepable

    def __call__(self, environ, start_response):
        key = self._key(environ)
        if key is None:
            shared = self._member_key(environ)
            if shared is None:
                return self.wsgi_app(environ, start_response)
            return self._for_member(*shared, environ, start_response)
        kept = self._store().get(key)
        if kept is not None:
            status, headers, body, *rest = kept  # entries kept before SHOWN have 3 parts
            shown = rest[0] if rest else None
            if shown:
                tell_counters(self.app, environ, shown)
            start_response(status, headers)
            return [body]

        app_iter, answer, keepable = self._run(environ, start_response)
        if not environ.get(KEEP) or not answer.get("status", "").startswith("200"):
            return app_iter
        try:
            body = b"".join(app_iter)
        finally:
            if hasattr(app_iter, "close"):
                app_iter.close()
        if keepable and len(body) <= MAX_BODY:
            self._store().set(key, (answer["status"], answer["headers"], body,
                                    environ.get(SHOWN)))
            self._keep_shared(environ, answer, keepable)
        return [body]

    def _keep_shared(self, environ, answer, keepable, lang: str | None = None) -> None:
        """Keep the page this request rendered, before its panels, for the members who
        read `lang` and whom its view shares it with (`share_with_members`). An anonymous
        visitor's page is what every member the guards admit reads, so the first visitor,
        signed in or not, renders it for all of them."""
        shared = environ.get(SHARED_BODY)
        if not (keepable and environ.get(KEEP) and MEMBERS in environ
                and shared is not None and len(shared) <= MAX_BODY):
            return
        key = self._shared_key(environ, Request(environ), environ[STATE],
                               lang or self._lang({}))
        self._store().set(key, (answer["status"], answer["headers"], shared.encode(),
                                environ.get(SHOWN), environ[MEMBERS]))

    def _for_member(self, key, saved, request, environ, start_response):
        kept = self._store().get(key)
        served = self._serve_kept(key, environ, start_response, kept, saved, request)
        if served is not None:
            return served
        environ[KEEP_RENDERED] = functools.partial(self._keep_rendered, key,
                                                   self._every_page_key(saved))
        app_iter, answer, keepable = self._run(environ, start_response)
        if kept is None:
            self._keep_shared(environ, answer, keepable, self._lang(saved))
        self._keep_own(key, environ, answer, keepable, saved)
        return app_iter
