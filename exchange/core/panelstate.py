"""What a member's panels were rendered from, as a version per business that every write to
it moves, so rendered panels can be kept until something they show has changed.

A feature names each table its panels read with `track_for_panels(Model, scopes)`:
`scopes(row)` gives the businesses whose panels a change of that row may alter (the two
sides of a conversation for a message, the requester for an access request), or GLOBAL
when it may alter everyone's (a request's proposal count). When a transaction that wrote
such rows commits, it moves the version of each of those businesses (one statement, in the
same transaction). A bulk statement on a tracked table (no rows to ask) moves GLOBAL.
The page cache keeps a member's rendered panels with the versions they were rendered at
(GLOBAL's and their business's) and renders them again once either has moved.
"""
import functools
from collections.abc import Callable, Iterable

from flask import g
from sqlalchemy import bindparam, event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from exchange.extensions import db

GLOBAL = 0  # the scope of changes that may alter every member's panels

_TRACKED: dict[type, Callable[[object], Iterable[int]]] = {}
_TABLES: set[str] = set()

CHANGED = "panel_state.changed"  # session.info: tracked rows this transaction wrote
BULK = "panel_state.bulk"  # session.info: a bulk statement wrote a tracked table


class PanelVersion(db.Model):
    """How often what the panels of a business (or GLOBAL's) show has changed."""

    __tablename__ = "panel_versions"

    scope: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0)


def track_for_panels(model, scopes: Callable[[object], Iterable[int]]) -> None:
    """Writes to `model`'s rows move the versions of the businesses `scopes(row)` names."""
    _TRACKED[model] = scopes
    _TABLES.add(model.__tablename__)


def scope_of(member) -> int:
    """The scope a member's panels are kept under: their business, or GLOBAL for staff
    and signed-out sessions."""
    return getattr(member, "business_id", None) or GLOBAL


@functools.cache
def _member_statement(model):
    # built once: constructing the joins costs more than running them
    every, own = aliased(PanelVersion), aliased(PanelVersion)
    return (select(model, every.version, own.version).select_from(model)
            .outerjoin(every, every.scope == GLOBAL)
            .outerjoin(own, own.scope == func.coalesce(model.business_id, GLOBAL))
            .where(model.id == bindparam("member_id")))


def load_member(model, member_id: int):
    """The member `member_id` of `model` (accounts' Member), with the versions their
    panels are kept under read in the same statement (see `versions_for`)."""
    row = db.session.execute(_member_statement(model), {"member_id": member_id}).first()
    if row is None:
        return None
    member, every_version, own_version = row
    g.panel_versions = (member.id, (every_version or 0, own_version or 0))
    return member


def versions_for(member) -> tuple[int, int]:
    """(GLOBAL's version, the member's business's version): as read with the member when
    this request loaded them, else in one statement."""
    loaded = g.get("panel_versions")
    if loaded is not None and loaded[0] == getattr(member, "id", None):
        return loaded[1]
    own = scope_of(member)
    found = dict(db.session.execute(select(PanelVersion.scope, PanelVersion.version)
                                    .where(PanelVersion.scope.in_({GLOBAL, own}))).all())
    return found.get(GLOBAL, 0), found.get(own, 0)


def _scopes(rows) -> set[int]:
    scopes = set()
    for row in rows:
        scopes.update(scope or GLOBAL for scope in _TRACKED[type(row)](row))
    return scopes


def _bump(session: Session, scopes: set[int]) -> None:
    table = PanelVersion.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    # in ascending order, so two transactions never wait on each other's rows crosswise
    statement = dialect.insert(table).values([{"scope": scope, "version": 1}
                                              for scope in sorted(scopes)])
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.scope], set_={"version": table.c.version + 1}))


def _tracked(objects) -> list:
    return [row for row in objects if type(row) in _TRACKED]


@event.listens_for(Session, "after_flush")
def _note_rows(session, _flush_context):
    # still the flush's own view of the rows (new, changed, deleted)
    rows = _tracked([*session.new, *session.dirty, *session.deleted])
    if rows:
        session.info.setdefault(CHANGED, []).extend(rows)


@event.listens_for(Session, "do_orm_execute")
def _note_bulk(state):
    if state.is_select or not _TABLES:
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in _TABLES:
        state.session.info[BULK] = True


@event.listens_for(Session, "before_commit")
def _move_versions(session):
    if _tracked([*session.new, *session.dirty, *session.deleted]):
        session.flush()  # the commit's own flush comes after this hook
    rows = session.info.pop(CHANGED, [])
    scopes = _scopes(rows)
    if session.info.pop(BULK, False):
        scopes.add(GLOBAL)
    if scopes:
        _bump(session, scopes)


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction):
    if transaction.parent is None:
        session.info.pop(CHANGED, None)
        session.info.pop(BULK, None)
