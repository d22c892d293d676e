"""Runs the outboxes (index jobs, mail) after a commit, never failing the caller."""
import threading

from flask import current_app

from exchange.budget import Budget
from exchange.core.dbtimeouts import use_drain_timeouts
from exchange.extensions import db


def drain(budget: Budget | None = None) -> None:
    """Send the mail the request queued, push pending index jobs, run match jobs, then send
    the mail they queued; failures stay pending for the CLI. A `budget` bounds the matching
    and the mail: what it leaves stays pending. Mail already queued goes first, so neither a
    slow search engine nor a backlog of match jobs holds back a decision's or a reply's
    notice."""
    from exchange.mail import send_pending
    from exchange.matching.outbox import drain_matching
    from exchange.search.outbox import push_pending

    budget = budget or Budget()
    for step, kwargs in ((send_pending, {"budget": budget}), (push_pending, {}),
                         (drain_matching, {"budget": budget}),
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
