"""A session cookie a process verified is remembered by its exact value for a short while
(exchange/core/sessions.py): verified once, never accepted altered, never past its own
lifetime (a session a member signed out of stays closed: tests/accounts/test_sessions.py)."""
from datetime import timedelta

import pytest

from exchange.core.sessions import RememberedCookieSessions
from tests.factories import make_member, signed_in
from tests.helpers import altered_signature

DOMAIN = "exchange.test"


@pytest.fixture
def verified(app, monkeypatch):
    """The cookies whose signature the app checked, in order."""
    checked = []
    interface = app.session_interface
    assert isinstance(interface, RememberedCookieSessions)
    real = interface.get_signing_serializer

    def counting(app_):
        serializer = real(app_)
        loads = serializer.loads

        def noted(value, *args, **kwargs):
            checked.append(value)
            return loads(value, *args, **kwargs)

        serializer.loads = noted
        return serializer

    monkeypatch.setattr(interface, "get_signing_serializer", counting)
    return checked


def _cookie(app, client) -> str:
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain=DOMAIN).value


def _signed_in_page(client) -> bool:
    return client.get("/account").status_code == 200


def test_a_cookie_is_verified_once_then_remembered(app, verified):
    client = signed_in(app, make_member())
    cookie = _cookie(app, client)
    verified.clear()
    assert _signed_in_page(client) and _signed_in_page(client) and _signed_in_page(client)
    assert verified.count(cookie) == 1
    assert _cookie(app, client) == cookie  # nothing here wrote the session


def test_an_altered_cookie_is_verified_and_refused(app, verified):
    client = signed_in(app, make_member())
    cookie = _cookie(app, client)
    assert _signed_in_page(client)  # remembered now
    forged = altered_signature(cookie)
    other = app.test_client()
    other.set_cookie(app.config["SESSION_COOKIE_NAME"], forged, domain=DOMAIN)
    verified.clear()
    assert not _signed_in_page(other)
    assert verified and set(verified) == {forged}  # checked, and not taken as remembered
    # and the good cookie is still the member's
    assert _signed_in_page(client)


def test_a_cookie_is_not_remembered_past_its_lifetime(app, monkeypatch):
    app.permanent_session_lifetime = timedelta(seconds=20)
    kept = []
    interface = app.session_interface
    real_set = interface.verified.set
    monkeypatch.setattr(interface.verified, "set",
                        lambda key, value, timeout=None: kept.append(timeout) or
                        real_set(key, value, timeout=timeout))
    client = signed_in(app, make_member())
    assert _signed_in_page(client)
    assert kept and all(0 < timeout <= 20 for timeout in kept)
    assert app.config["SESSION_VERIFIED_SECONDS"] > 20  # the lifetime was the bound


def test_remembering_can_be_turned_off(app, verified):
    app.session_interface.seconds = 0
    client = signed_in(app, make_member())
    cookie = _cookie(app, client)
    verified.clear()
    assert _signed_in_page(client) and _signed_in_page(client)
    assert verified.count(cookie) >= 2  # each request verifies it again
