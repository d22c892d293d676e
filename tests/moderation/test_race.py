"""Two moderators at once, for real: separate threads, app contexts, sessions and connections
on PostgreSQL. The conditional UPDATE must let exactly one of them through."""
import threading
import time

import pytest
from sqlalchemy import select, text

from exchange.errors import Conflict
from exchange.extensions import db
from exchange.mail import OutboxMail
from exchange.moderation.models import AuditEntry, ItemState, QueueItem
from exchange.moderation.services import claim_item, decide_item
from tests.conftest import PG_URL, extract_csrf
from tests.factories import login, make_moderator
from tests.helpers import eventually
from tests.moderation.conftest import item_of

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(not PG_URL.startswith("postgresql"),
                       reason="real concurrency needs PostgreSQL (set TEST_DATABASE_URL)"),
]


def run_together(app, *jobs):
    """Run each job in its own thread and app context, released at the same instant."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def worker(index, job):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = job()
            except Exception as exc:  # noqa: BLE001 - the test inspects what each got
                db.session.rollback()
                results[index] = exc
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return results


def test_two_concurrent_decision_requests_record_exactly_one(app, pending, moderator,
                                                             other_moderator, smtp):
    item_id = item_of(pending).id
    clients = []
    for member in (moderator, other_moderator):
        client = app.test_client()
        login(client, member)
        token = extract_csrf(client.get(f"/moderation/{item_id}").get_data(as_text=True))
        clients.append((client, token))

    def deciding(client, token, decision, reason):
        return lambda: client.post(
            f"/moderation/{item_id}/decision?lang=en",
            data={"decision": decision, "reason": reason, "csrf_token": token},
        ).status_code

    statuses = run_together(
        app,
        deciding(*clients[0], "approve", ""),
        deciding(*clients[1], "reject", "Không phù hợp."),
    )

    assert sorted(statuses) == [302, 409], statuses
    db.session.expire_all()
    item = db.session.get(QueueItem, item_id)
    assert item.state == ItemState.DECIDED
    winner = "approve" if statuses[0] == 302 else "reject"
    assert item.decision == winner
    assert pending.status == ("published" if winner == "approve" else "rejected")
    decisions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.in_(("approved", "rejected")))
    ).all()
    assert decisions == ["approved" if winner == "approve" else "rejected"]
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMail)) == 1
    smtp.wait_for(1)


def _sessions_waiting_on_a_lock() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"))


def test_the_second_decider_waits_for_the_first_and_is_refused(app, pending, moderator,
                                                              other_moderator):
    """Deterministic interleaving: A has updated the row but not committed; B's UPDATE must
    block on the row lock, re-check its condition after A commits, and touch nothing."""
    item_id = item_of(pending).id
    first_updated = threading.Event()
    timings = {}

    def first():
        decide_item(item_id, moderator.id, "approve")
        first_updated.set()
        # commit only once B is seen waiting on A's row lock (bounded polling, not a nap)
        eventually(lambda: _sessions_waiting_on_a_lock() > 0, what="B waiting on the lock")
        timings["first_commits"] = time.monotonic()
        db.session.commit()
        return "approved"

    def second():
        assert first_updated.wait(10)
        try:
            decide_item(item_id, other_moderator.id, "reject", "Trùng lặp.")
        finally:
            timings["second_returned"] = time.monotonic()
        db.session.commit()
        return "rejected"

    results = run_together(app, first, second)

    assert results[0] == "approved"
    assert isinstance(results[1], Conflict) and results[1].code == "already_decided"
    # B was held until A committed (A's row lock goes with its commit, and B may well wake
    # before A's thread has heard the commit's reply)
    assert timings["second_returned"] >= timings["first_commits"]
    db.session.expire_all()
    item = db.session.get(QueueItem, item_id)
    assert item.decision == "approve" and item.decided_by_id == moderator.id
    assert pending.status == "published"


def test_many_moderators_claiming_at_once_one_gets_it(app, pending):
    item_id = item_of(pending).id
    moderators = [make_moderator() for _ in range(6)]

    def claiming(member_id):
        def job():
            claim_item(item_id, member_id)
            db.session.commit()
            return member_id
        return job

    results = run_together(app, *(claiming(m.id) for m in moderators))

    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) and r.code == "claimed" for r in results
               if not isinstance(r, int))
    db.session.expire_all()
    assert db.session.get(QueueItem, item_id).claimed_by_id == winners[0]
    claims = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "claimed")).all()
    assert [c.actor_id for c in claims] == winners
