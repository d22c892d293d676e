"""Runs the outboxes (mail, and the steps features add: index jobs, match jobs) after a
commit, never failing the caller."""
import threading

from flask import current_app
from sqlalchemy import insert

from exchange.budget import Budget
from exchange.core.dbtimeouts import use_drain_timeouts
from exchange.extensions import db
from exchange.mail import send_pending


# app.extensions key: the steps features add to the drain, as (order, step, budgeted)
DRAIN_STEPS = "exchange.drain_steps"


def add_drain_step(app, step, *, order: int, budgeted: bool) -> None:
    """Run `step` in every drain of `app`, after the mail already queued and before the mail
    the steps queue, lowest `order` first (search pushes index jobs at 10, matching runs
    match jobs at 20). A `budgeted` step is given the drain's budget."""
    steps = app.extensions.setdefault(DRAIN_STEPS, [])
    if all(known is not step for _order, known, _budgeted in steps):
        steps.append((order, step, budgeted))
        steps.sort(key=lambda entry: entry[0])


def queue_jobs(model, listing_ids, reason: str) -> None:
    """Record, in the current transaction and in one statement, a job of an outbox table
    (`model`: IndexJob, MatchJob) for each listing, and have the drain run after the
    commit (a bulk import's publication)."""
    db.session.execute(insert(model.__table__), [{"listing_id": listing_id, "reason": reason}
                                                 for listing_id in listing_ids])
    db.session.info["drain"] = True


def drain(budget: Budget | None = None) -> None:
    """Send the mail the request queued, run the features' steps (push pending index jobs,
    run match jobs), then send the mail they queued; failures stay pending for the CLI. A
    `budget` bounds the matching and the mail: what it leaves stays pending. Mail already
    queued goes first, so neither a slow search engine nor a backlog of match jobs holds
    back a decision's or a reply's notice."""
    budget = budget or Budget()
    steps = [(step, {"budget": budget} if budgeted else {})
             for _order, step, budgeted in current_app.extensions.get(DRAIN_STEPS, ())]
    for step, kwargs in ((send_pending, {"budget": budget}), *steps,
                         (send_pending, {"budget": budget})):
        try:
            step(**kwargs)
        except Exception:  # noqa: BLE001 - a side effect must never break a committed request
            db.session.rollback()
            current_app.logger.exception("side effect %s failed; it stays pending", step.__name__)


def request_budget(app) -> Budget:
    """What one web request's drain may do once its response is sent: a backlog (a bulk
    import's matching) is left to `flask exchange tick`, not carried by worker threads."""
    return Budget(seconds=app.config["DRAIN_BUDGET_SECONDS"], jobs=app.config["DRAIN_MAX_JOBS"])


_running = 0
_changed = threading.Condition()


def drain_in_context(app) -> None:
    """drain() after a response has been sent, in an app context of its own, within the
    request's budget."""
    global _running
    with _changed:
        _running += 1
    try:
        with app.app_context():
            use_drain_timeouts()
            drain(request_budget(app))
    finally:
        with _changed:
            _running -= 1
            _changed.notify_all()


def wait_for_drains(timeout: float = 30.0) -> bool:
    """Wait until no drain started after a response is still running in this process."""
    with _changed:
        return _changed.wait_for(lambda: _running == 0, timeout)
