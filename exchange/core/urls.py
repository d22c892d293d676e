"""Absolute links from SITE_URL, and the only check of a request-supplied `next` address."""
import unicodedata
from urllib.parse import urlsplit

from flask import current_app, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.routing import MapAdapter, RequestRedirect

NEXT_MAX_LENGTH = 2000


def _site_adapter() -> MapAdapter:
    site = urlsplit(current_app.config["SITE_URL"])
    return current_app.url_map.bind(site.netloc, script_name=site.path or "/",
                                    url_scheme=site.scheme or "https")


def site_url(endpoint: str, **values) -> str:
    """The absolute address of `endpoint` on SITE_URL, the same inside a request (whatever
    Host header it came with), in the CLI and in an outbox drain. Every link that leaves
    the site (mail, Stripe's return addresses, export ids) is built here."""
    site = urlsplit(current_app.config["SITE_URL"])
    # the adapter is bound to SITE_URL, so the path carries its prefix; the origin is
    # SITE_URL's too, never a request's
    return f"{site.scheme or 'https'}://{site.netloc}" + _site_adapter().build(endpoint, values)


def site_endpoint(url: str) -> tuple[str, dict] | None:
    """(endpoint, values) when `url` is an address on SITE_URL (as site_url builds it);
    None for anything else, including addresses on other hosts."""
    site, parts = urlsplit(current_app.config["SITE_URL"]), urlsplit(url)
    if (parts.scheme, parts.netloc) != (site.scheme, site.netloc) or parts.query \
            or parts.fragment:
        return None
    prefix = site.path.rstrip("/")
    if not parts.path.startswith(prefix + "/"):
        return None
    try:
        return _site_adapter().match(parts.path[len(prefix):], method="GET")
    except (HTTPException, RequestRedirect):
        return None


def _is_plain(char: str) -> bool:
    # control, format (bidi marks, zero-width), separator and whitespace characters are what
    # browsers strip or reinterpret ("/\t/evil.com" becomes "//evil.com"); a backslash is
    # read as "/" ("/\\evil.com" is another site)
    return char != "\\" and not char.isspace() \
        and unicodedata.category(char)[0] not in ("C", "Z")


def safe_next(target, default: str | None = None) -> str:
    """`target` if it is a path on this site, otherwise `default` (the dashboard).

    Strict on purpose: an absolute path with no scheme and no host however a browser reads
    it, made only of visible characters. Anything else is not repaired but replaced."""
    fallback = default if default is not None else url_for("accounts.dashboard")
    if not isinstance(target, str) or not target or len(target) > NEXT_MAX_LENGTH:
        return fallback
    if not all(_is_plain(char) for char in target):
        return fallback
    if not target.startswith("/") or target.startswith("//"):
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") \
            or parts.path.startswith("//"):
        return fallback
    return target
