"""Runs the outboxes (index jobs, mail) after a commit, never failing the caller."""
import threading

from flask import current_app

from exchange.extensions import db


def drain() -> None:
    """Push pending index jobs, run match jobs and send pending mail; failures stay pending for the CLI."""
    from exchange.mail import send_pending
    from exchange.matching.outbox import drain_matching
    from exchange.search.outbox import push_pending

    for step in (push_pending, drain_matching, send_pending):
        try:
            step()
        except Exception:  # noqa: BLE001 - a side effect must never break a committed request
            db.session.rollback()
            current_app.logger.exception("side effect %s failed; it stays pending", step.__name__)


_running = 0
_changed = threading.Condition()


def drain_in_context(app) -> None:
    """drain() after a response has been sent, in an app context of its own."""
    global _running
    with _changed:
        _running += 1
    try:
        with app.app_context():
            drain()
    finally:
        with _changed:
            _running -= 1
            _changed.notify_all()


def wait_for_drains(timeout: float = 30.0) -> bool:
    """Wait until no drain started after a response is still running in this process."""
    with _changed:
        return _changed.wait_for(lambda: _running == 0, timeout)
