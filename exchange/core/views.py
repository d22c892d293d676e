"""Home page, health check and the vendored front-end assets."""
from pathlib import Path

from flask import (Blueprint, abort, current_app, jsonify, render_template,
                   send_from_directory, session)
from sqlalchemy import text

from exchange.core.dbtimeouts import is_timeout
from exchange.core.home import home_context
from exchange.core.http import discard_transaction
from exchange.core.pagecache import public_page, share_with_members
from exchange.core.panels import panel
from exchange.extensions import db
from exchange.search.index import search_health

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
    share_with_members()
    return render_template("core/home.html", **home_context())


# the parts of every page's frame that depend on the visitor (see exchange.core.panels)
@panel(bp, "menu", every_page=True)
def menu_panel():
    return render_template("core/_panel_menu.html")


@panel(bp, "account", every_page=True)
def account_panel():
    return render_template("core/_panel_account.html")


def _no_messages(_member):
    # what most pages show: nothing, the same for everyone
    return None if "_flashes" in session else ("no messages",)


@panel(bp, "messages", shared_by=_no_messages)
def messages_panel():
    if "_flashes" not in session:  # as on most pages: nothing to show
        return ""
    return render_template("core/_panel_messages.html")


@bp.route("/vendor/<package>/<path:filename>")
def vendor(package, filename):
    root = VENDOR.get(package)
    if root is None:
        abort(404)
    return send_from_directory(root, filename, max_age=365 * 24 * 3600)


@bp.route("/healthz")
def healthz():
    status = {"database": database_health(), "search": "ok"}
    if not search_health():
        status["search"] = "unavailable"
    healthy = status["database"] == "ok"
    if status["database"] == "timeout":
        status["status"] = "degraded"  # up, but pages wait behind it: take the load off
    else:
        status["status"] = "ok" if healthy and status["search"] == "ok" else (
            "degraded" if healthy else "unavailable")
    return jsonify(status), 200 if healthy else 503


def database_health() -> str:
    """"ok", "timeout" (it did not answer within HEALTHZ_DB_TIMEOUT_MS, e.g. behind a table
    lock) or "unavailable". Reads the tables every page reads, not just `SELECT 1`, which
    a locked table would not delay."""
    from sqlalchemy.exc import OperationalError

    try:
        if db.engine.dialect.name == "postgresql":
            budget = int(current_app.config["HEALTHZ_DB_TIMEOUT_MS"])
            # SET LOCAL: for this transaction only, whatever the connection's own timeouts
            db.session.execute(text(f"SET LOCAL statement_timeout = {budget}"))
            db.session.execute(text(f"SET LOCAL lock_timeout = {budget}"))
        db.session.execute(text(
            "SELECT (SELECT 1 FROM listings LIMIT 1), (SELECT 1 FROM members LIMIT 1)"))
        db.session.rollback()
        return "ok"
    except OperationalError as exc:
        discard_transaction()
        return "timeout" if is_timeout(exc) else "unavailable"
    except Exception:  # noqa: BLE001
        discard_transaction()
        return "unavailable"
