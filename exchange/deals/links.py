"""Absolute links for mail, built from SITE_URL (never from the request's Host header)."""
from flask import current_app


def mailed_url(endpoint: str, **values) -> str:
    """SITE_URL + the route's path; works in a request, a CLI command or a tick alike."""
    adapter = current_app.url_map.bind("localhost",
                                       script_name=current_app.config.get("APPLICATION_ROOT"))
    return current_app.config["SITE_URL"].rstrip("/") + adapter.build(endpoint, values)
