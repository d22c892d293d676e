"""Planner statistics after bulk writes: ANALYZE the tables a job has filled."""
from sqlalchemy import text

from exchange.extensions import db


def analyze(*tables: str) -> None:
    """Refresh the statistics of `tables` and commit.

    Autovacuum analyzes a table only after a share of it has changed and a while later:
    right after a bulk load the planner still plans for the table as it was (60 rows where
    there are 20,000) and picks nested loops that take seconds per page.
    """
    names = sorted(set(tables))
    if not names:
        return
    quoted = [db.engine.dialect.identifier_preparer.quote(name) for name in names]
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text(f"ANALYZE {', '.join(quoted)}"))
    else:
        for name in quoted:
            db.session.execute(text(f"ANALYZE {name}"))
    db.session.commit()
