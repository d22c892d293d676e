"""One unit of work per request: what a view wrote is committed once, when it returns."""
# Indico's RH.process: the view returns, then the request commits; a view that raises is
# rolled back. The commit runs before the response is built, so a failed commit becomes an
# error page and never a redirect announcing a change that was not kept. A request that
# wrote nothing commits nothing, so a streamed body (a sitemap, a CSV export), which is read
# after the view returns, keeps its transaction. Views and services never commit; the
# outbox drains (after the response, core/http.py) and the CLI commands own theirs.
import functools

from flask import flash, session
from sqlalchemy import event
from sqlalchemy.orm import Session

from exchange.core.http import discard_transaction
from exchange.errors import DomainError
from exchange.extensions import db

WRITES = "unit_of_work.writes"  # session.info: this transaction has written something
ON_ROLLBACK = "unit_of_work.on_rollback"  # session.info: undo steps outside the database


@event.listens_for(Session, "after_flush")
def _flushed(db_session, _flush_context):
    db_session.info[WRITES] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if not state.is_select:  # an UPDATE, DELETE or INSERT statement, or a text() one
        state.session.info[WRITES] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(db_session, transaction):
    if transaction.parent is None:
        db_session.info.pop(WRITES, None)


@event.listens_for(Session, "after_commit")
def _kept(db_session):
    db_session.info.pop(ON_ROLLBACK, None)


def has_writes() -> bool:
    """Whether the request's transaction holds something to commit."""
    current = db.session()
    return bool(current.info.get(WRITES) or current.new or current.dirty or current.deleted)


def when_rolled_back(undo) -> None:
    """Call `undo()` if the request's work is rolled back or its commit fails (files
    written for rows that were never kept)."""
    db.session().info.setdefault(ON_ROLLBACK, []).append(undo)


def roll_back() -> None:
    """Discard the request's work, and what it left outside the database."""
    undo = db.session().info.pop(ON_ROLLBACK, [])
    discard_transaction()
    for step in undo:
        step()


def finish() -> None:
    """Commit what the view wrote. A failed commit is rolled back and raised to the error
    handlers; the messages the view flashed announced the commit, so they go too."""
    if not has_writes():
        return
    try:
        db.session.commit()
    except BaseException:
        roll_back()
        if "_flashes" in session:
            del session["_flashes"]
        raise


def attempt(operation, *args, done: str | None = None, refused: str = "error", **kwargs):
    """Run one service call of a view: a refusal (DomainError) rolls back what the request
    wrote and is flashed in the category `refused`, then False is returned; otherwise
    `done` is flashed and the call's result (True for None) is returned."""
    try:
        result = operation(*args, **kwargs)
        db.session.flush()  # the ids of new rows, for the redirect
    except DomainError as error:
        roll_back()
        flash(error.message, refused)
        return False
    if done is not None:
        flash(done, "success")
    return True if result is None else result


def register_unit_of_work(app) -> None:
    """Commit after each view that returns, roll back after each that raises."""
    dispatch = app.dispatch_request

    @functools.wraps(dispatch)
    def dispatch_in_unit_of_work():
        try:
            rv = dispatch()
        except BaseException:
            roll_back()
            raise
        finish()
        return rv

    app.dispatch_request = dispatch_in_unit_of_work
