"""Signed-cookie sessions whose verification is remembered for a short while.

A member's browser sends the same session cookie with each request until the session is
written again. Checking its signature and decoding it is the largest part of answering a
member from a kept page, so each process remembers what a cookie it verified holds, keyed
by the cookie's exact value, until the earlier of `SESSION_VERIFIED_SECONDS` from now and
the end of the cookie's own lifetime. A cookie that differs by one byte is verified as
usual; nothing is remembered of one that fails.
"""
import time

from cachelib import SimpleCache
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature


class RememberedCookieSessions(SecureCookieSessionInterface):
    def __init__(self, entries: int, seconds: int):
        # values are kept pickled: each request gets its own copy to change
        self.verified = SimpleCache(threshold=entries, default_timeout=seconds)
        self.seconds = seconds

    def open_session(self, app, request):
        name = self.get_cookie_name(app)
        value = request.cookies.get(name)
        if value and self.seconds > 0:
            data = self.verified.get(value)
            if data is not None:
                return self.session_class(data)
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if self.seconds > 0:
            left = signed_at.timestamp() + max_age - time.time()
            if left > 1:
                self.verified.set(value, data, timeout=min(self.seconds, int(left)))
        return self.session_class(data)


def register_sessions(app) -> None:
    app.session_interface = RememberedCookieSessions(
        app.config["SESSION_VERIFIED_ENTRIES"], app.config["SESSION_VERIFIED_SECONDS"])
