"""Statement and lock timeouts: short for web requests, longer for the CLI (PostgreSQL);
on SQLite, how long a drain waits for another writer's lock."""
from flask import g, has_app_context, has_request_context
from psycopg import errors as pg_errors
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

WEB, DRAIN, CLI = "web", "drain", "cli"


def use_drain_timeouts() -> None:
    """The after-response drain runs in a web worker outside any request: a lock must not
    hold the thread longer than the drain's own budget."""
    g.db_timeouts = DRAIN


def _profile() -> str:
    if has_request_context():
        return WEB
    return g.get("db_timeouts", CLI)


def _settings(config, profile: str) -> tuple[int, int]:
    if profile == WEB:
        return config["DB_STATEMENT_TIMEOUT_MS"], config["DB_LOCK_TIMEOUT_MS"]
    if profile == DRAIN:
        # no statement or lock wait may outlast the drain's whole budget
        budget_ms = max(1, int(config["DRAIN_BUDGET_SECONDS"] * 1000))
        return (min(config["DB_STATEMENT_TIMEOUT_MS"], budget_ms),
                min(config["DB_LOCK_TIMEOUT_MS"], budget_ms))
    return config["DB_CLI_STATEMENT_TIMEOUT_MS"], config["DB_CLI_LOCK_TIMEOUT_MS"]


def _apply(dbapi_connection, values: tuple[int, int]) -> None:
    statement_ms, lock_ms = values
    with dbapi_connection.cursor() as cursor:
        # integers from the configuration, never request data; 0 means no limit
        cursor.execute(f"SET statement_timeout = {int(statement_ms)}")
        cursor.execute(f"SET lock_timeout = {int(lock_ms)}")
    # outside any transaction of the session's: a rollback must not undo the settings
    dbapi_connection.commit()


SQLITE_BUSY_MS = 5000  # the sqlite3 module's own default wait for a lock


def _apply_sqlite(dbapi_connection, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")  # an integer, never data
    finally:
        cursor.close()


def register_timeouts(app, engine) -> None:
    """Each connection carries the timeouts of the work it is checked out for; a SET is
    sent only when that changes (a connection moving between a request and a CLI job).
    SQLite has one writer at a time and makes the others wait up to its busy timeout:
    a drain's connection waits no longer than the drain's budget."""
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "checkout")
        def set_busy_timeout(dbapi_connection, record, proxy):
            profile = _profile() if has_app_context() else CLI
            wanted = SQLITE_BUSY_MS
            if profile == DRAIN:
                wanted = min(SQLITE_BUSY_MS, _settings(app.config, DRAIN)[1])
            if record.info.get("busy_ms") != wanted:
                _apply_sqlite(dbapi_connection, wanted)
                record.info["busy_ms"] = wanted
        return
    if engine.dialect.name != "postgresql":
        return

    @event.listens_for(engine, "checkout")
    def set_timeouts(dbapi_connection, record, proxy):
        wanted = _settings(app.config, _profile() if has_app_context() else CLI)
        if record.info.get("timeouts") != wanted:
            _apply(dbapi_connection, wanted)
            record.info["timeouts"] = wanted


def is_timeout(exc: OperationalError) -> bool:
    """A statement or lock timeout fired (the database is busy, not down)."""
    return isinstance(exc.orig, (pg_errors.QueryCanceled, pg_errors.LockNotAvailable))
