"""Statements over many rows at once: membership in a long list of ids, and inserts of
many rows, in statements whose size does not grow with the rows."""
import json

from sqlalchemy import Integer, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from exchange.extensions import db


def among(column, ids):
    """`column IN ids` for any number of ids, as one parameter: an array on PostgreSQL, a
    JSON list on SQLite. A list of ids as separate parameters stops at 65,535 (PostgreSQL)
    or 32,766 (SQLite), and a bulk match's counterparts are more than that."""
    ids = sorted({int(i) for i in ids})
    if db.engine.dialect.name == "postgresql":
        return column == any_(bindparam(None, ids, type_=postgresql.ARRAY(Integer)))
    values = func.json_each(bindparam(None, json.dumps(ids))).table_valued("value")
    return column.in_(select(values.c.value))


def dialect_insert(table, bind=None):
    """INSERT for `table` in the dialect of `bind` (the app's engine by default), which has
    ON CONFLICT: PostgreSQL and SQLite both have it, and SQLAlchemy builds it per dialect."""
    name = (bind if bind is not None else db.engine).dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


ROWS_PER_STATEMENT = 20_000


def insert_new(table, columns: dict[str, list], constants: dict, unique: list[str],
               returning: list[str] | None = None) -> list[tuple]:
    """Insert rows given column by column (`columns`, equally long lists; `constants` the
    same in every row), skipping those that would repeat `unique`; returns the `returning`
    columns of the rows inserted. On PostgreSQL each statement takes the columns as arrays
    (INSERT … SELECT unnest(…)): a bulk match inserts hundreds of thousands of rows, and a
    multi-row VALUES list of that size costs more to build and parse than to store."""
    count = len(next(iter(columns.values()), []))
    if not count:
        return []
    postgres = db.engine.dialect.name == "postgresql"
    inserted: list[tuple] = []
    for start in range(0, count, ROWS_PER_STATEMENT if postgres else count):
        part = {name: values[start:start + ROWS_PER_STATEMENT if postgres else count]
                for name, values in columns.items()}
        if postgres:
            source = select(
                *(func.unnest(bindparam(f"column_{name}", values,
                                        type_=postgresql.ARRAY(table.c[name].type)))
                  for name, values in part.items()),
                *(bindparam(f"constant_{name}", value, type_=table.c[name].type)
                  for name, value in constants.items()))
            statement = dialect_insert(table).from_select([*part, *constants], source)
            parameters = None
        else:
            statement = dialect_insert(table)
            parameters = [dict(zip(part, row), **constants) for row in zip(*part.values())]
        statement = statement.on_conflict_do_nothing(index_elements=unique)
        if returning:
            statement = statement.returning(*(table.c[name] for name in returning))
            inserted.extend(tuple(row) for row in db.session.execute(statement, parameters))
        else:
            db.session.execute(statement, parameters)
    return inserted
