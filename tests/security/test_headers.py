"""Response headers: a Permissions-Policy on every answer, Strict-Transport-Security in production."""
import pytest

from config import ProductionConfig, TestConfig
from exchange import create_app
from tests.security.conftest import client_for
from tests.security.test_routes import _rules, _url

REFUSED = ("camera", "microphone", "geolocation", "payment", "usb", "display-capture")
# what the test app is connected to; a production app in a test uses the same services
SHARED = ("SQLALCHEMY_DATABASE_URI", "MEILI_URL", "MEILI_MASTER_KEY", "MEILI_INDEX_PREFIX",
          "MAIL_SERVER", "MAIL_PORT", "UPLOAD_DIR", "RATELIMIT_STORAGE_URI")


def _policy(response) -> dict[str, str]:
    header = response.headers.get("Permissions-Policy", "")
    return dict(part.strip().split("=", 1) for part in header.split(",") if part.strip())


def _production_app(app, **overrides):
    return create_app(ProductionConfig, SECRET_KEY="a-real-secret-" + "x" * 40,
                      SERVER_NAME="exchange.test", SITE_URL="https://exchange.test",
                      TRUSTED_HOSTS=["exchange.test"], PAGE_CACHE_SECONDS=0,
                      **{name: app.config[name] for name in SHARED}, **overrides)


def test_every_response_refuses_the_browser_features_the_site_does_not_use(app, world,
                                                                            subtests):
    """Pages, JSON, CSV, files, redirects and errors alike: each GET route of the URL map."""
    client = client_for(app, world.owner)
    checked = 0
    for rule in _rules(app):
        if "GET" not in rule.methods:
            continue
        with subtests.test(rule=rule.rule):
            response = client.get(_url(rule, world))
            policy = _policy(response)
            assert all(policy.get(feature) == "()" for feature in REFUSED), policy
            checked += 1
    assert checked >= 40
    assert _policy(client.get("/no-such-page")).get("camera") == "()"
    assert _policy(client.post("/auth/logout")).get("camera") == "()"  # a refused POST


def test_no_strict_transport_security_outside_production(app):
    assert "Strict-Transport-Security" not in app.test_client().get("/").headers
    assert TestConfig.HSTS_SECONDS == 0


def test_production_asks_browsers_to_use_https_for_a_year_or_more(app):
    production = _production_app(app)
    for path in ("/", "/auth/login", "/api/v1/stats", "/no-such-page"):
        response = production.test_client().get(path)
        value = response.headers["Strict-Transport-Security"]
        directives = [part.strip() for part in value.split(";")]
        max_age = int(directives[0].removeprefix("max-age="))
        assert max_age >= 365 * 24 * 3600, path
        assert "includeSubDomains" in directives
        assert "preload" not in directives  # opting in to the preload list is a decision
        assert _policy(response).get("camera") == "()"


@pytest.mark.parametrize("overrides, expected", [
    ({"HSTS_SECONDS": 0}, None),
    ({"HSTS_SECONDS": 600, "HSTS_INCLUDE_SUBDOMAINS": False}, "max-age=600"),
    ({"HSTS_PRELOAD": True}, "max-age=63072000; includeSubDomains; preload"),
])
def test_strict_transport_security_is_configurable(app, overrides, expected):
    response = _production_app(app, **overrides).test_client().get("/auth/login")
    assert response.headers.get("Strict-Transport-Security") == expected


def test_permissions_policy_is_configurable(app):
    production = _production_app(app, PERMISSIONS_POLICY="camera=(), fullscreen=(self)")
    response = production.test_client().get("/auth/login")
    assert response.headers["Permissions-Policy"] == "camera=(), fullscreen=(self)"
