"""After a bulk import the planner knows how many rows the tables hold (ANALYZE ran)."""
import pytest
from sqlalchemy import text

from exchange.extensions import db
from tests.transfer.conftest import row, run, write_file

pytestmark = pytest.mark.usefixtures("app")


def planner_rows(table: str) -> float | None:
    """What the planner believes the table holds, from the statistics ANALYZE writes."""
    if db.engine.dialect.name == "postgresql":
        return db.session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = :t"),
                                 {"t": table})
    exists = db.session.scalar(text(
        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'"))
    if not exists:
        return None
    stat = db.session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t "
                                  "AND idx = :i"), {"t": table, "i": f"pk_{table}"}) \
        or db.session.scalar(text("SELECT stat FROM sqlite_stat1 WHERE tbl = :t"),
                             {"t": table})
    return float(stat.split()[0]) if stat else None


def test_an_import_refreshes_the_statistics_of_what_it_filled(app, tmp_path, moderator):
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
    before = planner_rows("listings")
    assert not before or before < 1  # nothing known yet (PostgreSQL: -1 or 0)
    path = write_file(tmp_path / "old.csv", [row(n) for n in range(1, 41)])
    result = run(app, "import-listings", path, "--status", "published",
                 "--moderator", moderator.email)
    assert result.exit_code == 0, result.output
    db.session.commit()
    assert planner_rows("listings") == 40
    assert planner_rows("listing_revisions") == 40
    if db.engine.dialect.name == "postgresql":
        analyzed = db.session.scalar(text(
            "SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'listings'"))
        assert analyzed is not None


def test_a_dry_run_changes_no_statistics(app, tmp_path):
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
        db.session.commit()
    before = planner_rows("listings")
    path = write_file(tmp_path / "old.csv", [row(n) for n in range(1, 6)])
    assert run(app, "import-listings", path, "--dry-run").exit_code == 0
    assert planner_rows("listings") == before
