"""The technology & equipment exchange: create_app() builds the Flask application."""
import os

from flask import Flask, current_app, has_request_context, request, session
from werkzeug.routing import IntegerConverter

from config import BASE_DIR, CONFIGS, INSTANCE_DIR
from exchange import ratelimits  # noqa: F401  (registers the sqlite:// limit store)
from exchange import taxonomy
from exchange.core.dbtimeouts import register_timeouts
from exchange.core.http import register_http
from exchange.core.jsonprovider import OrjsonProvider
from exchange.core.pagecache import PageCache
from exchange.core.panels import register_panels
from exchange.core.production import configure_production
from exchange.core.sessions import register_sessions
from exchange.core.unitofwork import register_unit_of_work
from exchange.extensions import babel, csrf, db, limiter, login_manager, migrate


def select_locale():
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # CLI commands and services run outside a request
        return default
    lang = request.args.get("lang")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        return lang
    return session.get("lang", default)


class RowIdConverter(IntegerConverter):
    """`<int:…>` in URLs: ids are 32-bit columns on PostgreSQL, so a larger number names
    nothing and is a 404 here instead of an out-of-range error from the database."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config=None, **overrides):
    app = Flask(
        __name__,
        template_folder="../templates",
        static_folder="../static",
        instance_path=str(INSTANCE_DIR),
    )
    if config is None:
        config = CONFIGS[os.environ.get("EXCHANGE_ENV", "development")]
    app.config.from_object(config)
    app.config.update(overrides)
    if app.config.get("EXCHANGE_ENV") == "production":
        configure_production(app)
    app.url_map.converters["int"] = RowIdConverter
    app.json = OrjsonProvider(app)
    os.makedirs(app.instance_path, exist_ok=True)

    db.init_app(app)
    with app.app_context():
        register_timeouts(app, db.engine)  # creates no connection
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "warning"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories="../translations")
    limiter.init_app(app)

    # The features are imported when an app is built, not when this package is: every
    # module of the package imports it first (exchange.extensions, …), and importing one
    # of them (in a test, a script, a worker) must not import every feature.
    from exchange import models  # noqa: F401  (registers every table on the metadata)
    from exchange.accounts.models import Member  # (see above: features when an app is built)
    from exchange.core.panelstate import load_member as load_with_panel_versions  # (the same)

    @login_manager.user_loader
    def load_member(session_id):
        # "id:stamp" (Member.get_id): a session from before a logout, a password change, a
        # suspension or a role change names an old stamp and is refused, as is any session
        # of an account that is no longer active
        member_id, _, stamp = str(session_id).partition(":")
        if not member_id.isdigit() or int(member_id) >= 2**31 or not stamp:
            return None
        member = load_with_panel_versions(Member, int(member_id))
        if member is None or not member.is_active or not member.has_session_stamp(stamp):
            return None
        return member

    # each feature's blueprint (see above: features when an app is built)
    from exchange.accounts.views import bp as accounts_bp
    from exchange.api.views import bp as api_bp
    from exchange.content import editor as _content_editor  # noqa: F401  (editor routes)
    from exchange.content.views import bp as content_bp
    from exchange.core.views import bp as core_bp
    from exchange.deals.views import bp as deals_bp
    from exchange.directories.views import bp as directories_bp
    from exchange.disclosure.views import bp as disclosure_bp
    from exchange.expiry.views import bp as expiry_bp
    from exchange.inquiries.views import bp as inquiries_bp
    from exchange.insights.views import bp as insights_bp
    from exchange.listings.views import bp as listings_bp
    from exchange.listings.views import businesses_bp
    from exchange.matching.views import bp as matching_bp
    from exchange.moderation.views import bp as moderation_bp
    from exchange.payments.views import bp as payments_bp
    from exchange.search.views import bp as search_bp
    from exchange.seo.views import bp as seo_bp
    from exchange.staff.views import bp as staff_bp
    from exchange.stats.views import bp as stats_bp
    from exchange.transfer.views import bp as transfer_bp

    for blueprint in (core_bp, accounts_bp, listings_bp, businesses_bp, moderation_bp,
                      search_bp, api_bp, inquiries_bp, payments_bp, matching_bp, transfer_bp,
                      deals_bp, stats_bp, expiry_bp, insights_bp, disclosure_bp,
                      directories_bp, seo_bp, staff_bp, content_bp):
        app.register_blueprint(blueprint)
    csrf.exempt(api_bp)  # read-only JSON

    # each feature's commands (see above: features when an app is built)
    from exchange.accounts.commands import commands as accounts_commands
    from exchange.backup.commands import commands as backup_commands
    from exchange.cli import exchange_group
    from exchange.content.commands import commands as content_commands
    from exchange.core.commands import commands as core_commands
    from exchange.inquiries.commands import commands as inquiries_commands
    from exchange.listings.commands import commands as listings_commands
    from exchange.matching.commands import commands as matching_commands
    from exchange.moderation.commands import commands as moderation_commands
    from exchange.payments.commands import commands as payments_commands
    from exchange.search.commands import commands as search_commands
    from exchange.transfer.commands import commands as transfer_commands
    app.cli.add_command(exchange_group([
        core_commands, accounts_commands, listings_commands, moderation_commands,
        search_commands, inquiries_commands, matching_commands, payments_commands,
        transfer_commands, backup_commands, content_commands]))

    register_http(app)
    register_sessions(app)
    register_panels(app)
    register_unit_of_work(app)

    app.wsgi_app = PageCache(app, app.wsgi_app)

    # the one permission vocabulary templates read (`can.moderate(current_user)`); a
    # feature's module (see above: features when an app is built)
    from exchange.accounts.requirements import can
    app.add_template_global(can, "can")

    @app.context_processor
    def inject_globals():
        from flask_babel import format_date, format_datetime, format_decimal, get_locale
        return {
            "taxonomy": taxonomy,
            "url_rules": app.view_functions,
            "format_decimal": format_decimal,
            "format_date": format_date,
            "format_datetime": format_datetime,
            "current_locale": str(get_locale() or "vi"),
        }

    return app
