"""Security headers, error pages, asset versions and the after-commit drain of side effects."""
import functools
import hashlib
import os

from flask import abort, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException, SecurityError

from exchange.core.dbtimeouts import is_timeout
from exchange.effects import drain_in_context
from exchange.errors import DomainError
from exchange.extensions import db

# form-action also governs where a form's redirect may lead: the Feature form ends on
# Stripe's hosted Checkout page
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'"
)

BUSY_RETRY_AFTER = 2  # seconds: a lock held by a migration or a bulk job is usually brief

ERROR_TITLES = {
    400: lambda: _("Bad request"),
    403: lambda: _("You do not have access to this page"),
    404: lambda: _("Page not found"),
    405: lambda: _("Method not allowed"),
    409: lambda: _("Conflict"),
    413: lambda: _("The upload is too large"),
    429: lambda: _("Too many requests"),
    500: lambda: _("Something went wrong on our side"),
    503: lambda: _("Something went wrong on our side"),
}


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


def error_response(status, message=None, code=None):
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])()
    if wants_json():
        return jsonify(error={"code": code or str(status), "message": str(message or title)}), status
    try:
        return render_template("errors/error.html", status=status, title=title,
                               message=message), status
    except SQLAlchemyError:
        # the layout asks the database who is signed in; without a database, a page
        # that needs nothing from it still tells the visitor what happened
        discard_transaction()
        return render_template("errors/standalone.html", status=status, title=title,
                               message=message), status


def discard_transaction() -> None:
    """Roll back; if the database dropped the connection (a restart), even the rollback
    fails, and the connection is thrown away so the pool opens a fresh one."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session().invalidate()  # scoped_session does not proxy it


def _asset_versions(app):
    """Static URLs carry a hash of the file, so they can be cached for a year."""
    cache = {}

    def add_version(endpoint, values):
        if endpoint != "static" or "filename" not in values or "v" in values:
            return
        filename = values["filename"]
        if filename not in cache:
            path = os.path.join(app.static_folder, filename)
            try:
                with open(path, "rb") as handle:
                    cache[filename] = hashlib.sha256(handle.read()).hexdigest()[:12]
            except OSError:
                cache[filename] = None
        if cache[filename]:
            values["v"] = cache[filename]

    app.url_defaults(add_version)


def strict_transport_security(config) -> str | None:
    """The Strict-Transport-Security value the configuration asks for, or None."""
    if not config.get("HSTS_SECONDS"):
        return None
    value = f"max-age={int(config['HSTS_SECONDS'])}"
    if config.get("HSTS_INCLUDE_SUBDOMAINS"):
        value += "; includeSubDomains"
    if config.get("HSTS_PRELOAD"):
        value += "; preload"
    return value


def register_http(app):
    _asset_versions(app)
    transport = strict_transport_security(app.config)
    permissions = app.config.get("PERMISSIONS_POLICY")

    @app.before_request
    def refuse_oversized_body():
        # Werkzeug only enforces MAX_CONTENT_LENGTH when a view reads the body; a declared
        # length over the limit is refused here, before any view runs, on every route
        limit = app.config.get("MAX_CONTENT_LENGTH")
        if limit and (request.content_length or 0) > limit:
            abort(413)

    @app.teardown_appcontext
    def close_session(exc):
        # runs before Flask-SQLAlchemy's own teardown, whose rollback would raise on a
        # connection the database dropped and turn a finished response into a bare 500
        if not db.session.registry.has():
            return  # no session was opened in this context: none is made to be closed
        try:
            db.session.close()
        except SQLAlchemyError:
            db.session().invalidate()  # scoped_session does not proxy it

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if permissions:
            response.headers.setdefault("Permissions-Policy", permissions)
        if transport:
            # sent on every answer: behind a proxy that ends TLS the app sees plain http,
            # and browsers ignore the header on a connection that is not https anyway
            response.headers.setdefault("Strict-Transport-Security", transport)
        return response

    @app.after_request
    def drain_side_effects(response):
        if db.session.info.pop("drain", False) and app.config["DRAIN_AFTER_COMMIT"]:
            # once the response is sent: nobody waits for Meilisearch, matching or SMTP,
            # and whatever fails stays pending for `exchange tick`
            response.call_on_close(functools.partial(drain_in_context, app))
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        discard_transaction()
        return error_response(400, _("The form expired or was not sent from this site. "
                                     "Please reload the page and try again."), "csrf")

    @app.errorhandler(DomainError)
    def domain_error(exc):
        discard_transaction()
        return error_response(exc.status_code, exc.message, exc.code)

    @app.errorhandler(HTTPException)
    def http_error(exc):
        discard_transaction()
        if isinstance(exc, SecurityError):
            # a Host header outside TRUSTED_HOSTS: no URL can be built for it, and a
            # page with links is of no use to a request that was not meant for this site
            return app.response_class(ERROR_TITLES[400](), 400, mimetype="text/plain")
        message = None
        if exc.code == 429:
            # a limit of exchange/ratelimits.py says what was refused; any other, in general
            limit = getattr(exc, "limit", None)
            message = exc.description if getattr(limit, "error_message", None) else \
                _("Too many attempts. Please wait a moment and try again.")
        elif exc.code == 400 and wants_json():
            message = exc.description
        return error_response(exc.code or 500, message)

    @app.errorhandler(OperationalError)
    def database_unavailable(exc):
        discard_transaction()
        if is_timeout(exc):
            # a statement or lock timeout (PostgreSQL): the database is busy, not down;
            # the thread is free again and the visitor may retry shortly
            app.logger.warning("database busy on %s: %s", request.path, exc.orig)
            response = app.make_response(error_response(
                503, _("The site is busy. Please try again in a moment."), "busy"))
            response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
            return response
        app.logger.error("database unavailable: %s", exc.orig or exc)
        response = error_response(503, code="unavailable")
        response = app.make_response(response)
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected(exc):
        discard_transaction()
        app.logger.exception("unhandled error")
        return error_response(500)
