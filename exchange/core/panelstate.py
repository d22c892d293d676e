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

Versions are read off one clock: a moving transaction takes the CLOCK row's next value
first (holding that row until it commits, so versions are committed in their order) and
gives it to every scope it moves. So "what moved since version N" is one indexed query,
and each process keeps what it last looked up (`Known`): at most every PANEL_STATE_SECONDS,
and at once after its own commits that moved a version. A page the page cache answers
from a kept page then takes the member from memory too (`answer_from_kept_page`)
while neither of their versions has moved since they were read, so such an answer needs
no database round trip; a change made by another process is seen within that interval.
Every other request loads the member from the database.
"""
import functools
import threading
from time import monotonic
from collections.abc import Callable, Iterable

from flask import current_app, g, has_app_context
from sqlalchemy import bindparam, event, func, select
from sqlalchemy import inspect as inspect_row
from sqlalchemy.orm import (Mapped, Session, aliased, make_transient_to_detached,
                            mapped_column)

from exchange.core.bounded import Bounded, bounded_in
from exchange.core.bulk import dialect_insert
from exchange.extensions import db

GLOBAL = 0  # the scope of changes that may alter every member's panels
CLOCK = -1  # the row whose next value every moving transaction takes

_TRACKED: dict[type, Callable[[object], Iterable[int]]] = {}
_TABLES: set[str] = set()

CHANGED = "panel_state.changed"  # session.info: tracked rows this transaction wrote
BULK = "panel_state.bulk"  # session.info: a bulk statement wrote a tracked table
MOVED = "panel_state.moved"  # session.info: this transaction moved versions


class PanelVersion(db.Model):
    """How often what the panels of a business (or GLOBAL's) show has changed."""

    __tablename__ = "panel_versions"

    scope: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(default=0, index=True)


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


class Known:
    """What this process last looked up of the versions, and the members it keeps."""

    def __init__(self, entries: int):
        self.lock = threading.Lock()
        self.seen: int | None = None  # the highest version looked at (None: never looked)
        self.moved: dict[int, int] = {}  # scope -> version, of scopes moved since the first look
        self.looked_at = float("-inf")
        self.members = Bounded(entries)  # id -> (columns, versions)

    def forget(self) -> None:
        """Look again before the next answer from memory (this process moved a version)."""
        self.looked_at = float("-inf")

    def look(self, interval: float) -> None:
        if monotonic() - self.looked_at < interval:
            return
        with self.lock:
            if monotonic() - self.looked_at < interval:
                return
            started = monotonic()
            if self.seen is None:
                self.seen = db.session.scalar(select(func.max(PanelVersion.version))) or 0
            else:
                rows = db.session.execute(select(PanelVersion.scope, PanelVersion.version)
                                          .where(PanelVersion.version > self.seen)).all()
                for scope, version in rows:
                    self.moved[scope] = max(version, self.moved.get(scope, 0))
                    self.seen = max(self.seen, version)
            self.looked_at = started

    def kept(self, member_id: int):
        entry = self.members.get(member_id)
        if entry is None:
            return None
        columns, (every, own) = entry
        if (self.moved.get(GLOBAL, 0) > every
                or self.moved.get(columns.get("business_id") or GLOBAL, 0) > own):
            return None
        return entry

    def keep(self, member, versions) -> None:
        columns = {attribute.key: getattr(member, attribute.key)
                   for attribute in inspect_row(type(member)).column_attrs}
        self.members.set(member.id, (columns, versions))


def _known(app) -> Known:
    known = app.extensions.get("panel_state")
    if known is None:
        known = app.extensions.setdefault(
            "panel_state", Known(app.config["PANEL_CACHE_ENTRIES"]))
    return known


def _detached(model, columns: dict):
    """A persistent `model` row with these column values, made without a query and in no
    session: what an answer from a kept page reads of a member (their columns) needs none.
    Before anything may load what they relate to, `attach` them."""
    member = model.__mapper__.class_manager.new_instance()
    member.__dict__.update(columns)  # as loading a row fills it: committed, nothing changed
    make_transient_to_detached(member)
    return member


def attach(member) -> None:
    """Put a member taken from memory (`load_member`) into this request's session, so
    their relationships load as usual when asked."""
    if getattr(member, "is_authenticated", False) and inspect_row(member).detached:
        db.session.add(member)


def answer_from_kept_page(kept: bool = True) -> None:
    """This request is answered from a kept page and writes nothing: its member may come
    from memory (see `load_member`); with False, no longer."""
    g.panel_state_kept = kept


def load_member(model, member_id: int):
    """The member `member_id` of `model` (accounts' Member), with the versions their
    panels are kept under read in the same statement (see `versions_for`). In an answer
    from a kept page (`answer_from_kept_page`), the member as this process last loaded
    them while none of their versions has moved since, in no session (see `attach`)."""
    known = None
    if g.get("panel_state_kept"):
        known = _known(current_app)
        known.look(current_app.config["PANEL_STATE_SECONDS"])
        entry = known.kept(member_id)
        if entry is not None:
            g.panel_versions = (member_id, entry[1])
            return _detached(model, entry[0])
    row = db.session.execute(_member_statement(model), {"member_id": member_id}).first()
    if row is None:
        return None
    member, every_version, own_version = row
    versions = (every_version or 0, own_version or 0)
    g.panel_versions = (member.id, versions)
    if known is not None:
        known.keep(member, versions)
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


PER_BUSINESS = "panel_state.per_business"  # app.extensions: (name, business) -> (versions, value)


def per_business(name: str, member, compute: Callable[[int], object]):
    """`compute(business_id)` for the member's business (None without one), kept in this
    process while the versions this request read for the member hold: what a business has
    to do with listings (the ones it wrote to, asked about, proposed to) moves them."""
    business_id = getattr(member, "business_id", None)
    if not business_id:
        return None
    versions = versions_for(member)
    memo = bounded_in(current_app, PER_BUSINESS, current_app.config["PANEL_CACHE_ENTRIES"])
    entry = memo.get((name, business_id))
    if entry is not None and entry[0] == versions:
        return entry[1]
    value = compute(business_id)
    memo.set((name, business_id), (versions, value))
    return value


def _scopes(rows) -> set[int]:
    scopes = set()
    for row in rows:
        scopes.update(scope or GLOBAL for scope in _TRACKED[type(row)](row))
    return scopes


def _bump(session: Session, scopes: set[int]) -> None:
    table = PanelVersion.__table__
    bind = session.get_bind()
    # the clock first (held until the commit), then the scopes in ascending order, so two
    # transactions never wait on each other's rows crosswise
    tick = dialect_insert(table, bind).values(scope=CLOCK, version=1)
    version = session.execute(tick.on_conflict_do_update(
        index_elements=[table.c.scope], set_={"version": table.c.version + 1})
        .returning(table.c.version)).scalar_one()
    statement = dialect_insert(table, bind).values([{"scope": scope, "version": version}
                                              for scope in sorted(scopes)])
    session.execute(statement.on_conflict_do_update(
        index_elements=[table.c.scope], set_={"version": statement.excluded.version}))
    session.info[MOVED] = True


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


@event.listens_for(Session, "after_commit")
def _look_again(session):
    if session.info.pop(MOVED, False) and has_app_context():
        _known(current_app).forget()


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction):
    if transaction.parent is None:
        session.info.pop(CHANGED, None)
        session.info.pop(BULK, None)
        session.info.pop(MOVED, None)
