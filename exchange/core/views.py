"""Home page, health check and the vendored front-end assets."""
from pathlib import Path

from flask import Blueprint, abort, jsonify, render_template, send_from_directory
from sqlalchemy import text

from exchange.core.pagecache import public_page
from exchange.extensions import db

bp = Blueprint("core", __name__)

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
VENDOR = {
    "bootstrap": NODE_MODULES / "bootstrap" / "dist",
    "bootstrap-icons": NODE_MODULES / "bootstrap-icons" / "font",
    "htmx": NODE_MODULES / "htmx.org" / "dist",
}


@bp.route("/")
@public_page
def home():
    from exchange.core.home import home_context
    return render_template("core/home.html", **home_context())


@bp.route("/vendor/<package>/<path:filename>")
def vendor(package, filename):
    root = VENDOR.get(package)
    if root is None:
        abort(404)
    return send_from_directory(root, filename, max_age=365 * 24 * 3600)


@bp.route("/healthz")
def healthz():
    status = {"database": "ok", "search": "ok"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001
        db.session.rollback()
        status["database"] = "unavailable"
    from exchange.search.index import search_health
    if not search_health():
        status["search"] = "unavailable"
    healthy = status["database"] == "ok"
    status["status"] = "ok" if healthy and status["search"] == "ok" else (
        "degraded" if healthy else "unavailable")
    return jsonify(status), 200 if healthy else 503
