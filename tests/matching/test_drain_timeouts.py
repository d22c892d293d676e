"""A drain after a response never waits for the database longer than its own budget:
SQLite's busy timeout, PostgreSQL's statement and lock timeouts."""
import pytest
from sqlalchemy import text

from exchange.core.dbtimeouts import use_drain_timeouts
from exchange.extensions import db

BUDGET = 0.25


@pytest.fixture
def app_overrides():
    return {"DRAIN_BUDGET_SECONDS": BUDGET}


def waits(app, drain: bool) -> list[int]:
    with app.app_context():
        if drain:
            use_drain_timeouts()
        if db.engine.dialect.name == "sqlite":
            values = [db.session.execute(text("PRAGMA busy_timeout")).scalar()]
        else:
            # pg_settings gives milliseconds as a number ("SHOW" says "30min")
            values = [db.session.execute(text(
                "SELECT setting FROM pg_settings WHERE name = :name"), {"name": name}).scalar()
                for name in ("statement_timeout", "lock_timeout")]
        db.session.remove()
    return [int(value) for value in values]


def test_a_drain_waits_no_longer_than_its_budget_and_the_cli_as_before(app):
    budget_ms = int(BUDGET * 1000)
    assert waits(app, drain=True) == [budget_ms] * (1 if db.engine.dialect.name == "sqlite"
                                                    else 2)
    # the same connection, checked out for other work, gets its own waits back
    if db.engine.dialect.name == "sqlite":
        assert waits(app, drain=False) == [5000]
    else:
        assert waits(app, drain=False) == [app.config["DB_CLI_STATEMENT_TIMEOUT_MS"],
                                           app.config["DB_CLI_LOCK_TIMEOUT_MS"]]
